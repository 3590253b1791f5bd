# What the container_host role and its tests assume of a Windows host, read without changing anything:
# the owner and rules of the CCG plug-in key, whether AD Web Services answer, the container runtime and
# Docker's root, and the network adapters with a default gateway.
[CmdletBinding(SupportsShouldProcess)]
param([int]$TimeoutMilliseconds = 3000)

$Ansible.Changed = $false

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

function Get-ContainerRuntime {
    $docker = Get-Service -Name docker -ErrorAction SilentlyContinue
    $runtime = @{ docker_service = if ($docker) { "$($docker.Status)" } else { $null }
                  containerd_service = [bool](Get-Service -Name containerd -ErrorAction SilentlyContinue)
                  docker_cli = [bool](Get-Command -Name docker.exe -ErrorAction SilentlyContinue)
                  docker_root = $null; daemon_json_data_root = $null }
    if ($runtime.docker_cli -and $docker.Status -eq 'Running') { $runtime.docker_root = docker info --format '{{.DockerRootDir}}' }
    $config = Join-Path $env:ProgramData 'docker\config\daemon.json'
    if (Test-Path -LiteralPath $config) {
        $settings = Get-Content -LiteralPath $config -Raw | ConvertFrom-Json
        $runtime.daemon_json_data_root = if ($settings.'data-root') { $settings.'data-root' } else { $settings.graph }
    }
    $runtime
}

[pscustomobject]@{
    ccg_com_classes = Get-CcgKey
    adws = Test-Adws
    runtime = Get-ContainerRuntime
    adapters_with_gateway = @(Get-NetIPConfiguration | Where-Object { $_.IPv4DefaultGateway } | ForEach-Object { $_.InterfaceAlias })
}
