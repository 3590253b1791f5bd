# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the kds_root_key module: a usable KDS root key in the forest, never a second one."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import (
    create_root_key,
    key_in_use,
    key_with_effective_time,
    planned_effective_time,
    planned_root_key,
    read_every_root_key,
    utc_now,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import iso
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options

KDS_ROOT_KEY_OPTIONS = Options(dict(
    effective_time=dict(type='str', default='now'),
    lab_backdate=dict(type='bool', default=False),
    allow_additional=dict(type='bool', default=False),
))


def ensure_kds_root_key(directory, params, mode):
    """A root key as ``params`` want it: the module's result."""
    now = utc_now()
    effective_time = planned_effective_time(params['effective_time'], params['lab_backdate'], now)
    keys = read_every_root_key(directory)

    existing = _existing_key(keys, effective_time, params['allow_additional'], now)
    if existing:
        return _result(mode, existing, keys, keys, now, changed=False)

    if mode.check:
        new_key = planned_root_key(effective_time, now)
    else:
        new_key = create_root_key(directory, effective_time, now)
    return _result(mode, new_key, keys, keys + [new_key], now, changed=True)


def _existing_key(keys, effective_time, allow_additional, now):
    """The key that makes creating one unnecessary, or None.

    One key per forest is the rule: a second makes gMSAs fail at their
    next password change. With allow_additional a key is added unless one
    with the same effective time exists, so a repeated run adds no more.
    """
    if allow_additional:
        return key_with_effective_time(keys, effective_time)
    return key_in_use(keys, now)


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
