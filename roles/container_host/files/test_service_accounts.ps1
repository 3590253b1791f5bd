# Whether this computer may use each gMSA, as SYSTEM. Test-ADServiceAccount asks AD Web Services (TCP 9389);
# where they cannot be reached (blocked, or a Samba DC), the same fact is read over LDAP and Kerberos, as
# ccg.exe itself reads it: the computer may use the gMSA when the DC hands it msDS-ManagedPassword.
# -Accounts: the gMSA names, without the $. Output: one @{ name; usable; method; reason } per account (and adws,
# the reason AD Web Services did not answer, when LDAP was asked instead). Read-only unless -RefreshTickets, so it
# also runs in check mode.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]]$Accounts,
    [switch]$RefreshTickets
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function ConvertTo-LdapFilterValue([string]$Value) {
    # RFC 4515: in a filter these characters stand as a backslash and their two hex digits.
    $escaped = foreach ($char in $Value.ToCharArray()) {
        if ('\', '*', '(', ')', [char]0 -contains $char) { '\{0:x2}' -f [int]$char } else { $char }
    }
    -join $escaped
}

function Test-OverLdap([string]$Account) {
    $name = ConvertTo-LdapFilterValue "$Account`$"
    $searcher = [adsisearcher]"(&(objectClass=msDS-GroupManagedServiceAccount)(sAMAccountName=$name))"
    # The DC sends msDS-ManagedPassword only over a sealed connection.
    $searcher.SearchRoot.AuthenticationType = 'Secure, Sealing'
    $null = $searcher.PropertiesToLoad.Add('msDS-ManagedPassword')
    $found = $searcher.FindOne()
    if (-not $found) { return $false, "there is no gMSA $Account in the domain" }
    if ($found.Properties['msds-managedpassword'].Count -gt 0) { return $true, '' }
    return $false, 'the domain controller does not give this computer the password'
}

try {
    $Ansible.Changed = $false
    if ($RefreshTickets -and $PSCmdlet.ShouldProcess('the SYSTEM logon session', 'Purge its Kerberos tickets')) {
        # The next ticket carries the computer's group membership as the DC knows it now.
        $null = klist.exe -li 0x3e7 purge
        if ($LASTEXITCODE -ne 0) { throw "klist -li 0x3e7 purge exited with $LASTEXITCODE" }
        $Ansible.Changed = $true
    }

    foreach ($account in $Accounts) {
        $test = [ordered]@{ name = $account; usable = $false; method = 'Test-ADServiceAccount'; reason = '' }
        try {
            $test.usable = [bool](Test-ADServiceAccount -Identity $account -WarningVariable warnings -WarningAction SilentlyContinue)
            $test.reason = $warnings -join ' '
        }
        catch {
            if ($_.Exception.GetType().Name -ne 'ADServerDownException') {
                $test.reason = $_.Exception.Message
            }
            else {
                $test.adws = $_.Exception.Message
                $test.method = 'LDAP'
                try { $test.usable, $test.reason = Test-OverLdap $account }
                catch { $test.reason = $_.Exception.Message }
            }
        }
        [pscustomobject]$test
    }
}
catch {
    throw "Testing the gMSAs on this host failed: $($_.Exception.Message)"
}
