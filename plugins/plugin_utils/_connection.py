# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""How every AD-side module reaches a domain controller: options, discovery,
TLS, bind, failover, and one connection kept for all the items of a loop.

The options here are documented by the ``wincontainers.gmsa.ad_connection``
documentation fragment; tests keep the two in step.
"""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass, field
from typing import Optional, Tuple

import os

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import (
    ADError,
    ADInputError,
    describe_bad_ca_cert,
    describe_exception,
    describe_no_answer,
    describe_result,
)

LDAPS_PORT = 636
LDAP_PORT = 389
SRV_RECORD = '_ldap._tcp.dc._msdcs.%s'


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
        )

    def fingerprint(self):
        """A key for reusing a connection: equal only for identical settings, password included."""
        return hashlib.sha256(repr((self, self.password)).encode('utf-8')).hexdigest()


def _check_ca_cert(ca_cert):
    """Load the file as the handshake will: ldap3 says only "invalid CA public key file" for a missing one,
    and the handshake an OpenSSL error for one without a certificate, neither naming the option."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca_cert)
    except ssl.SSLError:  # an OSError too, so first
        raise ADInputError(describe_bad_ca_cert(ca_cert, 'holds no certificate in PEM form')) from None
    except OSError:
        raise ADInputError(describe_bad_ca_cert(ca_cert, 'does not exist or cannot be read')) from None


def discover_domain_controllers(domain_name, resolver=None):
    """Domain controllers of ``domain_name`` from its DNS SRV record, in the order to try them.

    Each candidate is connected to by the address DNS gave, and its
    certificate is checked against the host name the SRV record named.
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
    candidates = []
    for srv in ordered:
        host = str(srv.target).rstrip('.')
        candidates.extend(Candidate(address, host) for address in _addresses(resolver, host))
    if not candidates:
        raise ADError('the DNS SRV record %s names no reachable host; name the controllers in domain_server' % record)
    return candidates


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
    return discover_domain_controllers(settings.domain_name, resolver)


def _tls_for(settings, candidate):
    from ldap3 import Tls

    if not settings.validate_certs:
        return Tls(validate=ssl.CERT_NONE)
    names = [candidate.tls_name] if candidate.tls_name else []
    return Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_cert, valid_names=names,
               version=ssl.PROTOCOL_TLS_CLIENT, sni=candidate.tls_name)


def _kerberos_credentials(settings):
    """Credentials for a GSSAPI bind: from the password when one is given (kept in memory), else the ticket cache."""
    if not settings.password:
        return None
    import gssapi
    import gssapi.raw

    name = gssapi.Name(settings.username, gssapi.NameType.kerberos_principal)
    acquired = gssapi.raw.acquire_cred_with_password(name, settings.password.encode('utf-8'), usage='initiate')
    return acquired.creds


def _ldap_connection(settings, candidate):
    import ldap3

    server = ldap3.Server(candidate.address, port=settings.port, use_ssl=settings.tls_mode == 'ldaps',
                          tls=_tls_for(settings, candidate), get_info=ldap3.NONE,
                          connect_timeout=settings.connect_timeout)
    common = dict(auto_bind=ldap3.AUTO_BIND_NONE, raise_exceptions=False, collect_usage=True,
                  receive_timeout=max(settings.connect_timeout, 30), read_only=False,
                  return_empty_attributes=False)
    if settings.auth == 'simple':
        return ldap3.Connection(server, user=settings.username, password=settings.password,
                                authentication=ldap3.SIMPLE, **common)
    if settings.auth == 'ntlm':
        return ldap3.Connection(server, user=_ntlm_user(settings.username), password=settings.password,
                                authentication=ldap3.NTLM, **common)
    service_host = candidate.tls_name or candidate.address
    credentials = _kerberos_credentials(settings)
    return ldap3.Connection(server, authentication=ldap3.SASL, sasl_mechanism=ldap3.KERBEROS,
                            sasl_credentials=(service_host, None, credentials),
                            # Without a password, the ticket cache entry of this principal is used.
                            user=None if credentials else settings.username,
                            cred_store=None if credentials or not settings.kerberos_store
                            else dict(settings.kerberos_store), **common)


def _ntlm_user(username):
    # ldap3 wants DOMAIN\user for NTLM; user@domain is accepted by AD for the other binds.
    if '\\' in username or '@' not in username:
        return username
    user, _separator, domain = username.partition('@')
    return '%s\\%s' % (domain.split('.')[0].upper(), user)


def _require_libraries(settings):
    try:
        import ldap3  # noqa: F401 pylint: disable=unused-import
    except ImportError:
        raise ADError('the Python library ldap3 is required on the controller: pip install ldap3')
    if not settings.servers:
        try:
            import dns.resolver  # noqa: F401 pylint: disable=unused-import
        except ImportError:
            raise ADError('finding domain controllers through DNS needs the Python library dnspython '
                          'on the controller (pip install dnspython), or name them in domain_server')
    if settings.auth == 'kerberos':
        try:
            import gssapi  # noqa: F401 pylint: disable=unused-import
        except ImportError:
            raise ADError('auth=kerberos needs the Python library gssapi on the controller '
                          '(pip install gssapi; it builds against libkrb5-dev)')


def _open_secure(conn, settings):
    """Open the socket with TLS in force before any credential is sent."""
    conn.open()
    if settings.tls_mode == 'start_tls' and not conn.start_tls():
        raise ADError('the server refused StartTLS: %s' % describe_result(conn.result))
    if not (conn.server.ssl or conn.tls_started):
        # The connection layer has no clear-text path; this guards it.
        raise ADError('TLS is not in force on the connection; refusing to bind')


def _bind(conn, settings, candidate):
    if conn.bind():
        return
    result = conn.result or {}
    if settings.auth == 'ntlm' and result.get('description') != 'invalidCredentials':
        raise ADError(_ntlm_refused(candidate))
    raise ADError(describe_result(result, settings.username or 'the Kerberos ticket holder'))


def _ntlm_refused(candidate):
    return ('%s refused the NTLM bind (it enforces channel binding or does not offer NTLM over LDAP); '
            'use auth=kerberos or auth=simple' % candidate)


def connect(settings, resolver=None):
    """Connect and bind to the first domain controller that answers.

    A controller that cannot be reached is passed over for the next one; a
    refusal (certificate, credentials) is final, since every controller of a
    domain would refuse alike.
    """
    from ldap3.core import exceptions as ldap_exc

    _require_libraries(settings)
    if settings.ca_cert and settings.validate_certs:
        # Here, once per connection, not per task item: loading the file is a tenth of a no-op item's time.
        _check_ca_cert(settings.ca_cert)
    failures = []
    for candidate in candidates_for(settings, resolver):
        try:
            conn = _ldap_connection(settings, candidate)
            _open_secure(conn, settings)
        except ldap_exc.LDAPSocketOpenError as exc:
            message = describe_exception(exc, candidate, settings)
            if _is_tls_refusal(message):
                raise ADError(message)
            failures.append((candidate, exc))
            continue
        except ADError:
            raise
        except Exception as exc:  # ldap3 and gssapi raise many unrelated types here
            raise ADError(describe_exception(exc, candidate, settings))
        try:
            _bind(conn, settings, candidate)
        except ADError:
            conn.unbind()
            raise
        except Exception as exc:
            conn.unbind()
            if settings.auth == 'ntlm':
                raise ADError(_ntlm_refused(candidate))
            raise ADError(describe_exception(exc, candidate, settings))
        return conn, candidate
    raise ADError(describe_no_answer(settings, failures))


def _is_tls_refusal(message):
    return message.startswith('the certificate of') or message.startswith('TLS with')
