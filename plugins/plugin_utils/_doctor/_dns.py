# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The SRV records hosts find their domain controllers by, asked over UDP and over TCP.

Windows asks over UDP first and over TCP when the answer does not fit; a firewall that lets only UDP
port 53 through works until a domain has enough controllers, then hosts stop finding them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import SRV_RECORD

# What a container host (domain-joined, or ccg.exe for a portable identity) looks up: the domain's LDAP
# servers and its KDCs, over both Kerberos transports.
RECORDS = (SRV_RECORD, '_kerberos._tcp.dc._msdcs.%s', '_kerberos._tcp.%s', '_kerberos._udp.%s')
TRANSPORTS = ('udp', 'tcp')

ANSWERED = 'answered'
NO_RECORD = 'no record'
NO_ANSWER = 'no answer'


@dataclass(frozen=True)
class Outcome:
    server: str
    record: str
    result: str                  # ANSWERED, NO_RECORD or NO_ANSWER
    targets: Tuple[str, ...] = ()
    reason: str = ''             # why NO_ANSWER or NO_RECORD


def name_servers(given):
    """The DNS servers to ask: those given, else the controller's own resolver's."""
    try:
        import dns.resolver
    except ImportError:
        raise ADError('the doctor asks DNS with the Python library dnspython: pip install dnspython') from None
    if given:
        return [checked_address(server, 'dns_server[%d]' % index) for index, server in enumerate(given)]
    try:
        return list(dns.resolver.Resolver().nameservers)
    except dns.resolver.NoResolverConfiguration:
        raise ADError('dns_server: the controller has no DNS resolver configured (/etc/resolv.conf); '
                      'name the DNS servers the container hosts use') from None


def checked_address(server, field):
    """A DNS server's IP address as given: the queries go to an address, and a name would need DNS itself."""
    try:
        return str(ipaddress.ip_address(str(server).strip()))
    except ValueError:
        raise ADInputError('give the DNS server\'s IP address, not %r' % server, field) from None


def ask(server, record, transport, timeout):
    """One SRV question to one server over one transport."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    query = dns.message.make_query(record, dns.rdatatype.SRV)
    send = dns.query.udp if transport == 'udp' else dns.query.tcp
    try:
        response = send(query, server, timeout=timeout)
    except dns.exception.Timeout:
        return Outcome(server, record, NO_ANSWER, reason='no answer within %s s' % timeout)
    except (OSError, ValueError, dns.exception.DNSException) as exc:
        return Outcome(server, record, NO_ANSWER, reason=str(exc) or type(exc).__name__)
    targets = tuple('%s:%d' % (str(item.target).rstrip('.'), item.port) for rrset in response.answer
                    if rrset.rdtype == dns.rdatatype.SRV for item in rrset)
    if targets:
        return Outcome(server, record, ANSWERED, targets)
    return Outcome(server, record, NO_RECORD, reason=dns.rcode.to_text(response.rcode()))


def ask_all(servers, domain, transport, timeout):
    """Every record from every server over ``transport``; a server that did not answer once is not asked
    again over it, so a blocked port costs one timeout, not one for each record."""
    outcomes = []
    for server in servers:
        for record in RECORDS:
            outcome = ask(server, record % domain, transport, timeout)
            outcomes.append(outcome)
            if outcome.result == NO_ANSWER:
                break
    return outcomes


def srv_check(transport, outcomes):
    """The finding for the answers over one transport."""
    name = 'dns_srv_%s' % transport
    silent = [outcome for outcome in outcomes if outcome.result == NO_ANSWER]
    missing = [outcome for outcome in outcomes if outcome.result == NO_RECORD]
    if silent:
        return failed(name, '; '.join('%s did not answer over %s (%s)' % (outcome.server, transport.upper(),
                                                                          outcome.reason) for outcome in silent),
                      _port_fix(transport, [outcome.server for outcome in silent]))
    if missing:
        return failed(name, '; '.join('%s has no %s (%s)' % (outcome.server, outcome.record, outcome.reason)
                                      for outcome in missing),
                      'register the domain controllers\' records: restart the Netlogon service on each DC or run '
                      '"nltest /dsregdns" there (Samba: samba_dnsupdate), or add the missing SRV records; '
                      'check that the DNS servers the hosts use serve the domain\'s zones')
    servers = sorted({outcome.server for outcome in outcomes})
    targets = sorted({target for outcome in outcomes for target in outcome.targets})
    return ok(name, '%d SRV records answered over %s by %s, naming %s'
              % (len(outcomes), transport.upper(), ', '.join(servers), ', '.join(targets)))


def _port_fix(transport, servers):
    if transport == 'tcp':
        return ('open TCP port 53 from the container hosts and this controller to %s: answers that do not fit '
                'in UDP are asked again over TCP, and hosts then find no domain controller' % ', '.join(servers))
    return ('open UDP port 53 from the container hosts and this controller to %s, or give in dns_server the DNS '
            'servers the hosts use' % ', '.join(servers))


def srv_checks(servers, domain, timeout):
    return [srv_check(transport, ask_all(servers, domain, transport, timeout)) for transport in TRANSPORTS]
