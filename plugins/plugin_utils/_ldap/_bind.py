# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The socket and the bind: TLS in force before anything is sent, then one of three binds.

- simple: the DN or UPN and the password, inside TLS;
- kerberos: SASL GSSAPI through ldap3 and the gssapi package, with the TLS channel binding;
- ntlm: SASL GSS-SPNEGO carrying NTLM from pyspnego, with the TLS channel binding. ldap3's own NTLM
  (the Sicily bind) sends no channel binding, so domain controllers that enforce it refuse it, and
  Samba does not offer it at all.
"""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import (
    DirectoryError,
    describe_bind_refusal,
    describe_result,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._tls import (
    peer_certificate,
    tls_for,
    tls_server_end_point,
)

SASL_BIND_IN_PROGRESS = 14
GSS_SPNEGO = 'GSS-SPNEGO'


def ldap_connection(settings, candidate):
    """An ldap3 connection to ``candidate``, not yet opened, set up for the bind ``settings.auth`` names."""
    import ldap3

    server = ldap3.Server(candidate.address, port=settings.port, use_ssl=settings.tls_mode == 'ldaps',
                          tls=tls_for(settings, candidate), get_info=ldap3.NONE,
                          connect_timeout=settings.connect_timeout)
    common = dict(auto_bind=ldap3.AUTO_BIND_NONE, raise_exceptions=False, collect_usage=True,
                  receive_timeout=max(settings.connect_timeout, 30), read_only=False,
                  return_empty_attributes=False)
    if settings.auth == 'simple':
        return ldap3.Connection(server, user=settings.username, password=settings.password,
                                authentication=ldap3.SIMPLE, **common)
    if settings.auth == 'ntlm':
        # The SASL rounds are sent by ntlm_bind, not by ldap3's bind().
        return ldap3.Connection(server, authentication=ldap3.ANONYMOUS, **common)
    service_host = candidate.tls_name or candidate.address
    credentials = _kerberos_credentials(settings)
    return ldap3.Connection(server, authentication=ldap3.SASL, sasl_mechanism=ldap3.KERBEROS,
                            sasl_credentials=(service_host, None, credentials),
                            # Without a password, the ticket cache entry of this principal is used.
                            user=None if credentials else settings.username,
                            cred_store=None if credentials or not settings.kerberos_store
                            else dict(settings.kerberos_store), **common)


def _kerberos_credentials(settings):
    """Credentials for a GSSAPI bind: from the password when one is given (kept in memory), else the ticket cache."""
    if not settings.password:
        return None
    import gssapi
    import gssapi.raw

    name = gssapi.Name(settings.username, gssapi.NameType.kerberos_principal)
    acquired = gssapi.raw.acquire_cred_with_password(name, settings.password.encode('utf-8'), usage='initiate')
    return acquired.creds


def open_secure(conn, settings):
    """Open the socket with TLS in force before any credential is sent."""
    conn.open()
    if settings.tls_mode == 'start_tls' and not conn.start_tls():
        raise ADError('the server refused StartTLS: %s' % describe_result(conn.result))
    if not (conn.server.ssl or conn.tls_started):
        # The connection layer has no clear-text path; this guards it.
        raise ADError('TLS is not in force on the connection; refusing to bind')


def bind(conn, settings, candidate):
    """Bind with ``settings.auth``; a refusal raises DirectoryError with the DC's result."""
    if settings.auth == 'ntlm':
        result = ntlm_bind(conn, settings, candidate)
        if result.get('description') == 'success':
            return
    else:
        if conn.bind():
            return
        result = conn.result or {}
    if settings.auth == 'ntlm' and result.get('description') not in ('invalidCredentials', 'strongerAuthRequired'):
        raise DirectoryError('%s refused the NTLM bind (%s); use auth=kerberos or auth=simple'
                             % (candidate, describe_result(result)), result)
    raise DirectoryError(describe_bind_refusal(result, candidate, settings), result)


def channel_bindings(conn):
    """The GSS channel bindings of ``conn``'s TLS session (RFC 5929 tls-server-end-point), or None without TLS."""
    import spnego.channel_bindings

    certificate = peer_certificate(conn)
    if not certificate:
        return None
    return spnego.channel_bindings.GssChannelBindings(application_data=tls_server_end_point(certificate))


def ntlm_context(settings, candidate, bindings):
    """A pyspnego NTLM client for the LDAP service of ``candidate``.

    TLS already protects the connection, and AD and Samba refuse a bind that also asks for SASL signing
    or sealing over TLS (MS-ADTS 5.1.1.1.2), so no integrity is requested. Nor is a key exchange: with
    neither signing nor sealing pyspnego then sends an empty exchanged key, as MS-NLMP allows, which
    Samba refuses as an invalid parameter (data 57); the exchanged key would only key signing and sealing.
    """
    import spnego
    from spnego._ntlm_raw.messages import NegotiateFlags  # pylint: disable=import-outside-toplevel

    context = spnego.client(settings.username, settings.password, hostname=candidate.tls_name or candidate.address,
                            service='ldap', protocol='ntlm', channel_bindings=bindings,
                            context_req=spnego.ContextReq.mutual_auth | spnego.ContextReq.no_integrity)
    # pyspnego's NTLM client asks for the flags in _context_req; it has no option for leaving KEY_EXCH out.
    if hasattr(context, '_context_req'):
        context._context_req &= ~NegotiateFlags.key_exch  # pylint: disable=protected-access
    return context


def ntlm_bind(conn, settings, candidate, with_channel_binding=True):
    """The SASL GSS-SPNEGO rounds of an NTLM bind (negotiate, challenge, authenticate); returns the last result.

    The bind carries the channel binding of ``conn``'s TLS session; ``with_channel_binding=False`` leaves it
    out, as tools that predate channel binding do (the doctor's probe of what the DC enforces)."""
    from ldap3.protocol.sasl.sasl import send_sasl_negotiation

    context = ntlm_context(settings, candidate, channel_bindings(conn) if with_channel_binding else None)
    conn.sasl_mechanism = GSS_SPNEGO
    conn.sasl_in_progress = True
    result = {}
    try:
        in_token = None
        while not context.complete:
            out_token = context.step(in_token)
            if not out_token:
                break
            result = send_sasl_negotiation(conn, None, out_token) or {}
            if result.get('result') != SASL_BIND_IN_PROGRESS:
                break
            in_token = result.get('saslCreds')
    finally:
        conn.sasl_in_progress = False
    conn.bound = result.get('description') == 'success'
    return result
