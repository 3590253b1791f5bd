# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Test binds that show what a domain controller requires of others' binds: TLS (or signing) for a simple
bind, and the channel binding of an NTLM bind. Neither ever sends a secret where it could be read."""

from __future__ import annotations

import secrets
from dataclasses import replace

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._bind import (
    ldap_connection,
    ntlm_bind,
    open_secure,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import (
    DirectoryError,
    describe_exception,
    describe_result,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._settings import LDAP_PORT

# An account no domain has: the probe below must be refused or accepted for the transport alone, and a bind
# of an unknown name counts no bad password against any real account.
PROBE_ACCOUNT = 'CN=wincontainers-gmsa-doctor-probe,CN=Users,%s'


def refusal(result):
    """None for a bind that succeeded, else the DirectoryError of its refusal."""
    if result.get('description') == 'success':
        return None
    return DirectoryError(describe_result(result), result)


def clear_text_simple_bind(settings, candidate, domain_dn):
    """How the DC answers a simple bind on port 389 without TLS: None when it accepted it, else the
    DirectoryError of its refusal.

    This connection is unencrypted, so it carries neither the bind account nor its password: the name is
    one no domain has and the password a random text made for this bind alone. Whether the DC refuses it
    with strongerAuthRequired before looking at the name is what it shows.
    Raises ADError when port 389 does not answer."""
    import ldap3

    settings = replace(settings, port=LDAP_PORT)
    server = ldap3.Server(candidate.address, port=LDAP_PORT, use_ssl=False, get_info=ldap3.NONE,
                          connect_timeout=settings.connect_timeout)
    conn = ldap3.Connection(server, user=PROBE_ACCOUNT % domain_dn, password=secrets.token_urlsafe(24),
                            authentication=ldap3.SIMPLE, auto_bind=ldap3.AUTO_BIND_NONE, raise_exceptions=False,
                            receive_timeout=max(settings.connect_timeout, 30))
    try:
        conn.open()
        conn.bind()
        return refusal(conn.result or {})
    except Exception as exc:  # ldap3 raises socket errors of many types
        raise ADError(describe_exception(exc, candidate, settings)) from exc
    finally:
        conn.unbind()


def ntlm_bind_without_channel_binding(settings, candidate):
    """How the DC answers an NTLM bind with the account of ``settings`` over TLS, the channel binding left out:
    None when it accepted it, else the DirectoryError of its refusal.

    TLS is in force before the bind (open_secure), so the credentials travel as the collection's own
    binds do; only the token that ties the bind to the TLS session is missing."""
    settings = replace(settings, auth='ntlm')
    conn = ldap_connection(settings, candidate)
    try:
        open_secure(conn, settings)
        return refusal(ntlm_bind(conn, settings, candidate, with_channel_binding=False))
    except ADError:
        raise
    except Exception as exc:  # ldap3 and pyspnego raise many unrelated types
        raise ADError(describe_exception(exc, candidate, settings)) from exc
    finally:
        conn.unbind()
