# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What the report reads from the directory, in a number of searches that does not grow with the gMSAs: one
paged search for every gMSA, one for the KDS root keys, one for every SPN holder of the forest, the principals
the security descriptors name in chunks of SIDs, their members level by level in chunks of DNs (bounded by the
depth of nesting, not by the number of groups), and the groups and portable users of the loose ends.

The values come back decoded into plain data for the pure parts of the report; msDS-ManagedPassword is never
asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import read_root_keys, root_key_id_of
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    SecurityDescriptorError,
    dn_key,
    escape_filter_bytes,
    escape_filter_value,
    filetime_to_datetime,
    parse_security_descriptor,
    sid_to_bytes,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    GMSA_CLASS,
    UF_DONT_EXPIRE_PASSWD,
    is_enabled,
    kind_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import (
    DEFAULT_PASSWORD_INTERVAL_DAYS,
    encryption_type_names,
    spn_holders_in_forest,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._group import read_members
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._build import (
    ROLE_GROUP_DESCRIPTION,
    ROLE_USER_DESCRIPTION,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._readers import (
    FOREIGN,
    GROUP,
    UNRESOLVED,
    WELL_KNOWN,
    WELL_KNOWN_NAMES,
    Entry,
    Graph,
    Principal,
)

GMSA_ATTRIBUTES = [
    'sAMAccountName', 'objectSid', 'dNSHostName', 'servicePrincipalName', 'msDS-GroupMSAMembership',
    'msDS-SupportedEncryptionTypes', 'msDS-ManagedPasswordInterval', 'msDS-ManagedPasswordId', 'pwdLastSet',
    'userAccountControl',
]
PRINCIPAL_ATTRIBUTES = ['objectSid', 'sAMAccountName', 'cn', 'objectClass', 'userAccountControl', 'member']
ACCOUNT_ATTRIBUTES = ['objectSid', 'sAMAccountName', 'objectClass', 'userAccountControl', 'memberOf', 'description']
# Terms per OR filter: a few kilobytes of filter, well within what domain controllers accept.
CHUNK = 200


@dataclass(frozen=True)
class Account:
    """One gMSA as the report needs it."""
    name: str
    sam_account_name: str
    dn: str
    sid: str
    enabled: bool
    dns_hostname: Optional[str]
    spns: Tuple[str, ...]
    encryption_types: Tuple[str, ...]
    password_interval_days: int
    password_last_set: Optional[datetime]
    root_key_id: Optional[str]
    entries: Tuple[Entry, ...]
    descriptor_problem: Optional[str] = None


@dataclass(frozen=True)
class Holder:
    """A group or a user of the loose ends."""
    name: str
    dn: str
    sid: str
    kind: str
    description: str
    enabled: bool
    password_expires: bool
    groups: Tuple[str, ...]


@dataclass
class Collected:
    facts: object
    accounts: List[Account]
    root_key_ids: List[str]
    spn_holders: Dict[str, List[str]]
    spn_scope: str
    graph: Graph
    groups: List[Holder] = field(default_factory=list)
    users: List[Holder] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


def collect(directory, group_names=(), user_names=()):
    """Everything the report shows, read; ``group_names`` and ``user_names`` (sAMAccountNames the inventory
    gives) are looked at for the loose ends besides those the role's descriptions mark."""
    accounts = [account_of(entry) for entry in directory.search(
        directory.facts.dn, '(objectClass=%s)' % GMSA_CLASS, GMSA_ATTRIBUTES)]
    spns = spn_holders_in_forest(directory)
    graph = membership_graph(directory, {entry.sid for account in accounts for entry in account.entries if entry.sid})
    groups, users = loose_end_accounts(directory, group_names, user_names)
    return Collected(
        facts=directory.facts,
        accounts=sorted(accounts, key=lambda account: account.name.lower()),
        root_key_ids=[key.key_id.lower() for key in read_root_keys(directory) if key.key_id],
        spn_holders=spns.holders, spn_scope=spns.scope, graph=graph, groups=groups, users=users,
        warnings=[spns.warning] if spns.warning else [])


# ------------------------------------------------------------ gMSAs
def account_of(entry):
    sam = entry.text('sAMAccountName') or ''
    entries, problem = access_entries(entry)
    last_set = entry.integer('pwdLastSet')
    return Account(
        name=sam[:-1] if sam.endswith('$') else sam, sam_account_name=sam, dn=entry.dn,
        sid=sid_to_string(entry.raw('objectSid')).upper(),
        enabled=is_enabled(entry.integer('userAccountControl')),
        dns_hostname=entry.text('dNSHostName'),
        spns=tuple(sorted(entry.texts('servicePrincipalName'), key=str.lower)),
        encryption_types=tuple(encryption_type_names(entry.integer('msDS-SupportedEncryptionTypes'))),
        password_interval_days=entry.integer('msDS-ManagedPasswordInterval') or DEFAULT_PASSWORD_INTERVAL_DAYS,
        password_last_set=filetime_to_datetime(last_set) if last_set else None,
        root_key_id=root_key_id_of(entry.raw('msDS-ManagedPasswordId')),
        entries=entries, descriptor_problem=problem)


def access_entries(entry):
    """The entries of msDS-GroupMSAMembership in order, and a problem when it cannot be read."""
    raw = entry.raw('msDS-GroupMSAMembership')
    if not raw:
        return (), None
    try:
        descriptor = parse_security_descriptor(raw)
    except SecurityDescriptorError as exc:
        return (), 'msDS-GroupMSAMembership cannot be read: %s' % exc
    return tuple(Entry(index, ace.allows, ace.sid, ace.grants_read or ace.denies_read)
                 for index, ace in enumerate(descriptor.dacl, start=1)), None


# ------------------------------------------------------------ who is in which group
def membership_graph(directory, sids):
    """The principals ``sids`` name and, for groups, their members at every depth with the edges between them.

    The SIDs are found in chunks; then each level of nesting is one round of chunked searches for the members
    the groups of the level before have, so the number of searches grows with the depth, not with the groups."""
    graph, seen = Graph(), set()
    level = _principal_entries(directory, 'objectSid', [escape_filter_bytes(sid_to_bytes(sid)) for sid in sorted(sids)])
    while level:
        parents = _members_of_level(directory, graph, level, seen)
        level = _principal_entries(directory, 'distinguishedName',
                                   [escape_filter_value(dn) for key, (dn, _groups) in parents.items() if key not in seen])
        _link_members(graph, parents, level)
    return graph


def _members_of_level(directory, graph, level, seen):
    """The principals of ``level`` added to ``graph``, and the members of its groups: {DN key: (DN, SIDs of the
    groups of the level it is a direct member of)}."""
    parents = {}
    for entry in level:
        principal = _add_principal(graph, entry)
        seen.add(dn_key(entry.dn))
        if principal.is_group:
            for member_dn in read_members(directory, entry):
                parents.setdefault(dn_key(member_dn), (member_dn, []))[1].append(principal.sid)
    return parents


def _link_members(graph, parents, found):
    """The edges member -> group of ``parents``, members known by SID from the graph or from ``found`` (the next
    level, read), else by DN as unresolved."""
    sids = {dn_key(principal.dn): principal.sid for principal in graph.principals.values() if principal.dn}
    sids.update((dn_key(entry.dn), _sid_of(entry)) for entry in found)
    for key, (dn, group_sids) in parents.items():
        member_sid = sids.get(key) or _unresolved_member(graph, dn)
        for group_sid in group_sids:
            graph.add_edge(member_sid, group_sid)


def _principal_entries(directory, attribute, values):
    found = []
    for start in range(0, len(values), CHUNK):
        terms = ''.join('(%s=%s)' % (attribute, value) for value in values[start:start + CHUNK])
        found.extend(directory.search(directory.facts.dn, '(|%s)' % terms, PRINCIPAL_ATTRIBUTES))
    return found


def _sid_of(entry):
    raw = entry.raw('objectSid')
    return sid_to_string(raw).upper() if raw else 'DN:' + entry.dn


def _add_principal(graph, entry):
    sid = _sid_of(entry)
    kind = kind_of(entry.texts('objectClass'))
    if kind.lower() == 'foreignsecurityprincipal':
        # Domains keep an object for some well-known SIDs too (Authenticated Users): they keep their own name.
        kind = WELL_KNOWN if sid in WELL_KNOWN_NAMES else FOREIGN
    control = entry.integer('userAccountControl')
    name = WELL_KNOWN_NAMES.get(sid) or entry.text('sAMAccountName') or entry.text('cn') or entry.dn
    principal = Principal(sid=sid, name=name, kind=GROUP if kind == 'group' else kind, dn=entry.dn,
                          enabled=None if control is None else is_enabled(control))
    graph.principals[principal.sid] = principal
    return principal


def _unresolved_member(graph, dn):
    """A member the domain search did not find (another domain's object): known by its DN only."""
    key = 'DN:' + dn
    graph.principals.setdefault(key, Principal(key, dn, UNRESOLVED, dn=dn))
    return key


# ------------------------------------------------------------ loose ends
def loose_end_accounts(directory, group_names, user_names):
    """(groups, users): the role's groups and portable users by their description, and those the inventory names,
    in one search per chunk of names."""
    group_terms = ['(description=%s*)' % escape_filter_value(ROLE_GROUP_DESCRIPTION)] + [
        '(sAMAccountName=%s)' % escape_filter_value(name) for name in group_names]
    user_terms = ['(description=*%s*)' % escape_filter_value(ROLE_USER_DESCRIPTION)] + [
        '(sAMAccountName=%s)' % escape_filter_value(name) for name in user_names]
    entries = {}
    for start in range(0, max(len(group_terms), len(user_terms)), CHUNK):
        ldap_filter = '(|(&(objectClass=group)(|%s))(&(objectCategory=person)(objectClass=user)(|%s)))' % (
            ''.join(group_terms[start:start + CHUNK]) or '(!(objectClass=*))',
            ''.join(user_terms[start:start + CHUNK]) or '(!(objectClass=*))')
        for entry in directory.search(directory.facts.dn, ldap_filter, ACCOUNT_ATTRIBUTES):
            entries[dn_key(entry.dn)] = entry
    holders = [_holder(entry) for entry in entries.values()]
    return ([holder for holder in holders if holder.kind == GROUP],
            [holder for holder in holders if holder.kind == 'user'])


def _holder(entry):
    control = entry.integer('userAccountControl') or 0
    kind = kind_of(entry.texts('objectClass'))
    return Holder(name=entry.text('sAMAccountName') or '', dn=entry.dn, sid=_sid_of(entry), kind=kind,
                  description=entry.text('description') or '', enabled=is_enabled(control),
                  password_expires=kind == 'user' and not control & UF_DONT_EXPIRE_PASSWD,
                  groups=tuple(entry.texts('memberOf')))
