# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Reaching a domain controller: the libraries checked, the candidates tried in order, TLS, the bind."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._bind import bind, ldap_connection, open_secure
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import (
    ConnectionLostError,
    DirectoryError,
    TLSRefusedError,
    describe_exception,
    describe_no_answer,
    tls_refusal,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._settings import candidates_for
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._tls import check_ca_cert


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
    if settings.auth == 'ntlm':
        try:
            import spnego  # noqa: F401 pylint: disable=unused-import
        except ImportError:
            raise ADError('auth=ntlm needs the Python library pyspnego on the controller (pip install pyspnego)')


def connect(settings, resolver=None):
    """Connect and bind to the first domain controller that answers; returns (ldap3 connection, candidate).

    A controller that cannot be reached is passed over for the next one; a
    refusal (certificate, credentials) is final, since every controller of a
    domain would refuse alike.
    """
    from ldap3.core import exceptions as ldap_exc

    _require_libraries(settings)
    if settings.ca_cert and settings.validate_certs:
        # Here, once per connection, not per task item: loading the file is a tenth of a no-op item's time.
        check_ca_cert(settings.ca_cert)
    failures = []
    for candidate in candidates_for(settings, resolver):
        try:
            conn = ldap_connection(settings, candidate)
            open_secure(conn, settings)
        except ldap_exc.LDAPSocketOpenError as exc:
            refusal = tls_refusal(exc, candidate, settings)
            if refusal:
                raise TLSRefusedError(refusal)
            failures.append((candidate, exc))
            continue
        except ADError:
            raise
        except Exception as exc:  # ldap3 and gssapi raise many unrelated types here
            raise ADError(describe_exception(exc, candidate, settings))
        try:
            bind(conn, settings, candidate)
        except ADError:
            conn.unbind()
            raise
        except Exception as exc:
            conn.unbind()
            raise ADError(describe_exception(exc, candidate, settings))
        return conn, candidate
    raise ADError(describe_no_answer(settings, failures))


def bind_refusal(settings, candidate):
    """Bind to ``candidate`` alone with ``settings`` and unbind at once: None when the bind succeeded, else the
    DirectoryError of the refusal. A connection that fails before the DC answers raises ConnectionLostError;
    a refused TLS handshake ADError."""
    conn = ldap_connection(settings, candidate)
    try:
        open_secure(conn, settings)
        bind(conn, settings, candidate)
        return None
    except DirectoryError as exc:
        return exc
    except ADError:
        raise
    except Exception as exc:  # a lost connection tells nothing about the credentials
        raise ConnectionLostError(describe_exception(exc, candidate, settings)) from exc
    finally:
        conn.unbind()
