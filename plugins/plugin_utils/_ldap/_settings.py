# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Where to connect: the connection options, and the domain controllers to try in order (failover,
DNS SRV discovery).

The options here are documented by the ``wincontainers.gmsa.ad_connection``
documentation fragment; tests keep the two in step.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Optional, Tuple

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError

LDAPS_PORT = 636
LDAP_PORT = 389
SRV_RECORD = '_ldap._tcp.dc._msdcs.%s'
# The binds that hand the controller the password, or a response to it that can be relayed; a Kerberos bind
# sends a ticket for the controller's own service name, which a host that is not the controller cannot use.
PASSWORD_BINDS = ('simple', 'ntlm')


def _non_empty_env(*names):
    """Like Ansible's env_fallback, but an empty variable counts as unset (credential types often set them empty)."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def _env(*names):
    return (_non_empty_env, list(names))


CONNECTION_ARGUMENT_SPEC = dict(
    domain_server=dict(type='list', elements='str', fallback=_env('GMSA_AD_SERVER')),
    domain_name=dict(type='str', fallback=_env('GMSA_AD_DOMAIN')),
    domain_port=dict(type='int', fallback=_env('GMSA_AD_PORT')),
    tls_mode=dict(type='str', choices=['ldaps', 'start_tls'], default='ldaps', fallback=_env('GMSA_AD_TLS_MODE')),
    validate_certs=dict(type='bool', default=True, fallback=_env('GMSA_AD_VALIDATE_CERTS')),
    ca_cert=dict(type='path', fallback=_env('GMSA_AD_CA_CERT')),
    tls_server_name=dict(type='str', fallback=_env('GMSA_AD_TLS_SERVER_NAME')),
    trust_system_ca=dict(type='bool', default=False, fallback=_env('GMSA_AD_TRUST_SYSTEM_CA')),
    auth=dict(type='str', choices=['simple', 'kerberos', 'ntlm'], default='simple', fallback=_env('GMSA_AD_AUTH')),
    domain_username=dict(type='str', fallback=_env('GMSA_AD_USERNAME')),
    domain_password=dict(type='str', no_log=True, fallback=_env('GMSA_AD_PASSWORD')),
    connect_timeout=dict(type='int', default=10, fallback=_env('GMSA_AD_CONNECT_TIMEOUT')),
)


@dataclass(frozen=True)
class Candidate:
    """One domain controller to try: where to connect, and the name its certificate must carry."""
    address: str
    tls_name: Optional[str] = None

    @property
    def name(self):
        """The controller as a person knows it: the name its certificate is checked against, else its address."""
        return self.tls_name or self.address

    def __str__(self):
        if self.tls_name and self.tls_name != self.address:
            return '%s (%s)' % (self.tls_name, self.address)
        return self.address


@dataclass(frozen=True)
class ConnectionSettings:
    servers: Tuple[str, ...]
    domain_name: Optional[str]
    port: int
    tls_mode: str
    validate_certs: bool
    ca_cert: Optional[str]
    tls_server_name: Optional[str]
    auth: str
    username: Optional[str]
    password: Optional[str] = field(repr=False)
    connect_timeout: int
    trust_system_ca: bool = False
    # For a GSSAPI bind without a password: where the credentials come from, as GSSAPI
    # credential-store pairs, e.g. (('ccache', 'FILE:/path'),) or a client keytab.
    kerberos_store: Optional[Tuple[Tuple[str, str], ...]] = None

    @classmethod
    def from_params(cls, params):
        tls_mode = params['tls_mode']
        servers = tuple(s.strip() for s in (params.get('domain_server') or []) if s and s.strip())
        if not servers and not params.get('domain_name'):
            raise ADInputError('domain_server or domain_name is required: name a domain controller, '
                               'or the domain whose controllers DNS should find (or set GMSA_AD_SERVER)')
        if params['auth'] in ('simple', 'ntlm') and not (params.get('domain_username') and params.get('domain_password')):
            raise ADInputError('domain_username and domain_password are required with auth=%s '
                               '(or set GMSA_AD_USERNAME and GMSA_AD_PASSWORD); auth=kerberos can use a ticket from kinit'
                               % params['auth'])
        if params.get('domain_password') and not params.get('domain_username'):
            raise ADInputError('domain_password was given without domain_username')
        if params['connect_timeout'] <= 0:
            raise ADInputError('connect_timeout must be a positive number of seconds')
        port = params.get('domain_port') or (LDAPS_PORT if tls_mode == 'ldaps' else LDAP_PORT)
        if not 0 < port < 65536:
            raise ADInputError('domain_port must be between 1 and 65535, not %s' % port)
        if not servers and params['auth'] in PASSWORD_BINDS:
            _check_trust_in_discovered_controllers(params)
        return cls(
            servers=servers,
            domain_name=(params.get('domain_name') or '').strip().rstrip('.') or None,
            port=port,
            tls_mode=tls_mode,
            validate_certs=params['validate_certs'],
            ca_cert=params.get('ca_cert'),
            tls_server_name=params.get('tls_server_name'),
            auth=params['auth'],
            username=params.get('domain_username'),
            password=params.get('domain_password'),
            connect_timeout=params['connect_timeout'],
            trust_system_ca=bool(params.get('trust_system_ca')),
        )

    def fingerprint(self):
        """A key for reusing a connection: equal only for identical settings, password included."""
        return hashlib.sha256(repr((self, self.password)).encode('utf-8')).hexdigest()


def _check_trust_in_discovered_controllers(params):
    """With the controllers found through DNS, whoever answers DNS names the host the password goes to; the
    certificate check alone would accept that host with any certificate the system trusts for its own name. So a
    password bind needs something DNS does not decide: the domain's own CA, the name every controller's certificate
    must carry, or the explicit word that the system trust store is enough."""
    record = SRV_RECORD % (params.get('domain_name') or '').strip().rstrip('.')
    if not params['validate_certs']:
        raise ADInputError('validate_certs=false with the domain controllers found through DNS (%s) would send the '
                           'password of %s to whatever host DNS names, unchecked; name the controllers in '
                           'domain_server, or check their certificates (validate_certs=true with ca_cert or '
                           'tls_server_name)' % (record, params['domain_username']))
    if not (params.get('ca_cert') or params.get('tls_server_name') or params.get('trust_system_ca')):
        raise ADInputError('the domain controllers are found through DNS (%s), so the password of %s would go to '
                           'any host DNS names that has a certificate the system trusts for its own name; give '
                           'ca_cert (the CA that issued the controllers\' certificates), tls_server_name (the name '
                           'their certificates carry) or trust_system_ca=true, or name the controllers in '
                           'domain_server' % (record, params['domain_username']))


def discover_domain_controllers(domain_name, resolver=None, tls_server_name=None):
    """Domain controllers of ``domain_name`` from its DNS SRV record, in the order to try them.

    Each candidate is connected to by the address DNS gave, and its certificate is checked against
    ``tls_server_name`` when given, else against the host name the SRV record named. Every host the record
    names must be within the domain: the bind password goes to a controller of the domain or nowhere.
    """
    import dns.exception
    import dns.resolver

    resolver = resolver or dns.resolver.Resolver()
    record = SRV_RECORD % domain_name
    try:
        answers = resolver.resolve(record, 'SRV')
    except dns.exception.DNSException as exc:
        raise ADError('no domain controller found: the DNS SRV record %s did not resolve (%s); '
                      'name the controllers in domain_server' % (record, exc.__class__.__name__))
    # Lowest priority first; among equals the heaviest weight first (RFC 2782,
    # without the random draw, so that runs are repeatable).
    ordered = sorted(answers, key=lambda srv: (srv.priority, -srv.weight))
    # A target of "." says the service is not offered there (RFC 2782).
    hosts = [host for host in (str(srv.target).rstrip('.') for srv in ordered) if host]
    for host in hosts:
        if not within_domain(host, domain_name):
            raise ADError('the DNS SRV record %s names %s, a host outside %s; the bind password goes only to a '
                          'domain controller of the domain: name the controllers in domain_server'
                          % (record, host, domain_name))
    candidates = []
    for host in hosts:
        candidates.extend(Candidate(address, tls_server_name or host) for address in _addresses(resolver, host))
    if not candidates:
        raise ADError('the DNS SRV record %s names no reachable host; name the controllers in domain_server' % record)
    return candidates


def within_domain(host, domain_name):
    """Whether ``host`` is the domain's own name or a name under it; case and a trailing dot do not count."""
    host, domain = host.rstrip('.').lower(), domain_name.rstrip('.').lower()
    return host == domain or host.endswith('.' + domain)


def _addresses(resolver, host):
    import dns.exception

    addresses = []
    for record_type in ('A', 'AAAA'):
        try:
            addresses.extend(str(answer) for answer in resolver.resolve(host, record_type))
        except dns.exception.DNSException:
            continue
    return addresses


def candidates_for(settings, resolver=None):
    if settings.servers:
        return [Candidate(server, settings.tls_server_name or server) for server in settings.servers]
    return discover_domain_controllers(settings.domain_name, resolver, settings.tls_server_name)
