# Whether this computer may use each gMSA, as SYSTEM. Test-ADServiceAccount asks AD Web Services (TCP 9389);
# where they cannot be reached (blocked, or a Samba DC), the same fact is read over LDAP and Kerberos, as
# ccg.exe itself reads it: the computer may use the gMSA when the DC hands it msDS-ManagedPassword.
# Read-only unless -RefreshTickets, so it also runs in check mode.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]]$Accounts,
    [switch]$RefreshTickets
)

$Ansible.Changed = $false
if ($RefreshTickets -and $PSCmdlet.ShouldProcess('the SYSTEM logon session', 'Purge its Kerberos tickets')) {
    # The next ticket carries the computer's group membership as the DC knows it now.
    $null = klist.exe -li 0x3e7 purge
    $Ansible.Changed = $true
}

function Test-OverLdap([string]$Account) {
    $searcher = [adsisearcher]"(&(objectClass=msDS-GroupManagedServiceAccount)(sAMAccountName=$Account`$))"
    # The DC sends msDS-ManagedPassword only over a sealed connection.
    $searcher.SearchRoot.AuthenticationType = 'Secure, Sealing'
    $null = $searcher.PropertiesToLoad.Add('msDS-ManagedPassword')
    $found = $searcher.FindOne()
    if (-not $found) { return $false, "there is no gMSA $Account in the domain" }
    if ($found.Properties['msds-managedpassword'].Count -gt 0) { return $true, '' }
    return $false, 'the domain controller does not give this computer the password'
}

foreach ($account in $Accounts) {
    $test = [ordered]@{ name = $account; usable = $false; method = 'Test-ADServiceAccount'; reason = '' }
    try {
        $test.usable = [bool](Test-ADServiceAccount -Identity $account -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop)
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
