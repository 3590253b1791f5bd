# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The report as data (what the module returns and the renderers draw), from what was read: one row per gMSA,
the loose ends of the fleet, and the graph of who reads what. Pure: no directory."""

from __future__ import annotations

from collections import deque
from datetime import timedelta, timezone

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import account_of_spec_file, ledger_files
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._readers import (
    FOREIGN,
    UNRESOLVED,
    WELL_KNOWN,
    decision_as_dict,
    evaluate,
)

GMSA_NODE = 'gMSA'

# How the service_accounts role describes what it makes (roles/service_accounts/tasks/present.yml), so that groups
# and portable users it made are found without the inventory that named them.
ROLE_GROUP_DESCRIPTION = 'Container hosts allowed to retrieve the password of the '
ROLE_USER_DESCRIPTION = 'ccg.exe identity of the container hosts outside the domain that run '


def iso(moment):
    return moment.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z') if moment else None


def build_report(collected, accounts, applications=None, ledgers=None, now=None):
    """The report of ``accounts`` (those of ``collected`` to show); ``applications`` as gmsa_applications derives
    them (None: the inventory was not given), ``ledgers`` {host: the text of its credential spec ledger}."""
    described = _applications_by_gmsa(applications or [])
    rows = [account_row(collected, account, described.get(account.name.lower(), []), now) for account in accounts]
    return {
        'domain': {'dns_name': collected.facts.dns_name, 'netbios_name': collected.facts.netbios_name,
                   'forest_dns_name': collected.facts.forest_dns_name},
        'generated': iso(now),
        'spn_scope': collected.spn_scope,
        'service_accounts': rows,
        'loose_ends': loose_ends(collected, rows, applications, ledgers),
        'graph': reader_graph(collected, accounts),
        'warnings': list(collected.warnings),
    }


# ------------------------------------------------------------ one gMSA
def account_row(collected, account, application_names, now):
    graph = collected.graph
    readers, denied = evaluate(account.entries, graph)
    named = [graph.principal(entry.sid) for entry in account.entries if entry.sid]
    row = {
        'name': account.name, 'sam_account_name': account.sam_account_name, 'dn': account.dn, 'sid': account.sid,
        'enabled': account.enabled, 'dns_hostname': account.dns_hostname, 'spns': list(account.spns),
        'duplicate_spns': duplicate_spns(collected, account),
        'encryption_types': list(account.encryption_types),
        'password_interval_days': account.password_interval_days,
        'password_last_set': iso(account.password_last_set),
        'next_rollover': iso(account.password_last_set + timedelta(days=account.password_interval_days))
        if account.password_last_set else None,
        'kds_root_key': {'id': account.root_key_id, 'exists': key_exists(collected, account.root_key_id)},
        'applications': application_names,
        'aces': [dict(graph.principal(entry.sid).as_dict() if entry.sid else {'name': None, 'sid': None},
                      ace=entry.index, access=entry.word, covers_read=entry.covers_read)
                 for entry in account.entries],
        'readers': sorted((decision_as_dict(graph, decision) for decision in readers), key=_by_name),
        'denied': sorted((decision_as_dict(graph, decision) for decision in denied), key=_by_name),
        'unresolved': [principal.as_dict() for principal in named if principal.kind in (FOREIGN, UNRESOLVED, WELL_KNOWN)],
    }
    row['problems'] = problems_of(row, account)
    return row


def key_exists(collected, key_id):
    """Whether the forest still has the KDS root key ``key_id``; None when unknown: no key identifier, or no key
    visible at all (their attributes are confidential, and a forest with gMSAs has at least one)."""
    if not key_id or not collected.root_key_ids:
        return None
    return key_id.lower() in collected.root_key_ids


def _by_name(item):
    return (item['name'] or '').lower()


def duplicate_spns(collected, account):
    """Each SPN of ``account`` another account of the forest also holds, with those accounts."""
    own = account.dn.lower()
    found = []
    for spn in account.spns:
        others = [dn for dn in collected.spn_holders.get(spn.lower(), []) if dn.lower() != own]
        if others:
            found.append({'spn': spn, 'holders': sorted(others)})
    return found


def problems_of(row, account):
    problems = []
    if account.descriptor_problem:
        problems.append(account.descriptor_problem)
    if not row['readers']:
        problems.append('nobody can read the password')
    for item in row['duplicate_spns']:
        problems.append('%s is also held by %s' % (item['spn'], ', '.join(item['holders'])))
    if row['kds_root_key']['exists'] is False:
        problems.append('its KDS root key %s no longer exists' % row['kds_root_key']['id'])
    for principal in row['unresolved']:
        if principal['kind'] == UNRESOLVED:
            problems.append('%s resolves to no object' % principal['sid'])
    if not row['enabled']:
        problems.append('the account is disabled')
    return problems


# ------------------------------------------------------------ the inventory
def _applications_by_gmsa(applications):
    """{gMSA name, lower case: names of the applications that use it (as their own or an additional account)}."""
    described = {}
    for application in applications:
        accounts = [application['name']] + [str(item).rstrip('$') for item in application.get('additional_accounts') or []
                                            if isinstance(item, str)]
        for account in accounts:
            names = described.setdefault(account.lower(), [])
            if application['name'] not in names:
                names.append(application['name'])
    return described


def loose_ends(collected, rows, applications, ledgers):
    existing = {account.name.lower() for account in collected.accounts}
    return {
        'orphan_groups': orphan_groups(collected, existing, applications or []),
        'portable_users': portable_user_problems(collected, applications or []),
        'undescribed_service_accounts': None if applications is None else
        [row['name'] for row in rows if not row['applications']],
        'stale_credential_spec_files': stale_spec_files(collected, existing, ledgers or {}),
    }


def orphan_groups(collected, existing, applications):
    """Groups of a gMSA (by the inventory, or by the description the role gives them) whose gMSA is gone."""
    by_group = {application['group']['sam_account_name'].lower(): application['name'] for application in applications}
    orphans = []
    for group in collected.groups:
        gmsa = by_group.get(group.name.lower()) or _gmsa_in_description(group.description)
        if gmsa and gmsa.lower() not in existing:
            orphans.append({'name': group.name, 'dn': group.dn, 'gmsa': gmsa})
    return sorted(orphans, key=_by_name)


def _gmsa_in_description(description):
    """X of the role's 'Container hosts allowed to retrieve the password of the X gMSA'."""
    if description.startswith(ROLE_GROUP_DESCRIPTION) and description.endswith(' gMSA'):
        return description[len(ROLE_GROUP_DESCRIPTION):-len(' gMSA')].strip() or None
    return None


def portable_user_problems(collected, applications):
    """Portable users in no group, disabled, or whose password expires (ccg.exe then stops at the expiry)."""
    by_user = {user['sam_account_name'].lower(): application['name'] for application in applications
               if application.get('portable_user') for user in application['portable_user']['users']}
    found = []
    for user in collected.users:
        problems = [problem for problem, present in (
            ('in no group', not user.groups), ('disabled', not user.enabled),
            ('password expires', user.password_expires)) if present]
        if problems:
            found.append({'name': user.name, 'dn': user.dn, 'application': by_user.get(user.name.lower()),
                          'problems': problems})
    return sorted(found, key=_by_name)


def stale_spec_files(collected, existing, ledgers):
    """Credential spec files a host's ledger lists for gMSAs the domain no longer has."""
    netbios = collected.facts.netbios_name
    stale = []
    for host in sorted(ledgers):
        for file_name in ledger_files(ledgers[host]):
            account = account_of_spec_file(netbios, file_name)
            if account and account not in existing:
                stale.append({'host': host, 'file': file_name, 'gmsa': account})
    return stale


# ------------------------------------------------------------ the picture
def reader_graph(collected, accounts):
    """Nodes (principals, groups, gMSAs) with their depth from the gMSAs, and the edges member -> group and ACE
    principal -> gMSA, for what the report shows."""
    graph = collected.graph
    members = graph.members()
    nodes, edges, depth = {}, [], {}
    queue = deque()
    for account in accounts:
        nodes[account.sid] = {'id': account.sid, 'name': account.name, 'kind': GMSA_NODE, 'depth': 0}
        for entry in account.entries:
            if entry.sid and entry.covers_read:
                edges.append({'from': entry.sid, 'to': account.sid, 'kind': entry.word, 'ace': entry.index})
                if entry.sid not in depth:
                    depth[entry.sid] = 1
                    queue.append(entry.sid)
    while queue:
        sid = queue.popleft()
        for member in members.get(sid, ()):
            edges.append({'from': member, 'to': sid, 'kind': 'member'})
            if member not in depth:
                depth[member] = depth[sid] + 1
                queue.append(member)
    for sid, level in depth.items():
        principal = graph.principal(sid)
        nodes[sid] = {'id': sid, 'name': principal.name, 'kind': principal.kind, 'depth': level}
    return {'nodes': sorted(nodes.values(), key=lambda node: (node['depth'], node['name'].lower())), 'edges': edges}
