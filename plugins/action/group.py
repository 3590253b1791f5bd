# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._action import ADActionBase
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ad_objects import (
    USERS_CONTAINER,
    check_location,
    check_name,
    check_sam_account_name,
    container_for,
    name_taken_message,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._dn import object_dn, same_dn
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
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import value_list_spec

ABSENT = {'state': 'absent'}


class ActionModule(ADActionBase):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        sam_account_name=dict(type='str'),
        scope=dict(type='str', choices=['domain_local', 'global', 'universal'], default='domain_local'),
        path=dict(type='str'),
        description=dict(type='str'),
        members=value_list_spec(),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )

    def run_ad(self, directory, params):
        name = params['name']
        sam = params['sam_account_name'] or name
        check_name(name)
        check_sam_account_name(sam, 'sam_account_name' if params['sam_account_name'] else 'name',
                               GROUP_SAM_MAX_LENGTH)

        group = read_group(directory, sam)
        if group is not None:
            check_location(group.dn, name, params['path'], 'group')
        if params['state'] == 'absent':
            return self._remove(directory, group)

        members = resolve_member_option(directory, params['members'])
        if group is None:
            return self._create(directory, params, name, sam, members)
        return self._update(directory, params, group, members)

    # ------------------------------------------------------------------
    def _create(self, directory, params, name, sam, members):
        dn = object_dn(name, container_for(directory, params['path'], USERS_CONTAINER))
        member_dns = plan_members([], members).after
        after = Group(dn=dn, sid=None, sam_account_name=sam, scope=params['scope'],
                      description=params['description'] or None, members=member_dns)
        if not self.check_mode:
            try:
                create_group(directory, dn, sam, params['scope'], params['description'], member_dns)
            except ADError as exc:
                taken = name_taken_message(directory, dn, 'group')
                winner = read_group(directory, sam) if taken else None
                if winner is not None and same_dn(winner.dn, dn):
                    # A run at the same time created this very group after our read: add what is left to it.
                    return self._update(directory, params, winner, members)
                raise ADError(taken or str(exc))
            after = read_group(directory, sam)
        return self._result(True, ABSENT, after)

    def _update(self, directory, params, group, members):
        planned = planned_group(group, params['scope'], params['description'], plan_members(group.members, members).after)
        changed = planned.state() != group.state()
        if changed and not self.check_mode:
            change_attributes(directory, group, params['scope'], params['description'])
            change = change_members(directory, group, members)
            planned = planned_group(group, params['scope'], params['description'], change.after)
        return self._result(changed, group.state(), planned)

    def _remove(self, directory, group):
        if group is None:
            return self._result(False, ABSENT, None)
        if not self.check_mode:
            directory.delete(group.dn)
        return self._result(True, group.state(), None)

    # ------------------------------------------------------------------
    def _result(self, changed, before, after):
        result = {
            'changed': changed,
            'dn': after.dn if after else None,
            'sid': after.sid if after else None,
            'members': list(after.members) if after else [],
        }
        if self.diff_mode:
            result['diff'] = {'before': before, 'after': after.state() if after else ABSENT}
        return result
