# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What a domain controller requires of a bind, read from how it answers two test binds: a simple bind
without TLS (LDAP signing), and an NTLM bind over TLS without the channel binding (LDAP channel binding).

The collection's own binds always use TLS and carry the channel binding, so either requirement only
turns away other tools; the findings say which."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok, skipped, warning
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    clear_text_simple_bind,
    ntlm_bind_without_channel_binding,
)


def probe(test_bind, *args):
    """(the DC's refusal or None, the line of a connection failure or None)."""
    try:
        return test_bind(*args), None
    except ADError as exc:
        return None, str(exc)


def signing_check(dc, refused, unreachable):
    """The finding for a simple bind of an unknown account, sent without TLS to port 389."""
    name = 'ldap_signing (%s)' % dc
    if unreachable:
        return failed(name, 'LDAP on port 389 of %s does not answer: %s' % (dc, unreachable),
                      'open TCP and UDP port 389 from the container hosts to %s: Windows finds its DC and reads '
                      'the gMSA password over port 389 with Kerberos signing, whatever this controller uses' % dc)
    if refused is not None and refused.description == 'strongerAuthRequired':
        return ok(name, '%s refuses simple binds without TLS (%s): it requires LDAP signing or TLS; this '
                        'collection always binds over TLS, and Windows hosts sign their binds, but tools that bind '
                        'in clear text on port 389 (ldapsearch -x, scripts) are turned away and must use LDAPS or '
                        'StartTLS' % (dc, refused.diagnostic or refused.description))
    answer = ('accepted it' if refused is None
              else 'answered %s for the made-up account, not strongerAuthRequired' % refused.description)
    return warning(name, '%s took a simple bind sent in clear text on port 389 (it %s): tools binding like that '
                         'send their passwords unencrypted' % (dc, answer),
                   'require LDAP signing on %s: the policy "Domain controller: LDAP server signing requirements" = '
                   'Require signing (LDAPServerIntegrity=2); Samba: "ldap server require strong auth = yes"' % dc)


def channel_binding_check(dc, refused, unreachable, bind_account):
    """The finding for an NTLM bind of the bind account over TLS without the channel binding."""
    name = 'ldap_channel_binding (%s)' % dc
    if unreachable:
        return skipped(name, 'the NTLM test bind could not be made: %s' % unreachable)
    if refused is None:
        return warning(name, '%s accepted an NTLM bind over TLS without channel binding: a bind relayed '
                             'through another TLS session would be accepted too' % dc,
                       'enforce LDAP channel binding on %s: the policy "Domain controller: LDAP server channel '
                       'binding token requirements" = Always (LdapEnforceChannelBinding=2); this collection\'s binds '
                       'carry it already' % dc)
    if refused.bad_channel_binding:
        return ok(name, '%s enforces LDAP channel binding: it refused the NTLM bind without it (%s); this '
                        'collection\'s binds carry it, but tools that send none (ldap3\'s own NTLM, older LDAP '
                        'clients) and proxies or load balancers that end TLS in front of the DC are refused'
                  % (dc, refused.diagnostic))
    return skipped(name, 'could not tell: %s refused the NTLM test bind of %s for another reason (%s)'
                   % (dc, bind_account, refused.diagnostic or refused.description),
                   'give domain_username as user@REALM or DOMAIN\\user, so that an NTLM bind can be made with it')


def bind_checks(directory):
    """Both test binds against ``directory``'s domain controller."""
    settings, candidate = directory.settings, directory.candidate
    dc = candidate.name
    checks = [signing_check(dc, *probe(clear_text_simple_bind, settings, candidate, directory.facts.dn))]
    if not (settings.username and settings.password):
        checks.append(skipped('ldap_channel_binding (%s)' % dc,
                              'the NTLM test bind needs domain_username and domain_password; a Kerberos ticket '
                              'alone cannot make one',
                              'give domain_username and domain_password to test LDAP channel binding'))
    else:
        checks.append(channel_binding_check(dc, *probe(ntlm_bind_without_channel_binding, settings, candidate),
                                            settings.username))
    return checks
