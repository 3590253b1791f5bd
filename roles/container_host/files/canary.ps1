# The canary: per application, a short container with its credential spec that checks from inside the secure
# channel to the domain (nltest /sc_verify), a Kerberos TGT (klist get krbtgt) and a service ticket for one of the
# gMSA's SPNs (klist get <SPN>); then what the host logged meanwhile, Microsoft-Windows-Containers-CCG/Admin and
# NETLOGON 5720. It only runs and reads: the controller tells the causes and fixes (wincontainers.gmsa.canary_findings).
# -Tests: @{ application; file_name; hostname_prefix; command } each, the command run by cmd /v:on /c in the
# container; -Image and -Isolation (process or hyperv) of every container; -Docker: the full path of docker.exe.
# Each container gets a host name of its own, the prefix and a random suffix: containers that share a gMSA and a
# host name lose their secure channel. Output: one @{ application; hostname; exit_code; output } per test, every
# test run whatever the one before gave; $Ansible.Result: @{ since; ccg_log; events }. Containers are started (and
# removed, --rm), so the script does not declare SupportsShouldProcess: win_powershell does not run it in check mode.
[CmdletBinding()]
param(
    [object[]]$Tests,
    [string]$Image,
    [string]$Isolation,
    [string]$Docker
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function Invoke-Docker([string[]]$Arguments) {
    # Windows PowerShell 5.1 makes each line docker writes to stderr an error record, which the Stop preference
    # would turn into the end of the script: docker's exit code says whether it failed.
    $ErrorActionPreference = 'Continue'
    $lines = & $Docker @Arguments 2>&1 | ForEach-Object { "$_" }
    @{ exit_code = $LASTEXITCODE; output = ($lines -join "`n").Trim() }
}

function Get-EventsSince([hashtable]$Filter) {
    try { Get-WinEvent -FilterHashtable $Filter }
    catch {
        # No event since then is not a failure.
        if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { throw }
    }
}

try {
    $Ansible.Changed = $false
    if (-not (Test-Path -LiteralPath $Docker -PathType Leaf)) {
        throw "docker.exe is not at $Docker (beside the docker service's dockerd.exe), so no container can start"
    }
    $since = Get-Date
    foreach ($test in $Tests) {
        $hostname = '{0}-{1}' -f $test.hostname_prefix, [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $run = Invoke-Docker @('run', '--rm', '--security-opt', "credentialspec=file://$($test.file_name)",
            '--hostname', $hostname, "--isolation=$Isolation", $Image, 'cmd', '/v:on', '/c', $test.command)
        [pscustomobject]@{ application = $test.application; hostname = $hostname; exit_code = $run.exit_code; output = $run.output }
    }
    $ccgLog = 'Microsoft-Windows-Containers-CCG/Admin'
    $ccg = [bool](Get-WinEvent -ListLog $ccgLog -ErrorAction SilentlyContinue)
    $events = @()
    if ($ccg) { $events = @(Get-EventsSince @{ LogName = $ccgLog; StartTime = $since }) }
    $events = $events + @(Get-EventsSince @{ LogName = 'System'; ProviderName = 'NETLOGON'; Id = 5720; StartTime = $since })
    $Ansible.Result = @{
        since = $since.ToUniversalTime().ToString('o')
        ccg_log = $ccg
        events = @($events | ForEach-Object {
            @{ log = $_.LogName; id = $_.Id; provider = $_.ProviderName; level = $_.LevelDisplayName
               time = $_.TimeCreated.ToUniversalTime().ToString('o'); message = $_.Message }
        })
    }
}
catch {
    throw "The canary failed: $($_.Exception.Message)"
}
