# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Whether a credential spec's domain and scopes are the domain's: the DNS name where the DNS name
belongs (not the NetBIOS name), the forest root, the domain's SID and GUID, and the account's two
scopes. The spec the collection would write is the measure (_credential_spec.build_credential_spec)."""

from __future__ import annotations

import json

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import build_credential_spec
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError

# The fields compared, with what their right value is.
DOMAIN_JOIN_FIELDS = (
    ('DnsName', "the domain's DNS name"),
    ('NetBiosName', "the domain's NetBIOS name"),
    ('DnsTreeName', "the forest root's DNS name"),
    ('Sid', "the domain's SID"),
    ('Guid', "the domain's object GUID"),
)


def parsed_specs(values):
    """The documents given in credential_specs: each a dictionary, or its JSON text (a file's contents)."""
    documents = []
    for index, value in enumerate(values or []):
        field = 'credential_specs[%d]' % index
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ADInputError('not JSON (%s); give the credential spec document, e.g. '
                                   '"{{ lookup(\'file\', \'webapp01.json\') }}"' % exc, field) from None
        if not isinstance(value, dict):
            raise ADInputError('give a credential spec document (a dictionary with DomainJoinConfig), not %s'
                               % type(value).__name__, field)
        documents.append(value)
    return documents


def _same(given, wanted):
    return isinstance(given, str) and given.strip().lower() == (wanted or '').lower()


def domain_join_problems(given, wanted, facts):
    """(field, problem, fix) for each DomainJoinConfig field that is not the domain's."""
    problems = []
    for field, meaning in DOMAIN_JOIN_FIELDS:
        value = given.get(field)
        if _same(value, wanted[field]):
            continue
        hint = ''
        if field == 'DnsName' and _same(value, facts.netbios_name):
            hint = ' (that is the NetBIOS name)'
        elif field == 'NetBiosName' and _same(value, facts.dns_name):
            hint = ' (that is the DNS name)'
        problems.append(('DomainJoinConfig.%s' % field, 'is %r%s' % (value, hint),
                         'set DomainJoinConfig.%s to %s (%s)' % (field, wanted[field], meaning)))
    return problems


def scope_problems(given, account, facts):
    """(field, problem, fix) for the account's GroupManagedServiceAccounts entries: it must be
    there once with the DNS name and once with the NetBIOS name as its scope."""
    entries = ((given.get('ActiveDirectoryConfig') or {}).get('GroupManagedServiceAccounts')) or []
    scopes = [entry.get('Scope') for entry in entries
              if isinstance(entry, dict) and _same(entry.get('Name'), account)]
    field = 'ActiveDirectoryConfig.GroupManagedServiceAccounts'
    problems = []
    for wanted, meaning in ((facts.dns_name, 'DNS name'), (facts.netbios_name, 'NetBIOS name')):
        if not any(_same(scope, wanted) for scope in scopes):
            problems.append((field, 'has no entry for %s with the domain\'s %s as its Scope (scopes given: %s)'
                             % (account, meaning, ', '.join(repr(scope) for scope in scopes) or 'none'),
                             'add {"Name": "%s", "Scope": "%s"} to %s' % (account, wanted, field)))
    return problems


def credential_spec_check(index, document, facts):
    account = str((document.get('DomainJoinConfig') or {}).get('MachineAccountName') or '').strip().rstrip('$')
    name = 'credential_spec %s' % (account or '#%d' % index)
    where = 'credential_specs[%d]' % index
    given = document.get('DomainJoinConfig')
    if not isinstance(given, dict) or not account:
        return failed(name, '%s has no DomainJoinConfig with a MachineAccountName' % where,
                      'give the document New-CredentialSpec or wincontainers.gmsa.credential_spec writes')
    wanted = build_credential_spec(facts, account)['DomainJoinConfig']
    problems = domain_join_problems(given, wanted, facts) + scope_problems(document, account, facts)
    if problems:
        return failed(name, '; '.join('%s %s %s' % (where, field, problem) for field, problem, _fix in problems),
                      '; '.join(fix for _field, _problem, fix in problems)
                      + ', or write the spec again with wincontainers.gmsa.credential_spec')
    return ok(name, '%s names domain %s (%s) of forest %s, and scopes %s by both names'
              % (where, facts.dns_name, facts.netbios_name, facts.forest_dns_name, account))
