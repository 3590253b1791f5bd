# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters of the blue/green rotation of the portable identity; their logic is in plugin_utils/_rotation."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._passwords import complex_password
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._rotation import (
    RotationError,
    active_user,
    delivered,
    proven,
    retired,
    rotation_plan,
    started,
    state_text,
)

_STEPS = {'started': started, 'proven': proven, 'delivered': delivered}


def portable_rotation(application, state, rotate=(), older_than_days=0, grace_minutes=15, now=None, handed_over=()):
    moment = datetime.fromisoformat(now.replace('Z', '+00:00')) if now else datetime.now(timezone.utc)
    try:
        return rotation_plan(application, state, rotate, older_than_days, grace_minutes, moment, handed_over)
    except RotationError as error:
        raise AnsibleFilterError('portable_rotation: %s' % error)


def portable_rotation_state(plan, step):
    """The text of the state file after ``step`` (started, proven, delivered or retired) of ``plan``."""
    if step == 'retired':
        return state_text(retired(plan))
    if step not in _STEPS:
        raise AnsibleFilterError('portable_rotation_state: the step is started, proven, delivered or retired, not %r' % step)
    return state_text(_STEPS[step](plan, datetime.now(timezone.utc)))


def portable_active_user(application, state):
    """The portable user whose credentials the store holds: the only one, or with blue_green the active one."""
    try:
        return active_user(application, state)
    except RotationError as error:
        raise AnsibleFilterError('portable_active_user: %s' % error)


def portable_password(random_text, user):
    """``random_text`` (a random password) made acceptable to the complexity rule for ``user`` ({name,
    sam_account_name})."""
    return complex_password(random_text, [user.get('name'), user.get('sam_account_name')])


class FilterModule:
    def filters(self):
        return {
            'portable_active_user': portable_active_user,
            'portable_password': portable_password,
            'portable_rotation': portable_rotation,
            'portable_rotation_state': portable_rotation_state,
        }
