# Write the files of the CredentialSpecs folder in one run: every credential spec and the ledger.
# -Files is a list of @{ name = '<file name in -Folder>'; content = '<text>' }, done in the order given; a
# content of $null removes the file. A file is written only when the SHA-256 of its bytes differs from that
# of the content, and as ansible.windows.win_copy writes content: UTF-8 without a byte order mark, the text
# as given. The first file refused stops the run, so a later step (the ledger) is not reached.
# Output: one @{ name; action } per step, action 'written', 'removed' or 'unchanged'. Check mode (-WhatIf)
# reports the same and writes nothing; the diff is the before and after text of each file that changes.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$Folder,
    [object[]]$Files
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

$utf8 = [Text.UTF8Encoding]::new($false)
$sha256 = [Security.Cryptography.SHA256]::Create()
$before = @{}
$after = @{}

function Get-Digest([byte[]]$Bytes) {
    if ($null -eq $Bytes) { return '' }
    [BitConverter]::ToString($sha256.ComputeHash($Bytes))
}

try {
    $Ansible.Changed = $false
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) {
        $Ansible.Changed = $true
        if ($PSCmdlet.ShouldProcess($Folder, 'Create the folder')) { $null = New-Item -Path $Folder -ItemType Directory -Force }
    }

    foreach ($file in $Files) {
        $path = Join-Path -Path $Folder -ChildPath $file.name
        # Assigned, not returned from an if block: PowerShell would unroll the byte arrays.
        $old = $null
        $new = $null
        if (Test-Path -LiteralPath $path -PathType Leaf) { $old = [IO.File]::ReadAllBytes($path) }
        if ($null -ne $file.content) { $new = $utf8.GetBytes([string]$file.content) }
        $action = 'unchanged'
        if (($null -eq $old) -ne ($null -eq $new) -or (Get-Digest $old) -ne (Get-Digest $new)) {
            $action = if ($null -eq $new) { 'removed' } else { 'written' }
            $Ansible.Changed = $true
            if (-not $before.ContainsKey($file.name)) {
                $before[$file.name] = $null
                if ($null -ne $old) { $before[$file.name] = $utf8.GetString($old) }
            }
            $after[$file.name] = $file.content
            if ($PSCmdlet.ShouldProcess($path, $action)) {
                if ($null -eq $new) { Remove-Item -LiteralPath $path -Force }
                else { [IO.File]::WriteAllBytes($path, $new) }
                if ((Test-Path -LiteralPath $path -PathType Leaf) -eq ($null -eq $new)) { throw "$path is not $action" }
            }
        }
        [pscustomobject]@{ name = $file.name; action = $action }
    }

    if ($before.Count) { $Ansible.Diff = @{ before = $before; after = $after } }
}
catch {
    throw "Writing the credential spec files in $Folder failed: $($_.Exception.Message)"
}
