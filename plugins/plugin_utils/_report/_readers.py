# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Who reads a gMSA's password, and by which path: the entries of msDS-GroupMSAMembership evaluated in order
against the membership graph the directory gave. Pure: no directory, only what was read."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

GROUP = 'group'
FOREIGN = 'foreign security principal'
WELL_KNOWN = 'well-known'
UNRESOLVED = 'unresolved SID'

# SIDs every authenticated logon's token carries besides its groups; they have no object in the domain.
EVERYONE = 'S-1-1-0'
AUTHENTICATED_USERS = 'S-1-5-11'
WELL_KNOWN_NAMES = {
    EVERYONE: 'Everyone',
    AUTHENTICATED_USERS: 'Authenticated Users',
    'S-1-5-9': 'Enterprise Domain Controllers',
    'S-1-5-18': 'Local System',
    'S-1-3-0': 'Creator Owner',
}
ARROW = ' \u2192 '


@dataclass(frozen=True)
class Principal:
    """One security principal as the directory holds it (or a SID it does not)."""
    sid: str
    name: str
    kind: str
    dn: Optional[str] = None
    enabled: Optional[bool] = None

    @property
    def is_group(self):
        return self.kind == GROUP

    def as_dict(self):
        return {'name': self.name, 'sid': self.sid, 'kind': self.kind, 'dn': self.dn}


@dataclass(frozen=True)
class Entry:
    """One access control entry of msDS-GroupMSAMembership, in DACL order (``index`` counts from 1)."""
    index: int
    allow: bool
    sid: Optional[str]
    covers_read: bool   # it grants or denies READ_PROPERTY on the object itself

    @property
    def word(self):
        return 'allow' if self.allow else 'deny'


@dataclass
class Graph:
    """Principals by SID and the direct membership edges between them (member SID -> group SIDs)."""
    principals: Dict[str, Principal] = field(default_factory=dict)
    member_of: Dict[str, List[str]] = field(default_factory=dict)

    def add_edge(self, member_sid, group_sid):
        groups = self.member_of.setdefault(member_sid, [])
        if group_sid not in groups:
            groups.append(group_sid)

    def principal(self, sid):
        return self.principals.get(sid) or unknown_principal(sid)

    def members(self):
        """{group SID: its direct member SIDs}."""
        members = {}
        for member, groups in self.member_of.items():
            for group in groups:
                members.setdefault(group, []).append(member)
        return members

    def accounts_below(self, sids):
        """Every principal that is not a group and is one of ``sids`` or a member of them at any depth."""
        members, found, queue, seen = self.members(), [], deque(sids), set()
        while queue:
            sid = queue.popleft()
            if sid in seen:
                continue
            seen.add(sid)
            if self.principal(sid).is_group:
                queue.extend(members.get(sid, ()))
            else:
                found.append(sid)
        return found

    def path(self, start, target):
        """The shortest chain of SIDs from ``start`` up through its groups to ``target``, or None. Everyone and
        Authenticated Users are in every token."""
        if target in (EVERYONE, AUTHENTICATED_USERS) and start != target:
            return [start, target]
        previous, queue = {start: None}, deque([start])
        while queue:
            sid = queue.popleft()
            if sid == target:
                chain = []
                while sid is not None:
                    chain.append(sid)
                    sid = previous[sid]
                return chain[::-1]
            for group in self.member_of.get(sid, ()):
                if group not in previous:
                    previous[group] = sid
                    queue.append(group)
        return None


def unknown_principal(sid):
    if sid in WELL_KNOWN_NAMES:
        return Principal(sid, WELL_KNOWN_NAMES[sid], WELL_KNOWN)
    return Principal(sid, sid, UNRESOLVED)


@dataclass(frozen=True)
class Decision:
    """What the first entry that matches a principal's token decided, and the path by which it matched."""
    principal: Principal
    entry: Entry
    path: Tuple[str, ...]
    overruled: Optional[Tuple[Entry, Tuple[str, ...]]] = None   # for a denied principal: the allow it would have had


def evaluate(entries, graph):
    """(readers, denied) of one gMSA: each account that some entry reaches, decided by the first entry in DACL order
    that matches its token for READ_PROPERTY, as the DC's access check does. A principal denied although an allow
    entry also names it is in ``denied`` with that allow; one only a deny entry names is in neither."""
    relevant = [entry for entry in entries if entry.covers_read and entry.sid]
    readers, denied = [], []
    for sid in graph.accounts_below([entry.sid for entry in relevant if entry.allow]):
        decision = _decide(sid, relevant, graph)
        if decision is not None:
            (readers if decision.entry.allow else denied).append(decision)
    return readers, [decision for decision in denied if decision.overruled]


def _decide(sid, entries, graph):
    """The first entry matching the token of ``sid``; for a deny, with the first allow that it overrules."""
    first = None
    for entry in entries:
        path = graph.path(sid, entry.sid)
        if path is None:
            continue
        if first is None:
            first = Decision(graph.principal(sid), entry, tuple(path))
            if entry.allow:
                return first
        elif entry.allow:
            return Decision(first.principal, first.entry, first.path, overruled=(entry, tuple(path)))
    return first


def path_text(graph, path, entry):
    """alice -> Tier3 -> Tier2 -> Tier1 (ACE 2: allow)."""
    return '%s (ACE %d: %s)' % (ARROW.join(graph.principal(sid).name for sid in path), entry.index, entry.word)


def decision_as_dict(graph, decision):
    item = dict(decision.principal.as_dict(), enabled=decision.principal.enabled, ace=decision.entry.index,
                access=decision.entry.word,
                path=[graph.principal(sid).name for sid in decision.path],
                text=path_text(graph, decision.path, decision.entry))
    if decision.overruled:
        entry, path = decision.overruled
        item['allowed_by'] = {'ace': entry.index, 'path': [graph.principal(sid).name for sid in path],
                              'text': path_text(graph, path, entry)}
    return item
