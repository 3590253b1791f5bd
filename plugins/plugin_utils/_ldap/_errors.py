# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The one place where LDAP, TLS, socket and Kerberos failures become a line a person can act on, and
the error types that carry what the domain controller answered, so that callers branch on fields, not
on the wording."""

from __future__ import annotations

import re
import socket
import ssl

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError


class DirectoryError(ADError):
    """An operation the domain controller answered with a result other than success (RFC 4511 4.1.9).

    ``code`` is the numeric result code, ``description`` its name as ldap3 spells it
    (``insufficientAccessRights``), ``diagnostic`` the DC's own diagnosticMessage (``0000052D: ...``).
    """

    def __init__(self, line, result=None):
        super().__init__(line)
        result = result or {}
        self.code = result.get('result')
        self.description = result.get('description')
        self.diagnostic = (result.get('message') or '').strip()

    @property
    def data_code(self):
        """The ``data`` field AD and Samba put in the diagnostic of a refused bind (``..., data 52e, v1db1``)."""
        found = re.search(r'\bdata ([0-9a-fA-F]+)\b', self.diagnostic)
        return found.group(1).lower() if found else None

    @property
    def bad_channel_binding(self):
        """Whether the DC refused a bind for its missing or wrong channel binding (SEC_E_BAD_BINDINGS)."""
        return names_bad_bindings(self.diagnostic)


class TLSRefusedError(ADError):
    """The TLS handshake failed on a certificate or protocol: every controller of the domain would refuse alike."""


class ConnectionLostError(ADError):
    """The socket to the domain controller failed or was closed: nothing was answered."""


# Result codes of an LDAP response (RFC 4511) that carry their own meaning here.
_RESULT_MESSAGES = {
    'insufficientAccessRights': 'the account {user} lacks the rights for this: {detail}',
    'invalidCredentials': 'the domain controller refused the credentials of {user} '
                          '(wrong user name or password, or the account is locked or disabled)',
    'strongerAuthRequired': 'the domain controller requires a stronger bind than was offered: {detail}',
    'constraintViolation': 'the domain controller refused the value: {detail}',
    'unwillingToPerform': 'the domain controller is unwilling to do this: {detail}',
    'noSuchObject': 'no such object in the directory: {detail}',
    'entryAlreadyExists': 'the object already exists: {detail}',
    'busy': 'the domain controller is busy; try again: {detail}',
    'unavailable': 'the domain controller is unavailable: {detail}',
}

# SEC_E_BAD_BINDINGS: the DC enforces LDAP channel binding and the bind's token was missing or did not match.
BAD_BINDINGS = '80090346'


def names_bad_bindings(diagnostic):
    """Whether a DC's diagnostic message is SEC_E_BAD_BINDINGS (``80090346: LdapErr: ...``)."""
    return BAD_BINDINGS in (diagnostic or '').upper()


def describe_bad_ca_cert(path, problem):
    return ("ca_cert: %s %s; give the PEM file of the CA that issued the domain controllers' certificates"
            % (path, problem))


def describe_no_answer(settings, failures):
    """Why no domain controller could be reached; ``failures``: (candidate, exception) in the order tried.

    When no name resolved, that alone is the line: nothing was tried.
    """
    if failures and all(is_unresolvable(exc) for _candidate, exc in failures):
        names = [str(getattr(candidate, 'address', candidate)) for candidate, _exc in failures]
        return ('%s%s cannot be resolved (DNS has no address for %s); give a name DNS resolves, or an IP address '
                'with tls_server_name set to the name in the controller\'s certificate'
                % ('domain_server: ' if settings.servers else '', ', '.join(names),
                   'that name' if len(names) == 1 else 'these names'))
    return 'no domain controller answered on port %s (tried %s)' % (
        settings.port, '; '.join(describe_exception(exc, candidate, settings) for candidate, exc in failures))


def describe_missing_rights(user, detail):
    """The line for a right the account lacks, whether the DC refused an operation or the module found out first."""
    return _RESULT_MESSAGES['insufficientAccessRights'].format(user=user, detail=detail)


def describe_result(result, user='the bind account'):
    """A line for an ldap3 result dict (``conn.result``) that did not succeed."""
    description = result.get('description') or 'error'
    detail = (result.get('message') or description).strip()
    template = _RESULT_MESSAGES.get(description, 'the domain controller answered {description}: {detail}')
    return template.format(user=user, detail=detail, description=description)


def describe_bind_refusal(result, server, settings):
    """A line for a refused bind: the result's own, unless the DC refused it for its channel binding."""
    if names_bad_bindings(result.get('message')):
        return ('%s refused the %s bind of %s for its channel binding (SEC_E_BAD_BINDINGS %s): the controller '
                'enforces LDAP channel binding, and the token, made from the certificate this client received, '
                'does not match its own certificate; connect to the controller directly, not through a proxy or '
                'load balancer that ends TLS, or use auth=simple'
                % (server, settings.auth, settings.username or 'the Kerberos ticket holder', BAD_BINDINGS))
    return describe_result(result, settings.username or 'the Kerberos ticket holder')


def describe_tls_failure(exc, server, tls_server_name=None):
    """Why a TLS handshake failed, in terms of what the user can change."""
    text = str(exc)
    names = tls_server_name or server
    if 'certificate verify failed' in text or 'CERTIFICATE_VERIFY_FAILED' in text:
        found = re.search(r'certificate verify failed: ([^(]*)', text)
        reason = getattr(exc, 'verify_message', '') or (found.group(1).strip() if found else text)
        if 'expired' in reason:
            return ('the certificate of %s has expired (%s); renew the domain controller certificate'
                    % (server, reason))
        if "Hostname mismatch" in reason or 'IP address mismatch' in reason:
            return ('the certificate of %s does not name %s; connect by the name in the certificate '
                    'or set tls_server_name to it' % (server, names))
        return ('the certificate of %s is not trusted (%s); give the issuing CA in ca_cert'
                % (server, reason))
    if "doesn't match" in text:
        return ('the certificate of %s does not name %s; connect by the name in the certificate '
                'or set tls_server_name to it' % (server, names))
    return 'TLS with %s failed: %s' % (server, text)


def tls_refusal(exc, server, settings):
    """The line for ``exc`` when it is a refused TLS handshake (certificate, protocol), else None."""
    from ldap3.core import exceptions as ldap_exc

    cause = _root_cause(exc)
    if isinstance(cause, (ssl.SSLError, ssl.CertificateError, ldap_exc.LDAPCertificateError)):
        return describe_tls_failure(cause, server, settings.tls_server_name)
    if _names_a_certificate_failure(str(exc)):
        # StartTLS failures arrive as ldap3 errors whose type mixes in socket
        # errors; only their text tells that the certificate was refused.
        return describe_tls_failure(exc, server, settings.tls_server_name)
    return None


def describe_exception(exc, server, settings):
    """A line for an exception raised while talking to ``server``."""
    # Imported here so that a controller without ldap3 still gets the
    # "missing library" message from the caller rather than an ImportError.
    from ldap3.core import exceptions as ldap_exc

    user = settings.username or 'the current Kerberos ticket'
    cause = _root_cause(exc)
    refusal = tls_refusal(exc, server, settings)
    if refusal:
        return refusal
    if isinstance(exc, ldap_exc.LDAPInvalidCredentialsResult):
        return describe_result({'description': 'invalidCredentials'}, user)
    if isinstance(exc, ldap_exc.LDAPOperationResult):
        return describe_result({'description': exc.description, 'message': exc.message}, user)
    if isinstance(cause, socket.timeout) or 'timed out' in str(exc):
        return '%s did not answer within %s s' % (server, settings.connect_timeout)
    if isinstance(cause, ConnectionRefusedError) or 'refused' in str(exc).lower():
        return '%s refused the connection on port %s' % (server, settings.port)
    if is_unresolvable(exc):
        return '%s cannot be resolved' % getattr(server, 'address', server)
    if isinstance(exc, ldap_exc.LDAPSocketOpenError):
        return 'could not connect to %s on port %s: %s' % (server, settings.port, _first_line(exc))
    if isinstance(exc, (ldap_exc.LDAPSocketReceiveError, ldap_exc.LDAPSocketSendError,
                        ldap_exc.LDAPSessionTerminatedByServerError)):
        return 'the connection to %s was lost: %s' % (server, _first_line(exc))
    if _is_gssapi_error(exc):
        return describe_kerberos_failure(exc, settings)
    if _is_spnego_error(exc):
        return 'the %s bind of %s with %s failed: %s' % (settings.auth, user, server, _first_line(exc))
    return '%s: %s' % (type(exc).__name__, _first_line(exc))


def is_unresolvable(exc):
    """ldap3 passes over the resolver's error; "invalid server address" is what it says when no name resolved."""
    from ldap3.core import exceptions as ldap_exc

    if isinstance(_root_cause(exc), socket.gaierror):
        return True
    return isinstance(exc, ldap_exc.LDAPSocketOpenError) and str(exc) == 'invalid server address'


def lost_connection_errors():
    """The ldap3 exceptions that mean the socket failed, not that the DC answered."""
    try:
        from ldap3.core import exceptions as ldap_exc
    except ImportError:  # the connection layer reports the missing library
        return ()
    return (ldap_exc.LDAPSocketReceiveError, ldap_exc.LDAPSocketSendError,
            ldap_exc.LDAPSessionTerminatedByServerError, ldap_exc.LDAPSocketOpenError)


def _names_a_certificate_failure(text):
    return 'CERTIFICATE_VERIFY_FAILED' in text or "doesn't match any name" in text


def describe_kerberos_failure(exc, settings):
    text = _first_line(exc)
    lowered = text.lower()
    who = settings.username or 'the default ticket cache'
    if any(hint in lowered for hint in ('no credentials cache', 'no kerberos credentials', 'credentials cache file',
                                        "can't find client principal")):
        return ('no Kerberos ticket for the bind: run kinit first, or give domain_username and '
                'domain_password (%s)' % text)
    if 'preauthentication failed' in lowered or 'password incorrect' in lowered:
        return 'the KDC refused the password of %s' % who
    if 'not found in kerberos database' in lowered:
        return 'the KDC does not know %s or the LDAP service name: %s' % (who, text)
    if 'cannot find kdc' in lowered or 'cannot contact any kdc' in lowered:
        return 'no Kerberos KDC answered for the realm; check krb5.conf or KRB5_CONFIG (%s)' % text
    if 'clock skew' in lowered:
        return 'the clocks of this machine and the KDC differ too much: %s' % text
    return 'Kerberos failed for %s: %s' % (who, text)


def _is_gssapi_error(exc):
    return type(exc).__module__.startswith('gssapi')


def _is_spnego_error(exc):
    return type(exc).__module__.startswith('spnego')


_TELLING_CAUSES = (ssl.SSLError, ssl.CertificateError, socket.timeout, ConnectionRefusedError, socket.gaierror)


def _root_cause(exc):
    """ldap3 wraps socket and TLS errors (in args, or as the cause); the innermost one says what happened."""
    for candidate in _causes(exc, set()):
        if isinstance(candidate, _TELLING_CAUSES) or type(candidate).__name__ == 'LDAPCertificateError':
            return candidate
    return exc


def _causes(value, seen):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _causes(item, seen)
        return
    if not isinstance(value, BaseException) or id(value) in seen:
        return
    seen.add(id(value))
    yield value
    yield from _causes(list(value.args), seen)
    yield from _causes([value.__cause__, value.__context__], seen)


def _first_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
