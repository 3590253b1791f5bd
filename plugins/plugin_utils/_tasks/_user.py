# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the user module: find the user, plan, and write unless in check mode."""

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
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._identity import checked_names
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import first_rdn, object_dn
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._users import (
    UF_NORMAL_ACCOUNT,
    USER_SAM_MAX_LENGTH,
    User,
    change_user,
    check_upn,
    create_user,
    password_is_current,
    planned_user,
    read_user,
    wanted_account_control,
)

ABSENT = {'state': 'absent'}

USER_OPTIONS = Options(dict(
    name=dict(type='str'),
    identity=dict(type='str'),  # microsoft.ad's way to find an existing object
    sam_account_name=dict(type='str'),
    upn=dict(type='str'),
    path=dict(type='str'),
    password=dict(type='str', no_log=True),
    update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
    enabled=dict(type='bool', default=True),
    password_never_expires=dict(type='bool'),
    description=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
), required_if=[('update_password', 'always', ['password'])], required_one_of=[['name', 'identity']])

# What a user who is to be created without a password is told.
PASSWORD_MISSING = 'password: required to create an enabled user; give password, or enabled: false to create it disabled'


def ensure_user(directory, params, mode, password_missing=PASSWORD_MISSING):
    """The user as ``params`` want it: the module's result. ``password_missing`` is the message when an enabled
    user is to be created without a password."""
    names = checked_names(directory, params, 'user', USER_SAM_MAX_LENGTH)
    if names is None:
        return _result(mode, False, ABSENT, None)
    name, sam = names
    check_upn(params['upn'])

    user = read_user(directory, sam)
    if user is not None:
        check_common_name(user.dn, name, 'user')
    if params['state'] == 'absent':
        return _remove(directory, user, mode)
    if user is None:
        return _create(directory, params, name, sam, mode, password_missing)
    return _update(directory, params, user, mode, new_parent_for(directory, user.dn, params['path'], USERS_CONTAINER))


def _create(directory, params, name, sam, mode, password_missing):
    password = params['password']
    if params['enabled'] and password is None:
        # Samba would create it; AD refuses, and an enabled account without a password is no identity.
        raise ADInputError(password_missing)
    dn = object_dn(name, container_for(directory, params['path'], USERS_CONTAINER))
    account_control = wanted_account_control(UF_NORMAL_ACCOUNT, params['enabled'],
                                             bool(params['password_never_expires']))
    after = User(dn=dn, sid=None, sam_account_name=sam,
                 upn=params['upn'] or '%s@%s' % (sam, directory.facts.dns_name),
                 user_account_control=account_control, description=params['description'] or None)
    if not mode.check:
        try:
            create_user(directory, dn, after, password)
        except ADError as exc:
            raise ADError(name_taken_message(exc, dn, 'user') or str(exc))
        after = read_user(directory, sam)
    return _result(mode, True, ABSENT, after, password_changed=password is not None)


def _update(directory, params, user, mode, new_parent=None):
    account_control = wanted_account_control(user.user_account_control, params['enabled'],
                                             params['password_never_expires'])
    moved = replace(user, dn=moved_dn(user.dn, new_parent))
    planned = planned_user(moved, params['upn'], params['description'], account_control)
    write_password = _password_differs(directory, params, user, mode)
    changed = write_password or planned.state() != user.state()
    if changed and not mode.check:
        if new_parent:
            directory.move(user.dn, first_rdn(user.dn), new_parent)
        change_user(directory, moved, planned, params['password'] if write_password else None)
    return _result(mode, changed, user.state(), planned, password_changed=write_password)


def _password_differs(directory, params, user, mode):
    """Whether to write the password: with update_password=always, only when a logon with it fails."""
    if params['password'] is None or params['update_password'] != 'always':
        return False
    if mode.check:
        # Verifying is a logon, which the DC records; check mode writes nothing, so it assumes a change.
        return True
    return password_is_current(directory, user.dn, params['password']) is not True


def _remove(directory, user, mode):
    if user is None:
        return _result(mode, False, ABSENT, None)
    if not mode.check:
        directory.delete(user.dn)
    return _result(mode, True, user.state(), None)


def _result(mode, changed, before, after, password_changed=False):
    result = {
        'changed': changed,
        'dn': after.dn if after else None,
        'sid': after.sid if after else None,
        'upn': after.upn if after else None,
        'sam_account_name': after.sam_account_name if after else None,
        'enabled': after.enabled if after else None,
        'password_changed': password_changed,
    }
    if mode.diff:
        after_state = after.state() if after else ABSENT
        if password_changed and after:
            after_state = dict(after_state, password_changed=True)
        result['diff'] = {'before': before, 'after': after_state}
    return result
