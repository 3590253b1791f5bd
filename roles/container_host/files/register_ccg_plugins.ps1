# List ccg.exe plug-ins under CCG\COMClasses, as the plug-ins' own installers do (the Azure Key Vault plug-in's
# InstallPlugin.ps1, Rancher's install-plugin.ps1, AKS AgentBaker's Install-GmsaPlugin): the key is protected, so
# take ownership of it, let Administrators add the subkeys, then give the key back its owner and rules, and check it
# has them. -Guids: the plug-ins' CLSIDs, in braces.
# A refusal half-way removes the subkeys this run added and gives the key back before the task fails. The key's
# owner and rules are kept in a journal file until they are back, so that a run cut off half-way (a lost
# connection) is finished by the next one.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Guids)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

$path = 'SYSTEM\CurrentControlSet\Control\CCG\COMClasses'
$journal = Join-Path -Path $env:ProgramData -ChildPath 'wincontainers-gmsa\COMClasses.sddl'
$administrators = [Security.Principal.SecurityIdentifier]'S-1-5-32-544'

# AdjustTokenPrivileges returns true even for a privilege the token does not hold: only the last error,
# ERROR_NOT_ALL_ASSIGNED (1300), says so.
$privilegeType = @'
using System;
using System.ComponentModel;
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
    [DllImport("kernel32.dll", SetLastError = true)]
    static extern bool CloseHandle(IntPtr handle);
    [DllImport("kernel32.dll")]
    static extern IntPtr GetCurrentProcess();
    public static void Enable(string name) {
        IntPtr token = IntPtr.Zero;
        TokenPrivilege privilege = new TokenPrivilege { Count = 1, Attributes = 2 };
        if (!OpenProcessToken(GetCurrentProcess(), 0x28, ref token)) { throw new Win32Exception(); }
        try {
            if (!LookupPrivilegeValue(null, name, ref privilege.Luid)
                || !AdjustTokenPrivileges(token, false, ref privilege, 0, IntPtr.Zero, IntPtr.Zero)) {
                throw new Win32Exception();
            }
            if (Marshal.GetLastWin32Error() == 1300) {
                throw new Win32Exception(1300, "this account does not hold " + name + " (ERROR_NOT_ALL_ASSIGNED)");
            }
        }
        finally { CloseHandle(token); }
    }
}
'@

function Open-Key([string]$Rights) {
    [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($path, 'ReadWriteSubTree', $Rights)
}

function Get-KeySecurity($Key) {
    $Key.GetAccessControl().GetSecurityDescriptorSddlForm('Owner, Access')
}

function Set-KeySecurity($Key, [string]$Sddl) {
    # SetAccessControl writes only the sections marked as changed: mark both by setting them from the saved form.
    $security = $Key.GetAccessControl()
    $security.SetSecurityDescriptorSddlForm($Sddl, 'Owner, Access')
    $Key.SetAccessControl($security)
}

try {
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($path)
    if ($null -eq $key) {
        throw "HKLM:\$path is missing: this host has no ccg.exe (Windows Server 2019 or later with the Containers feature)"
    }
    $key.Close()
    $missing = @($Guids | Where-Object { -not (Test-Path -LiteralPath "HKLM:\$path\$_") })
    $interrupted = Test-Path -LiteralPath $journal
    $Ansible.Changed = $missing.Count -gt 0 -or $interrupted
    if (-not $Ansible.Changed -or -not $PSCmdlet.ShouldProcess("HKLM:\$path", "Add $($missing -join ', ')")) { return }

    if (-not ('CcgPrivilege' -as [type])) { Add-Type -TypeDefinition $privilegeType }
    [CcgPrivilege]::Enable('SeTakeOwnershipPrivilege')
    [CcgPrivilege]::Enable('SeRestorePrivilege')
    $key = Open-Key 'ReadPermissions, TakeOwnership'
    if ($interrupted) { $saved = [IO.File]::ReadAllText($journal) }
    else {
        $saved = Get-KeySecurity $key
        $null = New-Item -Path (Split-Path -Path $journal -Parent) -ItemType Directory -Force
        [IO.File]::WriteAllText($journal, $saved)
    }
    $security = $key.GetAccessControl()
    $security.SetOwner($administrators)
    $key.SetAccessControl($security)
    $key.Close()
    # Open it again as its owner, who may change its rules: a handle keeps the rights it was opened with.
    $key = Open-Key 'ReadPermissions, TakeOwnership, ChangePermissions'
    $security = $key.GetAccessControl()
    $security.AddAccessRule([Security.AccessControl.RegistryAccessRule]::new($administrators, 'FullControl', 'Allow'))
    $key.SetAccessControl($security)
    $added = [Collections.Generic.List[string]]::new()
    try {
        foreach ($guid in $missing) {
            $null = New-Item -Path "HKLM:\$path\$guid" -Value ''
            $added.Add($guid)
        }
    }
    catch {
        # All or nothing: the next run starts from the key as it was.
        foreach ($guid in $added) { Remove-Item -LiteralPath "HKLM:\$path\$guid" }
        throw
    }
    finally {
        # Given back whatever happened above, and checked; the journal goes once the key has them again.
        Set-KeySecurity $key $saved
        $key.Close()
        $key = Open-Key 'ReadPermissions'
        if ((Get-KeySecurity $key) -ne $saved) { throw "its owner and rules are not what they were: $saved" }
        $key.Close()
        Remove-Item -LiteralPath $journal
    }
    foreach ($guid in $missing) {
        if (-not (Test-Path -LiteralPath "HKLM:\$path\$guid")) { throw "$guid is not listed after it was added" }
    }
}
catch {
    throw "Listing the ccg.exe plug-ins under HKLM:\$path failed: $($_.Exception.Message)"
}
