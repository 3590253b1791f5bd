# Whether this computer may use each gMSA: Test-ADServiceAccount for every name.
# Read-only, so it also runs in check mode.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Accounts)

$Ansible.Changed = $false
foreach ($account in $Accounts) {
    $usable = $false
    $reason = ''
    try {
        $usable = Test-ADServiceAccount -Identity $account -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $reason = $warnings -join ' '
    }
    catch {
        $reason = $_.Exception.Message
    }
    [pscustomobject]@{ name = $account; usable = [bool]$usable; reason = $reason }
}
