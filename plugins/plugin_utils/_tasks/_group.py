# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the group module: find the group, plan, and write unless in check mode."""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ad_objects import (
    USERS_CONTAINER,
    check_common_name,
    container_for,
    moved_dn,
    name_taken_message,
    new_parent_for,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._groups import (
    GROUP_SAM_MAX_LENGTH,
    Group,
    change_attributes,
    change_members,
    create_group,
    plan_members,
    planned_group,
    read_group,
    resolve_member_option,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._identity import checked_names
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import first_rdn, object_dn, same_dn
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import value_list_spec

ABSENT = {'state': 'absent'}

GROUP_OPTIONS = Options(dict(
    name=dict(type='str'),
    identity=dict(type='str'),  # microsoft.ad's way to find an existing object
    sam_account_name=dict(type='str'),
    scope=dict(type='str', choices=['domain_local', 'global', 'universal'], default='domain_local'),
    path=dict(type='str'),
    description=dict(type='str'),
    members=value_list_spec(),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
), required_one_of=[['name', 'identity']])


def ensure_group(directory, params, mode):
    """The group as ``params`` want it: the module's result (changed, dn, sid, members, diff in diff mode)."""
    names = checked_names(directory, params, 'group', GROUP_SAM_MAX_LENGTH)
    if names is None:
        return _result(mode, False, ABSENT, None)
    name, sam = names

    group = read_group(directory, sam)
    if group is not None:
        check_common_name(group.dn, name, 'group')
    if params['state'] == 'absent':
        return _remove(directory, group, mode)

    members = resolve_member_option(directory, params['members'])
    if group is None:
        return _create(directory, params, name, sam, members, mode)
    new_parent = new_parent_for(directory, group.dn, params['path'], USERS_CONTAINER)
    return _update(directory, params, group, members, mode, new_parent)


def _create(directory, params, name, sam, members, mode):
    dn = object_dn(name, container_for(directory, params['path'], USERS_CONTAINER))
    member_dns = plan_members([], members).after
    after = Group(dn=dn, sid=None, sam_account_name=sam, scope=params['scope'],
                  description=params['description'] or None, members=member_dns)
    if not mode.check:
        try:
            create_group(directory, dn, sam, params['scope'], params['description'], member_dns)
        except ADError as exc:
            taken = name_taken_message(exc, dn, 'group')
            winner = read_group(directory, sam) if taken else None
            if winner is not None and same_dn(winner.dn, dn):
                # A run at the same time created this very group after our read: add what is left to it.
                return _update(directory, params, winner, members, mode)
            raise ADError(taken or str(exc))
        after = read_group(directory, sam)
    return _result(mode, True, ABSENT, after)


def _update(directory, params, group, members, mode, new_parent=None):
    before = group.state()
    moved = replace(group, dn=moved_dn(group.dn, new_parent))
    planned = planned_group(moved, params['scope'], params['description'], plan_members(group.members, members).after)
    changed = planned.state() != before
    if changed and not mode.check:
        if new_parent:
            directory.move(group.dn, first_rdn(group.dn), new_parent)
        change_attributes(directory, moved, params['scope'], params['description'])
        change = change_members(directory, moved, members)
        planned = planned_group(moved, params['scope'], params['description'], change.after)
    return _result(mode, changed, before, planned)


def _remove(directory, group, mode):
    if group is None:
        return _result(mode, False, ABSENT, None)
    if not mode.check:
        directory.delete(group.dn)
    return _result(mode, True, group.state(), None)


def _result(mode, changed, before, after):
    result = {
        'changed': changed,
        'dn': after.dn if after else None,
        'sid': after.sid if after else None,
        'members': list(after.members) if after else [],
    }
    if mode.diff:
        result['diff'] = {'before': before, 'after': after.state() if after else ABSENT}
    return result
