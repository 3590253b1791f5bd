# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the user module: find the user, plan, and write unless in check mode."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._files import check_writable
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import sid_to_string
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import USER, Task, ensure
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._password_record import write_record
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._result import object_result, present

USER_OPTIONS = Options(dict(
    name=dict(type='str'),
    identity=dict(type='str'),  # microsoft.ad's way to find an existing object
    adopt=dict(type='bool'),  # None: the owner is not looked at (_objects/_ownership.py)
    sam_account_name=dict(type='str'),
    upn=dict(type='str'),
    path=dict(type='str'),
    password=dict(type='str', no_log=True),
    update_password=dict(type='str', choices=['on_create', 'when_changed', 'always'], default='on_create',
                         no_log=False),
    password_record_file=dict(type='path', no_log=False),
    enabled=dict(type='bool'),
    password_never_expires=dict(type='bool'),
    description=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
), required_if=[
    ('update_password', 'always', ['password']),
    ('update_password', 'when_changed', ['password']),
], required_one_of=[['name', 'identity']])


NO_USER = {'dn': None, 'sid': None, 'upn': None, 'sam_account_name': None, 'enabled': None, 'password_changed': False}


def ensure_user(directory, params, mode, user_type=USER):
    """The user as ``params`` want it: the module's result. ``user_type`` is the user's table (the portable
    user's has its own word for a missing password)."""
    if params['password_record_file']:
        check_writable(params['password_record_file'], 'password_record_file')
    outcome = ensure(Task(directory, params, mode), user_type)
    if not present(outcome):
        return object_result(outcome, mode, dict(NO_USER))
    after = outcome.after
    password_changed = bool(outcome.plan and outcome.plan.secrets)
    if password_changed and params['password_record_file'] and not mode.check:
        # After the write: pwdLastSet as the DC set it, read back.
        write_record(params['password_record_file'], outcome.entry.integer('pwdLastSet'), params['password'])
    return object_result(outcome, mode, {
        'dn': after['dn'],
        'sid': sid_to_string(outcome.entry.raw('objectSid')) if outcome.entry is not None else None,
        'upn': after['upn'],
        'sam_account_name': after['sam_account_name'],
        'enabled': after['enabled'],
        'password_changed': password_changed,
    })
