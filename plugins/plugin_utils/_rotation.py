# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Blue/green rotation of the portable identity (docs/rotation.md): which of an application's two portable users
is active, and what a rotation does next. Pure: the state is what the state file on the controller says.

A rotation goes through its phases, each left only when its work is done, so that a run stopped anywhere
leaves a user whose credentials are in the store and work, and the next run finishes the rotation:

- ``idle``: the active user's credentials are in the store; the standby user is either unknown to everyone or
  disabled.
- ``new_password``: the standby user (the target) gets a new password, proves it against the DC (it reads the
  gMSA password and gets a TGT), and its credentials go to the store and are read back. The active user is
  untouched, so the store keeps working credentials throughout.
- ``handover``: only for a plug-in whose store this collection does not write: the target's password is proven,
  and waits for the operator to put it in the store. A later run told that this is done
  (``handed_over``) goes on; nothing is retired before.
- ``grace``: the target is active; the user that was active stays as it was until the grace period is over (hosts
  may still use what they read before), then it is retired and the phase is ``idle`` again.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

PHASES = ('idle', 'new_password', 'handover', 'grace')


class RotationError(ValueError):
    """A state file or a selection that cannot be read; the message says which and what to do."""


def _iso(moment):
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ') if moment else None


def _parse_time(text):
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace('Z', '+00:00'))


def rotation_state(application, text):
    """The application's rotation state from its state file's text ('' or None: never rotated)."""
    users = [user['sam_account_name'] for user in application['portable_user']['users']]
    if not text or not str(text).strip():
        return {'active': users[0], 'phase': 'idle', 'target': None, 'previous': None, 'since': None,
                'rotated_at': None}
    try:
        state = json.loads(text)
    except ValueError:
        raise RotationError('%s: its rotation state file is not JSON; restore it or remove it (the first portable user '
                            'is then taken as the active one)' % application['name']) from None
    known = {user.lower(): user for user in users}
    for key in ('active', 'target', 'previous'):
        if state.get(key) is not None and state[key].lower() not in known:
            raise RotationError('%s: its rotation state names %s, which is none of its portable users (%s)'
                                % (application['name'], state[key], ', '.join(users)))
    if state.get('phase') not in PHASES:
        raise RotationError('%s: its rotation state has the phase %r; it must be one of %s'
                            % (application['name'], state.get('phase'), ', '.join(PHASES)))
    return {key: state.get(key) for key in ('active', 'phase', 'target', 'previous', 'since', 'rotated_at')}


def active_user(application, text):
    """The portable user whose credentials the store holds: the only one, or with blue_green the one the state file
    text names active (None for an application without a portable user)."""
    portable = application.get('portable_user')
    if not portable:
        return None
    if not portable['blue_green']:
        return portable['users'][0]
    active = rotation_state(application, text)['active']
    return next(user for user in portable['users'] if user['sam_account_name'].lower() == active.lower())


def _user(application, sam):
    return next(user for user in application['portable_user']['users']
                if user['sam_account_name'].lower() == (sam or '').lower())


def _other(application, sam):
    return next(user for user in application['portable_user']['users']
                if user['sam_account_name'].lower() != (sam or '').lower())


def selected(application, rotate):
    """Whether the selection (a list of names, or 'all') names this application."""
    if rotate in ('all', ['all']):
        return True
    if isinstance(rotate, str):
        rotate = [rotate]
    return application['name'].lower() in {str(name).lower() for name in rotate or []}


def rotation_plan(application, text, rotate, older_than_days, grace_minutes, now, handed_over=()):
    """What a rotation run does next for this application: a dict with the state, the users by role, and
    ``action``, one of ``none`` (not asked, not due, or not blue/green), ``start`` (a new password for the
    standby user), ``continue`` (prove and deliver the target), ``handover`` (the proven password waits for the
    operator to hand it over to a store this collection does not write), ``wait`` (grace period not over) and
    ``retire``. With ``continue``, ``hand_over`` says whether the operator hands the password over (``needed``),
    has said so (``confirmed``, the application named in ``handed_over``), or the collection delivers it (None)."""
    if not application['portable_user'] or not application['portable_user']['blue_green']:
        return {'application': application['name'], 'action': 'none', 'why': 'not blue_green'}
    state = rotation_state(application, text)
    active = _user(application, state['active'])
    plan = {'application': application['name'], 'state': state, 'active': active,
            'standby': _other(application, state['active']), 'action': 'none', 'why': ''}
    asked = selected(application, rotate)
    if state['phase'] == 'new_password':
        return dict(plan, action='continue' if asked else 'none', target=_user(application, state['target']),
                    hand_over='needed' if _operator_delivers(application) else None,
                    why='' if asked else 'a rotation is under way; name the application to finish it')
    if state['phase'] == 'handover':
        target = _user(application, state['target'])
        if selected(application, handed_over):
            return dict(plan, action='continue', target=target, hand_over='confirmed')
        waiting = ('waiting for %s\'s new password to be handed over to the plug-in\'s store; once it is there, run '
                   'again with -e gmsa_rotation_handed_over=%s' % (target['sam_account_name'], application['name']))
        return dict(plan, action='handover' if asked else 'none', target=target, why=waiting)
    if state['phase'] == 'grace':
        retire_at = _parse_time(state['since']) + timedelta(minutes=int(grace_minutes))
        previous = _user(application, state['previous'])
        if not asked:
            return dict(plan, previous=previous, retire_at=_iso(retire_at),
                        why='a rotation is under way; name the application to finish it')
        return dict(plan, action='retire' if now >= retire_at else 'wait', previous=previous, retire_at=_iso(retire_at),
                    wait_seconds=max(0, int((retire_at - now).total_seconds())))
    if not asked:
        return plan
    last = _parse_time(state['rotated_at'])
    if last is not None and int(older_than_days) and now - last < timedelta(days=int(older_than_days)):
        return dict(plan, why='last rotated %s, less than %s days ago' % (_iso(last), older_than_days))
    return dict(plan, action='start', target=plan['standby'])


def _operator_delivers(application):
    """Whether the operator, not this collection, puts the credentials in the plug-in's store (a plug-in whose
    store the collection neither writes nor reads back)."""
    return (application.get('plugin') or {}).get('store') is None


def started(plan, now):
    """The state once the target has a new password in the controller's store (the phase new_password)."""
    return dict(plan['state'], phase='new_password', target=plan['target']['sam_account_name'], since=_iso(now))


def proven(plan, now):
    """The state once the target's new password is proven and waits to be handed over (the phase handover)."""
    return dict(plan['state'], phase='handover', since=_iso(now))


def delivered(plan, now):
    """The state once the store holds the target's credentials, read back: the target is active."""
    state = plan['state']
    return dict(state, phase='grace', active=state['target'], previous=state['active'], target=None, since=_iso(now))


def retired(plan):
    """The state once the user that was active is retired: the rotation is done."""
    state = plan['state']
    return dict(state, phase='idle', previous=None, rotated_at=state['since'], since=None)


def state_text(state):
    return json.dumps(state, indent=1, sort_keys=True) + '\n'
