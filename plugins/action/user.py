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
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._dn import object_dn
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
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


class ActionModule(ADActionBase):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        sam_account_name=dict(type='str'),
        upn=dict(type='str'),
        path=dict(type='str'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
        enabled=dict(type='bool', default=True),
        password_never_expires=dict(type='bool'),
        description=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    REQUIRED_IF = [('update_password', 'always', ['password'])]
    # What a user who is to be created without a password is told.
    PASSWORD_MISSING = 'password: required to create an enabled user; give password, or enabled: false to create it disabled'

    def run_ad(self, directory, params):
        name = params['name']
        sam = params['sam_account_name'] or name
        check_name(name)
        check_sam_account_name(sam, 'sam_account_name' if params['sam_account_name'] else 'name', USER_SAM_MAX_LENGTH)
        check_upn(params['upn'])

        user = read_user(directory, sam)
        if user is not None:
            check_location(user.dn, name, params['path'], 'user')
        if params['state'] == 'absent':
            return self._remove(directory, user)
        if user is None:
            return self._create(directory, params, name, sam)
        return self._update(directory, params, user)

    # ------------------------------------------------------------------
    def _create(self, directory, params, name, sam):
        password = params['password']
        if params['enabled'] and password is None:
            # Samba would create it; AD refuses, and an enabled account without a password is no identity.
            raise ADInputError(self.PASSWORD_MISSING)
        dn = object_dn(name, container_for(directory, params['path'], USERS_CONTAINER))
        account_control = wanted_account_control(UF_NORMAL_ACCOUNT, params['enabled'],
                                                 bool(params['password_never_expires']))
        after = User(dn=dn, sid=None, sam_account_name=sam,
                     upn=params['upn'] or '%s@%s' % (sam, directory.facts.dns_name),
                     user_account_control=account_control, description=params['description'] or None)
        if not self.check_mode:
            try:
                create_user(directory, dn, after, password)
            except ADError as exc:
                raise ADError(name_taken_message(directory, dn, 'user') or str(exc))
            after = read_user(directory, sam)
        return self._result(True, ABSENT, after, password_changed=password is not None)

    def _update(self, directory, params, user):
        account_control = wanted_account_control(user.user_account_control, params['enabled'],
                                                 params['password_never_expires'])
        planned = planned_user(user, params['upn'], params['description'], account_control)
        write_password = self._password_differs(directory, params, user)
        changed = write_password or planned.state() != user.state()
        if changed and not self.check_mode:
            change_user(directory, user, planned, params['password'] if write_password else None)
        return self._result(changed, user.state(), planned, password_changed=write_password)

    def _password_differs(self, directory, params, user):
        """Whether to write the password: with update_password=always, only when a logon with it fails."""
        if params['password'] is None or params['update_password'] != 'always':
            return False
        if self.check_mode:
            # Verifying is a logon, which the DC records; check mode writes nothing, so it assumes a change.
            return True
        return password_is_current(directory, user.dn, params['password']) is not True

    def _remove(self, directory, user):
        if user is None:
            return self._result(False, ABSENT, None)
        if not self.check_mode:
            directory.delete(user.dn)
        return self._result(True, user.state(), None)

    # ------------------------------------------------------------------
    def _result(self, changed, before, after, password_changed=False):
        result = {
            'changed': changed,
            'dn': after.dn if after else None,
            'sid': after.sid if after else None,
            'upn': after.upn if after else None,
            'sam_account_name': after.sam_account_name if after else None,
            'enabled': after.enabled if after else None,
            'password_changed': password_changed,
        }
        if self.diff_mode:
            after_state = after.state() if after else ABSENT
            if password_changed and after:
                after_state = dict(after_state, password_changed=True)
            result['diff'] = {'before': before, 'after': after_state}
        return result
