# Run one container per credential spec and check its secure channel to the domain from inside it:
# nltest /sc_verify succeeds only when the container runs as the gMSA and reaches a domain controller.
# -Tests is a list of @{ application; file_name; domain }: file_name in Docker's CredentialSpecs folder,
# domain the gMSA's DNS domain. Output: one @{ application; passed; output } per test, in order; every test
# runs, whatever the one before it gave. Containers are started (and removed, --rm), so the script does
# not declare SupportsShouldProcess: win_powershell does not run it in check mode.
[CmdletBinding()]
param(
    [object[]]$Tests,
    [string]$Image
)

$Ansible.Changed = $false
foreach ($test in $Tests) {
    $output = & docker.exe run --rm --security-opt "credentialspec=file://$($test.file_name)" `
        --hostname $test.application.ToLowerInvariant() $Image nltest "/sc_verify:$($test.domain)" 2>&1
    # "$_" of a stderr line (an ErrorRecord under 2>&1) is its text alone.
    $text = (@($output | ForEach-Object { "$_" }) -join "`n").Trim()
    [pscustomobject]@{ application = $test.application; passed = $LASTEXITCODE -eq 0; output = $text }
}
