# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the service_account module: the gMSA through the engine, and what the module returns of it."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import GMSA_TYPE, Task, ensure
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import (
    ENCRYPTION_TYPES,
    allowed_principals,
    encryption_type_names,
    gmsa_identity,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._result import object_result, present
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import value_list_spec

SERVICE_ACCOUNT_OPTIONS = Options(dict(
    name=dict(type='str'),
    identity=dict(type='str'),  # microsoft.ad's way to find an existing object
    adopt=dict(type='bool'),  # None: the owner is not looked at (_objects/_ownership.py)
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    dns_hostname=dict(type='str'),
    spns=dict(value_list_spec(), aliases=['spn']),  # spn: microsoft.ad's name for it
    allowed_to_retrieve_password=value_list_spec(),
    kerberos_encryption_types=dict(type='list', elements='str', choices=sorted(ENCRYPTION_TYPES)),
    managed_password_interval=dict(type='int'),
    path=dict(type='str'),
    description=dict(type='str'),
    enabled=dict(type='bool', default=True),
), required_one_of=[['name', 'identity']])


def ensure_service_account(directory, params, mode):
    """The gMSA as ``params`` want it: the module's result."""
    task = Task(directory, params, mode)
    outcome = ensure(task, GMSA_TYPE)
    if not present(outcome):
        # What was removed (or would be) is named by its DN.
        return object_result(outcome, mode, {'dn': outcome.entry.dn if outcome.entry is not None else None})
    return object_result(outcome, mode, returned(task, outcome))


def returned(task, outcome):
    """The account after the task: as read back when written, else as planned (check mode, no change)."""
    values = outcome.plan.values
    entry = outcome.entry
    return dict(
        gmsa_identity(entry),
        dn=outcome.after['dn'],
        sam_account_name=entry.text('sAMAccountName') if entry is not None else task.sam,
        dns_hostname=values['dns_hostname'],
        spns=entry.texts('servicePrincipalName') if _written(task, outcome) else values['spns'],
        allowed_to_retrieve_password=allowed_principals(task, values['allowed_to_retrieve_password']),
        kerberos_encryption_types=encryption_type_names(values['kerberos_encryption_types']),
        managed_password_interval=values['managed_password_interval'],
        enabled=outcome.after['enabled'],
    )


def _written(task, outcome):
    return outcome.changed and not task.mode.check
