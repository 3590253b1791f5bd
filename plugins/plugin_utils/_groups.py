# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Security groups: scope, description and members, changed value by value."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ad_objects import find_account
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    add_values,
    delete_values,
    dn_key,
    replace_values,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import resolve_principals
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import conflicting_values, plan_values

SECURITY_ENABLED = 0x80000000
SCOPE_BITS = {'global': 0x2, 'domain_local': 0x4, 'universal': 0x8}
GROUP_ATTRIBUTES = ['objectClass', 'objectSid', 'sAMAccountName', 'groupType', 'description', 'member']
GROUP_SAM_MAX_LENGTH = 256

_RANGE = re.compile(r'^member;range=(\d+)-(\d+|\*)$')


@dataclass(frozen=True)
class Group:
    dn: Optional[str]
    sid: Optional[str]
    sam_account_name: str
    scope: str
    description: Optional[str]
    members: Tuple[str, ...]

    def state(self):
        """What diff mode shows."""
        return {'state': 'present', 'dn': self.dn, 'sam_account_name': self.sam_account_name, 'scope': self.scope,
                'description': self.description, 'members': sorted(self.members, key=dn_key)}


# ------------------------------------------------------------------ group type
def group_type(scope):
    """groupType of a security group of ``scope``, as the signed 32-bit number AD stores."""
    value = SECURITY_ENABLED | SCOPE_BITS[scope]
    return value - (1 << 32)


def scope_of(group_type_value):
    bits = int(group_type_value) & 0xE
    for scope, bit in SCOPE_BITS.items():
        if bits == bit:
            return scope
    return 'unknown'


def scope_steps(current, wanted):
    """The groupType writes that take a group from ``current`` to ``wanted`` scope.

    AD refuses global <-> domain local directly; both go through universal.
    """
    if current == wanted:
        return []
    if {current, wanted} == {'global', 'domain_local'}:
        return ['universal', wanted]
    return [wanted]


# ------------------------------------------------------------------ reading
def read_group(directory, sam):
    """The group with this sAMAccountName, or None. Another kind of object by that name is an input error."""
    entry = find_account(directory, sam, GROUP_ATTRIBUTES, 'group')
    if entry is None:
        return None
    group_type_value = entry.integer('groupType')
    if not group_type_value & SECURITY_ENABLED:
        raise ADInputError('%r is the distribution group %s; this module manages security groups, '
                           'convert it first or choose another name' % (sam, entry.dn), 'sam_account_name')
    return Group(dn=entry.dn, sid=sid_to_string(entry.raw('objectSid')), sam_account_name=entry.text('sAMAccountName'),
                 scope=scope_of(group_type_value), description=entry.text('description'),
                 members=tuple(read_members(directory, entry)))


def read_members(directory, entry):
    """Every member DN; a DC that sends large groups in ranges (member;range=0-1499) is asked for the rest."""
    members = entry.texts('member')
    ranged = [name for name in entry.names() if _RANGE.match(name)]
    while ranged:
        members.extend(entry.texts(ranged[0]))
        end = _RANGE.match(ranged[0]).group(2)
        if end == '*':
            break
        entry = directory.read(entry.dn, ['member;range=%d-*' % (int(end) + 1)])
        ranged = [name for name in entry.names() if _RANGE.match(name)] if entry else []
    return members


# ------------------------------------------------------------------ members
def resolve_member_option(directory, option):
    """``members`` with every principal replaced by its DN: all names found with one search."""
    if not option:
        return None
    texts = [text for name in ('add', 'remove', 'set') for text in option.get(name) or []]
    principals = dict(zip(texts, resolve_principals(directory, texts, 'members')))
    by_dn = {name: [principals[text].dn for text in option[name]] if option.get(name) is not None else None
             for name in ('add', 'remove', 'set')}
    both = conflicting_values(by_dn, key=dn_key)
    if both:
        raise ADInputError('%s is listed in both add and remove; keep it in one of them' % ', '.join(both), 'members')
    return by_dn


def plan_members(current, option):
    return plan_values(current, option, key=dn_key)


# ------------------------------------------------------------------ writing
def create_group(directory, dn, sam, scope, description, members):
    attributes = {'sAMAccountName': sam, 'groupType': str(group_type(scope))}
    if description:
        attributes['description'] = description
    if members:
        # The first members go with the add itself: one write, and no empty group in between.
        attributes['member'] = list(members)
    directory.add(dn, ['top', 'group'], attributes)


def change_attributes(directory, group, scope, description):
    """Scope and description. A two-step scope change that fails half-way is put back."""
    steps = scope_steps(group.scope, scope)
    changes = {}
    if description is not None and description != (group.description or ''):
        changes['description'] = replace_values([description] if description else [])
    if not steps:
        directory.modify(group.dn, changes)
        return
    done = []
    for step in steps:
        changes['groupType'] = replace_values([str(group_type(step))])
        try:
            directory.modify(group.dn, changes)
        except ADError as exc:
            _undo_scope_steps(directory, group, done)
            raise ADError('scope: the domain controller refused changing %s from %s to %s%s (%s); AD allows '
                          'global and domain_local to become universal, and universal to become either, '
                          'when the members and memberships fit the new scope'
                          % (group.dn, group.scope, scope, ' through universal' if len(steps) > 1 else '', exc))
        done.append(step)
        changes = {}


def _undo_scope_steps(directory, group, done):
    if done:
        directory.modify(group.dn, {'groupType': replace_values([str(group_type(group.scope))])})


def change_members(directory, group, option):
    """Add and delete single member values, so that what others add meanwhile stays.

    When another writer changed the same members between our read and our
    write, the DC refuses the whole request (a value already there, or no
    longer there); the members are then read again and the change re-planned once.
    """
    change = plan_members(group.members, option)
    try:
        _write_member_change(directory, group.dn, change)
    except ADError:
        fresh = read_members(directory, directory.read(group.dn, ['member']))
        retry = plan_members(fresh, option)
        if retry == change:
            raise
        _write_member_change(directory, group.dn, retry)
        change = retry
    return change


def _write_member_change(directory, dn, change):
    steps = delete_values(change.to_remove) + add_values(change.to_add)
    if steps:
        directory.modify(dn, {'member': steps})


def planned_group(group, scope, description, members_after):
    """The group as it will be after the run (diff mode and check mode)."""
    return replace(group, scope=scope,
                   description=group.description if description is None else (description or None),
                   members=tuple(members_after))
