"""Model of roles/container_host/files/set_dns_servers.ps1: the DNS servers of the named adapters, with what they
replace as the diff. State: dns_servers, adapter connection name -> its IPv4 DNS servers."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure

SCRIPT = 'set_dns_servers.ps1'
SHA256 = '12a36abd472ce76245d420afa83caefceac5fe77bf2fe86f36b394222bb633fa'


def servers_of(ps, adapter):
    adapters = ps.host.state.setdefault('dns_servers', {})
    if adapter not in adapters:
        # Get-DnsClientServerAddress's words when no adapter has the alias.
        raise Failure('No matching MSFT_DNSClientServerAddress objects found by CIM query for instances of the '
                      'ROOT/StandardCimv2/MSFT_DNSClientServerAddress class on the  CIM server: SELECT * FROM '
                      "MSFT_DNSClientServerAddress  WHERE ((InterfaceAlias LIKE '%s')) AND ((AddressFamily = 2))" % adapter,
                      'Microsoft.Management.Infrastructure.CimException', 'CmdletizationQuery_NotFound_InterfaceAlias',
                      'ObjectNotFound')
    return ', '.join(adapters[adapter])


def set_servers(ps, adapter, servers):
    ps.host.writable('dns:%s' % adapter)
    ps.host.state['dns_servers'][adapter] = list(servers)


def run(ps, params):
    ps.stop_on_errors(10, "$ErrorActionPreference = 'Stop'")
    ps.strict_mode(11, 'Set-StrictMode -Version 2.0')
    servers = params.get('Servers') or []

    def get_servers(adapter):
        return ps.cmdlet(14, '(Get-DnsClientServerAddress -InterfaceAlias $Adapter -AddressFamily IPv4).ServerAddresses',
                         lambda: servers_of(ps, adapter))

    def body():
        wanted = ps.run(18, "$wanted = $Servers -join ', '", lambda: ', '.join(servers))
        before, after = {}, {}
        for adapter in params.get('Adapters') or []:
            current = get_servers(adapter)
            ps.run(22, '$current = Get-Servers $adapter')
            if ps.run(23, 'if ($current -eq $wanted) { continue }', lambda: current == wanted):
                continue
            before[adapter] = current
            after[adapter] = wanted
            if ps.should_process(26, 'if ($PSCmdlet.ShouldProcess($adapter, "Set the DNS servers to $wanted"))'):
                ps.cmdlet(27, 'Set-DnsClientServerAddress -InterfaceAlias $adapter -ServerAddresses $Servers',
                          lambda: set_servers(ps, adapter, servers))
                if get_servers(adapter) != wanted:
                    ps.throw(28, 'throw "the DNS servers of $adapter are not $wanted after setting them"',
                             'the DNS servers of %s are not %s after setting them' % (adapter, wanted))
        ps.ansible['Changed'] = ps.run(31, '$Ansible.Changed = $before.Count -gt 0', lambda: bool(before))
        if before:
            ps.ansible['Diff'] = ps.run(32, '$Ansible.Diff = @{ before = $before; after = $after }',
                                        lambda: {'before': before, 'after': after})

    def fail(record):
        ps.throw(35, 'throw "Setting the DNS servers failed: $($_.Exception.Message)"',
                 'Setting the DNS servers failed: %s' % record['exception']['message'])

    ps.try_(17, 'try {', body, catch=fail)
