# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The security group as a table of its properties: scope, description and members, changed value by value."""

from __future__ import annotations

import re

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import SECURITY_DESCRIPTOR, dn_key, sid_to_string
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    USERS_CONTAINER,
    check_common_name,
    find_account,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import ObjectType, Single, Values
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._identity import checked_names
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import resolve_principals

SECURITY_ENABLED = 0x80000000
SCOPE_BITS = {'global': 0x2, 'domain_local': 0x4, 'universal': 0x8}
GROUP_ATTRIBUTES = ('objectClass', 'objectSid', 'sAMAccountName', 'groupType', 'description', 'member',
                    SECURITY_DESCRIPTOR)
GROUP_SAM_MAX_LENGTH = 256

_RANGE = re.compile(r'^member;range=(\d+)-(\d+|\*)$')


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
    """The scopes a group goes through from ``current`` to ``wanted``: AD refuses global <-> domain local
    directly, both go through universal."""
    if current == wanted:
        return []
    if {current, wanted} == {'global', 'domain_local'}:
        return ['universal', wanted]
    return [wanted]


def scope_refused(dn, current, wanted, error):
    return ('scope: the domain controller refused changing %s from %s to %s%s (%s); AD allows global and '
            'domain_local to become universal, and universal to become either, when the members and memberships '
            'fit the new scope' % (dn, current, wanted, ' through universal' if len(scope_steps(current, wanted)) > 1
                                   else '', error))


# ------------------------------------------------------------------ members
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


def _member_dns(task, texts):
    """Each member as its DN: every principal found with one search."""
    return [principal.dn for principal in resolve_principals(task.directory, texts, 'members')]


# ------------------------------------------------------------------ finding
def find_group(task):
    """The group the task names, or None; its name and sAMAccountName go to ``task``."""
    names = checked_names(task.directory, task.params, 'group', GROUP_SAM_MAX_LENGTH)
    if names is None:
        return None
    task.name, task.sam = names
    entry = find_account(task.directory, task.sam, GROUP_ATTRIBUTES, 'group')
    if entry is None:
        return None
    if not entry.integer('groupType') & SECURITY_ENABLED:
        raise ADInputError('%r is the distribution group %s; this module manages security groups, convert it first '
                           'or choose another name' % (task.sam, entry.dn), 'sam_account_name')
    check_common_name(entry.dn, task.name, 'group')
    return entry


def group_sid(entry):
    return sid_to_string(entry.raw('objectSid')) if entry is not None else None


GROUP = ObjectType(
    kind='group',
    object_classes=('top', 'group'),
    find=find_group,
    container=USERS_CONTAINER,
    properties=(
        Single('sam_account_name', 'sAMAccountName', asked=lambda task: task.sam,
               same=lambda left, right: (left or '').lower() == (right or '').lower()),
        Single('scope', 'groupType', read=lambda task, entry: scope_of(entry.integer('groupType')),
               encode=lambda scope: [str(group_type(scope))], steps=scope_steps, refused=scope_refused),
        Single('description', 'description', normal=lambda value: value or None),
        # The first members go with the add itself: one write, and no empty group in between. Later changes
        # add and delete single values, so that what others add meanwhile stays.
        Values('members', 'member', key=dn_key, read=lambda task, entry: read_members(task.directory, entry),
               resolve=_member_dns),
    ),
)
