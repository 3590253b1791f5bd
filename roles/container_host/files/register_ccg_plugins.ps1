# List ccg.exe plug-ins under CCG\COMClasses, as the plug-ins' own installers do (the Azure Key Vault
# plug-in's InstallPlugin.ps1, Rancher's install-plugin.ps1): the key is protected, so take ownership of
# it, let Administrators add the subkeys, then give it back to its owner with its old rules.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Guids)

$path = 'SYSTEM\CurrentControlSet\Control\CCG\COMClasses'
$missing = @($Guids | Where-Object { -not (Test-Path -LiteralPath "HKLM:\$path\$_") })
$Ansible.Changed = $missing.Count -gt 0
if (-not $missing -or -not $PSCmdlet.ShouldProcess("HKLM:\$path", "Add $($missing -join ', ')")) { return }

# Taking ownership needs SeTakeOwnershipPrivilege, and giving it back SeRestorePrivilege, enabled in the
# token: Administrators hold both, disabled.
Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class CcgPrivilege {
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    struct TokenPrivilege { public int Count; public long Luid; public int Attributes; }
    [DllImport("advapi32.dll", SetLastError = true)]
    static extern bool OpenProcessToken(IntPtr process, int access, ref IntPtr token);
    [DllImport("advapi32.dll", SetLastError = true)]
    static extern bool LookupPrivilegeValue(string host, string name, ref long luid);
    [DllImport("advapi32.dll", SetLastError = true)]
    static extern bool AdjustTokenPrivileges(IntPtr token, bool all, ref TokenPrivilege state, int length, IntPtr previous, IntPtr returned);
    [DllImport("kernel32.dll")]
    static extern IntPtr GetCurrentProcess();
    public static void Enable(string name) {
        IntPtr token = IntPtr.Zero;
        TokenPrivilege privilege = new TokenPrivilege { Count = 1, Attributes = 2 };
        if (!OpenProcessToken(GetCurrentProcess(), 0x28, ref token) || !LookupPrivilegeValue(null, name, ref privilege.Luid)
            || !AdjustTokenPrivileges(token, false, ref privilege, 0, IntPtr.Zero, IntPtr.Zero)) {
            throw new System.ComponentModel.Win32Exception();
        }
    }
}
'@
[CcgPrivilege]::Enable('SeTakeOwnershipPrivilege')
[CcgPrivilege]::Enable('SeRestorePrivilege')

$administrators = [Security.Principal.SecurityIdentifier]'S-1-5-32-544'
$key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($path, 'ReadWriteSubTree', 'TakeOwnership')
$original = $key.GetAccessControl()
try {
    $acl = $key.GetAccessControl()
    $acl.SetOwner($administrators)
    $key.SetAccessControl($acl)
    $acl = $key.GetAccessControl()
    $acl.AddAccessRule([Security.AccessControl.RegistryAccessRule]::new($administrators, 'FullControl', 'Allow'))
    $key.SetAccessControl($acl)
    foreach ($guid in $missing) {
        $null = New-Item -Path "HKLM:\$path\$guid" -Value ''
    }
}
finally {
    $key.SetAccessControl($original)
    $key.Close()
}
