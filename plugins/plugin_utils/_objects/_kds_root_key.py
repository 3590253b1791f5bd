# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The KDS root key as a table: an object that is found by a rule instead of a name, made once, and never
changed (the key format and the rule live in ``_kds``)."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import (
    key_in_use,
    key_with_effective_time,
    master_root_keys_dn,
    missing_create_rights,
    new_key_id,
    new_root_key_data,
    read_every_root_key,
    root_key_attributes,
    writing_dc_account_dn,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    datetime_to_filetime,
    filetime_to_datetime,
    object_dn,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import ObjectType, Single


def find_root_key(task):
    """The key that makes creating one unnecessary, or None. The forest's keys go to ``task.found``.

    One key per forest is the rule: a second makes gMSAs fail at their next password change. With
    allow_additional a key is added unless one with the same effective time exists, so a repeated run adds
    no more. ``task.found['effective_time']`` is the effective time a new key gets; the keys found go to
    ``task.found['keys']`` (and the first ones found to ``task.found['keys_before']``).
    """
    keys = read_every_root_key(task.directory)
    task.found.setdefault('keys_before', keys)   # found again after a write, the keys are those after it
    task.found['keys'] = keys
    if task.asked('allow_additional'):
        existing = key_with_effective_time(keys, task.found['effective_time'])
    else:
        existing = key_in_use(keys, task.found['now'])
    task.found['existing'] = existing
    return existing.entry if existing else None


def _effective_time(task, entry):
    value = entry.integer('msKds-UseStartTime')
    return filetime_to_datetime(value) if value is not None else None


def _new_key_attributes(task):
    return root_key_attributes(task.found['now'], writing_dc_account_dn(task.directory), new_root_key_data())


KDS_ROOT_KEY = ObjectType(
    kind='KDS root key',
    object_classes=('top', 'msKds-ProvRootKey'),
    find=find_root_key,
    # cn is a new GUID, in the forest's one container of keys.
    new_dn=lambda task: object_dn(new_key_id(), master_root_keys_dn(task.directory.facts)),
    fixed=_new_key_attributes,
    explain=lambda task, error, plan: missing_create_rights(task.directory, error),
    properties=(
        # A key never changes: only a new one gets the effective time asked for.
        Single('effective_time', 'msKds-UseStartTime', read=_effective_time, asked=lambda task: None,
               default=lambda task, planned: task.found['effective_time'],
               encode=lambda moment: [str(datetime_to_filetime(moment))]),
    ),
)
