# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the group module: find the group, plan, and write unless in check mode."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import GROUP, Task, ensure
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._group import group_sid
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._result import object_result, present
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import value_list_spec

GROUP_OPTIONS = Options(dict(
    name=dict(type='str'),
    identity=dict(type='str'),  # microsoft.ad's way to find an existing object
    adopt=dict(type='bool'),  # None: the owner is not looked at (_objects/_ownership.py)
    sam_account_name=dict(type='str'),
    scope=dict(type='str', choices=['domain_local', 'global', 'universal'], default='domain_local'),
    path=dict(type='str'),
    description=dict(type='str'),
    members=value_list_spec(),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
), required_one_of=[['name', 'identity']])


def ensure_group(directory, params, mode):
    """The group as ``params`` want it: the module's result (changed, dn, sid, members, diff in diff mode)."""
    outcome = ensure(Task(directory, params, mode), GROUP)
    if not present(outcome):
        return object_result(outcome, mode, {'dn': None, 'sid': None, 'members': []})
    return object_result(outcome, mode, {'dn': outcome.after['dn'], 'sid': group_sid(outcome.entry),
                                         'members': outcome.after['members']})
