# Point the DNS client of the named adapters at the domain controllers, and show what that replaces: the diff has
# each changed adapter's servers before and after. -Adapters: the adapters' connection names; -Servers: the
# addresses, in order. Check mode (-WhatIf) reports the same and changes nothing.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]]$Adapters,
    [string[]]$Servers
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function Get-Servers([string]$Adapter) {
    @((Get-DnsClientServerAddress -InterfaceAlias $Adapter -AddressFamily IPv4).ServerAddresses) -join ', '
}

try {
    $wanted = $Servers -join ', '
    $before = @{}
    $after = @{}
    foreach ($adapter in $Adapters) {
        $current = Get-Servers $adapter
        if ($current -eq $wanted) { continue }
        $before[$adapter] = $current
        $after[$adapter] = $wanted
        if ($PSCmdlet.ShouldProcess($adapter, "Set the DNS servers to $wanted")) {
            Set-DnsClientServerAddress -InterfaceAlias $adapter -ServerAddresses $Servers
            if ((Get-Servers $adapter) -ne $wanted) { throw "the DNS servers of $adapter are not $wanted after setting them" }
        }
    }
    $Ansible.Changed = $before.Count -gt 0
    if ($before.Count) { $Ansible.Diff = @{ before = $before; after = $after } }
}
catch {
    throw "Setting the DNS servers failed: $($_.Exception.Message)"
}
