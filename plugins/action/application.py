# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import re

from ansible_collections.wincontainers.gmsa.plugins.action.credential_spec import ActionModule as CredentialSpecAction
from ansible_collections.wincontainers.gmsa.plugins.action.group import ActionModule as GroupAction
from ansible_collections.wincontainers.gmsa.plugins.action.service_account import ActionModule as ServiceAccountAction
from ansible_collections.wincontainers.gmsa.plugins.action.user import ActionModule as UserAction
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._action import ADActionBase
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError

# The steps in the order they are made: the group lists the portable user, the gMSA names the group,
# the credential spec names the gMSA.
STEPS = ('portable_user', 'group', 'service_account', 'credential_spec')
ACCOUNTS = STEPS[:3]


def options_of(action, *names, **overrides):
    return dict({name: action.ARGUMENT_SPEC[name] for name in names}, **overrides)


class PortableUserAction(UserAction):
    """The user step of an application: its user is always enabled, so there is no ``enabled: false`` to offer."""
    PASSWORD_MISSING = 'password: required to create the portable user; give its password (from Ansible Vault or a secret store)'


class ActionModule(ADActionBase):
    # Each part's options are those of the module that does that part alone: both check them alike.
    ARGUMENT_SPEC = dict(
        options_of(ServiceAccountAction, 'name', 'dns_hostname', 'spns', 'path', 'description'),
        group=dict(type='dict', required=True, options=options_of(
            GroupAction, 'name', 'sam_account_name', 'path', 'scope', 'description', 'members')),
        portable_user=dict(type='dict', options=options_of(
            UserAction, 'name', 'sam_account_name', 'path', 'password', 'update_password', 'description',
            # An expired password stops every container of the application until the plug-in's secret is updated.
            password_never_expires=dict(type='bool', default=True))),
        credential_spec=dict(type='dict', options=options_of(
            CredentialSpecAction, 'dest', 'additional_accounts', 'host_account_config', 'kubernetes_name')),
    )

    def run_ad(self, directory, params):
        steps = step_arguments(params)
        # A rehearsal in check mode reads and checks every step before anything is written, so bad input
        # anywhere fails with nothing made; a run that changes nothing ends here.
        rehearsal = self._run_steps(directory, steps, check_mode=True)
        if self.check_mode or not any(result['changed'] for result in rehearsal.values() if result):
            return self._result(rehearsal)
        return self._result(self._run_steps(directory, steps, check_mode=False, rehearsal=rehearsal))

    # ------------------------------------------------------------------
    def _run_steps(self, directory, steps, check_mode, rehearsal=None):
        """Each step's result (None for a step not asked for, or not possible yet in check mode).

        After a rehearsal, an object it found missing and the step then made is undone when a later step fails:
        no group is left without its gMSA, no portable user without its group."""
        results = dict.fromkeys(STEPS)
        made = []
        for field in STEPS:
            args = planned_arguments(field, steps, results)
            if args is None:
                continue
            try:
                results[field] = run_step(field, args, directory, check_mode, self.diff_mode)
            except ADError as exc:
                raise ADError(undo(directory, made, exc)) from exc
            if field in ACCOUNTS and rehearsal and rehearsal[field]['sid'] is None:
                made.append(results[field]['dn'])
        return results

    def _result(self, results):
        result = {'changed': any(item['changed'] for item in results.values() if item)}
        warnings = [warning for item in results.values() if item for warning in item.pop('warnings', [])]
        if warnings:
            result['warnings'] = warnings
        diffs = [labelled_diff(field, item.pop('diff')) for field, item in results.items() if item and 'diff' in item]
        if self.diff_mode:
            result['diff'] = diffs
        for field, item in results.items():
            if item is not None:
                item.pop('changed', None)
            result[field] = item
        return result


# ---------------------------------------------------------------------- the steps' arguments
def step_arguments(params):
    """Each step's own options, checked against the module that does that step alone."""
    user = params['portable_user']
    group = dict(params['group'])
    if user:
        # The portable identity reads the password as a member of the group.
        members = dict(group['members'] or {})
        wanted = members.get('set') if members.get('set') is not None else members.get('add') or []
        members['set' if members.get('set') is not None else 'add'] = wanted + [user['sam_account_name'] or user['name']]
        group['members'] = members
    credential_spec = params['credential_spec']
    return {
        'portable_user': PortableUserAction.step_params(
            dict(user, enabled=True), 'portable_user') if user else None,
        'group': GroupAction.step_params(group, 'group'),
        'service_account': ServiceAccountAction.step_params(dict(
            name=params['name'], dns_hostname=params['dns_hostname'], spns=params['spns'], path=params['path'],
            description=params['description']), None),
        'credential_spec': CredentialSpecAction.step_params(
            dict(credential_spec, account=params['name']), 'credential_spec') if credential_spec else None,
    }


def planned_arguments(field, steps, results):
    """The arguments of one step given what the steps before it found (None: no such step, or not yet).

    In check mode an object that would be created cannot be looked up yet: the later steps go on without it.
    The credential spec waits for its gMSA; its checks that need no directory are made now, so that bad input
    fails before anything is made."""
    args = steps[field]
    user, group, gmsa = results['portable_user'], results['group'], results['service_account']
    if args is None:
        return None
    if field == 'group' and user and user['sid'] is None:
        members = {name: [member for member in values if member.lower() != user['sam_account_name'].lower()]
                   if values is not None else None for name, values in (args['members'] or {}).items()}
        return dict(args, members=members)
    if field == 'service_account':
        group_name = steps['group']['sam_account_name'] or steps['group']['name']
        return dict(args, allowed_to_retrieve_password=None if group['sid'] is None else {'set': [group_name]})
    if field == 'credential_spec' and gmsa['sid'] is None:
        try:
            CredentialSpecAction.parsed_options(args)
        except ADInputError as exc:
            raise named_in('credential_spec', exc) from exc
        return None
    return args


STEP_ACTIONS = {
    'portable_user': PortableUserAction,
    'group': GroupAction,
    'service_account': ServiceAccountAction,
    'credential_spec': CredentialSpecAction,
}


def run_step(field, args, directory, check_mode, diff_mode):
    try:
        return STEP_ACTIONS[field].as_step(check_mode, diff_mode).run_ad(directory, args)
    except ADInputError as exc:
        if field == 'service_account':
            raise  # its options are this module's own top-level ones, named alike
        raise named_in(field, exc) from exc


def named_in(field, error):
    """``error`` of a step, its option named as the user wrote it: inside ``field`` of this module."""
    message = str(error)
    return ADInputError(('%s.%s' if re.match(r'^[\w.\[\]]+: ', message) else '%s: %s') % (field, message))


def undo(directory, made, failure):
    """Remove, newest first, what this run created before ``failure``; the message says what happened."""
    removed, left = [], []
    for dn in reversed(made):
        try:
            directory.delete(dn)
            removed.append(dn)
        except ADError:
            left.append(dn)
    message = str(failure)
    if removed:
        message += '; removed again what this task had made: %s' % ', '.join(removed)
    if left:
        message += '; could not remove what this task had made, remove it by hand: %s' % ', '.join(left)
    return message


def labelled_diff(field, diff):
    """One entry of the task's diff list, headed by the step it belongs to."""
    if 'before_header' in diff:
        return diff
    return dict(diff, before_header=field, after_header=field)
