# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the kds_root_key module: a usable KDS root key in the forest, never a second one."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import (
    planned_effective_time,
    planned_root_key,
    root_key_of,
    utc_now,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import iso
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import KDS_ROOT_KEY, Task, ensure
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options

KDS_ROOT_KEY_OPTIONS = Options(dict(
    effective_time=dict(type='str', default='now'),
    lab_backdate=dict(type='bool', default=False),
    allow_additional=dict(type='bool', default=False),
))


def ensure_kds_root_key(directory, params, mode):
    """A root key as ``params`` want it: the module's result."""
    task = Task(directory, params, mode)
    now = task.found['now'] = utc_now()
    task.found['effective_time'] = planned_effective_time(params['effective_time'], params['lab_backdate'], now)
    outcome = ensure(task, KDS_ROOT_KEY)
    before = task.found['keys_before']
    if not outcome.changed:
        return _result(mode, task.found['existing'], before, before, now, changed=False)
    if mode.check:
        new_key = planned_root_key(task.found['effective_time'], now)
        return _result(mode, new_key, before, before + [new_key], now, changed=True)
    # The keys as the forest has them now, read back.
    return _result(mode, root_key_of(outcome.entry), before, task.found['keys'], now, changed=True)


def _result(mode, key, before, after, now, changed):
    result = {
        'changed': changed,
        'key_id': key.key_id,
        'created': iso(key.created) if key.created else None,
        'usable_from': iso(key.usable_from) if key.usable_from else None,
        'usable_now': key.usable_at(now),
        'root_keys': [item.as_dict(now) for item in after],
    }
    if mode.diff:
        result['diff'] = {'before': {'root_keys': [item.as_dict(now) for item in before]},
                          'after': {'root_keys': result['root_keys']}}
    return result
