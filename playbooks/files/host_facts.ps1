# What the container_host role and its tests assume of a Windows host, read without changing anything: the owner
# and rules of the CCG plug-in key, whether AD Web Services answer, the container runtime, docker.exe and Docker's
# root, the network adapters with a default gateway, and the Windows build.
# Output: one object; ccg_com_classes.plugins and adapters_with_gateway are lists three levels down, so the task
# asks win_powershell for depth 3 (at its default of 2 they would arrive as one string).
[CmdletBinding(SupportsShouldProcess)]
param([int]$TimeoutMilliseconds = 3000)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function Get-CcgKey {
    $path = 'HKLM:\SYSTEM\CurrentControlSet\Control\CCG\COMClasses'
    if (-not (Test-Path -LiteralPath $path)) { return @{ exists = $false } }
    $acl = Get-Acl -LiteralPath $path
    $administrators = ([Security.Principal.SecurityIdentifier]'S-1-5-32-544').Translate([Security.Principal.NTAccount]).Value
    $mayWrite = @($acl.Access | Where-Object {
        $_.IdentityReference.Value -eq $administrators -and $_.AccessControlType -eq 'Allow' -and
        ($_.RegistryRights -band [Security.AccessControl.RegistryRights]::CreateSubKey)
    }).Count -gt 0
    @{ exists = $true; owner = $acl.Owner; administrators_may_write = $mayWrite
       plugins = @(Get-ChildItem -LiteralPath $path | ForEach-Object { $_.PSChildName }) }
}

function Test-Adws {
    if (-not (Get-CimInstance -ClassName Win32_ComputerSystem).PartOfDomain) { return @{ checked = $false } }
    $dc = [System.DirectoryServices.ActiveDirectory.Domain]::GetComputerDomain().FindDomainController().Name
    $client = [System.Net.Sockets.TcpClient]::new()
    try { $reachable = $client.ConnectAsync($dc, 9389).Wait($TimeoutMilliseconds) } catch { $reachable = $false }
    finally { $client.Dispose() }
    @{ checked = $true; domain_controller = $dc; reachable = [bool]$reachable }
}

function Get-DataRoot([string]$Config) {
    # Get-Content reads a UTF-8 or UTF-16 byte order mark, as dockerd does; a blank file sets nothing.
    $text = Get-Content -LiteralPath $Config -Raw
    if (-not $text -or -not $text.Trim()) { return $null }
    $settings = $text | ConvertFrom-Json
    foreach ($name in 'data-root', 'graph') {
        if ($settings.PSObject.Properties.Name -contains $name) { return $settings.$name }
    }
    $null
}

function Get-ContainerRuntime {
    $docker = Get-CimInstance -ClassName Win32_Service -Filter "Name = 'docker'"
    $runtime = @{ docker_service = $null; docker_cli = $null
                  docker_cli_on_path = [bool](Get-Command -Name docker.exe -ErrorAction SilentlyContinue)
                  containerd_service = [bool](Get-Service -Name containerd -ErrorAction SilentlyContinue)
                  docker_root = $null; daemon_json_data_root = $null }
    if ($docker) {
        $runtime.docker_service = "$($docker.State)"
        # docker.exe sits beside dockerd.exe, a folder the WinRM service's PATH may not have yet.
        $daemon = if ($docker.PathName -match '^"([^"]+)"') { $Matches[1] } else { ($docker.PathName -split ' ')[0] }
        $cli = Join-Path -Path (Split-Path -Path $daemon -Parent) -ChildPath 'docker.exe'
        if (Test-Path -LiteralPath $cli -PathType Leaf) { $runtime.docker_cli = $cli }
    }
    if ($runtime.docker_cli -and $runtime.docker_service -eq 'Running') {
        $runtime.docker_root = & $runtime.docker_cli info --format '{{.DockerRootDir}}'
    }
    $config = Join-Path -Path $env:ProgramData -ChildPath 'docker\config\daemon.json'
    if (Test-Path -LiteralPath $config) { $runtime.daemon_json_data_root = Get-DataRoot $config }
    $runtime
}

try {
    $Ansible.Changed = $false
    [pscustomobject]@{
        ccg_com_classes = Get-CcgKey
        adws = Test-Adws
        runtime = Get-ContainerRuntime
        adapters_with_gateway = @(Get-NetIPConfiguration | Where-Object { $_.IPv4DefaultGateway } | ForEach-Object { $_.InterfaceAlias })
        os_build = [Environment]::OSVersion.Version.Build
    }
}
catch {
    throw "Reading the host's facts failed: $($_.Exception.Message)"
}
