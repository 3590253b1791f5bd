# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the application module: an application's portable user, group, gMSA and credential spec, all
or nothing. It runs the tasks of the user, group, service_account and credential_spec modules as its steps:
first a rehearsal in check mode, then the steps, and on a failure it undoes what it made.

Many applications in one task (``applications``) are read ahead with a few searches, all rehearsed, then
written one after the other; each is still all or nothing on its own, and one that fails leaves the others
as they are made."""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import READ_AHEAD_ATTRIBUTES, USER
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import read_accounts_ahead
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._host_accounts import (
    check_host_accounts,
    host_accounts,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._user import password_for_enabled
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._password_file import PasswordFile
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import parse_principal, sam_lookup_names
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._credential_spec import (
    CREDENTIAL_SPEC_OPTIONS,
    ensure_credential_spec,
    parsed_options,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._group import GROUP_OPTIONS, ensure_group
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Mode, Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._service_account import (
    SERVICE_ACCOUNT_OPTIONS,
    ensure_service_account,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._user import USER_OPTIONS, ensure_user

# The steps in the order they are made: the group lists the portable user, the gMSA names the group,
# the credential spec names the gMSA.
STEPS = ('portable_user', 'group', 'service_account', 'credential_spec')
ACCOUNTS = STEPS[:3]

# The portable user is a user that is always enabled, so there is no ``enabled: false`` to offer.
PORTABLE_USER = replace(USER, before_write=password_for_enabled(
    'required to create the portable user; give its password (from Ansible Vault or a secret store)'))

# In a result of many applications each credential spec is carried once, as the file's text: Ansible copies and
# tags a result value by value, and the document and its Kubernetes resources would triple it. The resources are
# made again from the text where they are applied (the kubernetes role).
BATCH_CREDENTIAL_SPEC = ('dest', 'file_name', 'json')

# Every part is named: the application makes what is missing, so it has no identity to find objects by.
REQUIRED_NAME = dict(type='str', required=True)
# An application always looks at who owns what it finds (docs/least-privilege.md): its names follow a public rule.
ADOPT_ONLY_OURS = dict(type='bool', default=False)

# Each part's options are those of the module that does that part alone: both check them alike.
ONE_APPLICATION = Options(dict(
    SERVICE_ACCOUNT_OPTIONS.subset('name', 'dns_hostname', 'spns', 'path', 'description', 'adopt', name=REQUIRED_NAME,
                                   adopt=ADOPT_ONLY_OURS),
    group=dict(type='dict', required=True, options=GROUP_OPTIONS.subset(
        'name', 'sam_account_name', 'path', 'scope', 'description', 'members', 'adopt', name=REQUIRED_NAME,
        adopt=ADOPT_ONLY_OURS)),
    portable_user=dict(type='dict', options=USER_OPTIONS.subset(
        'name', 'sam_account_name', 'path', 'password', 'update_password', 'password_record_file', 'description',
        'adopt', name=REQUIRED_NAME, adopt=ADOPT_ONLY_OURS,
        password_file=dict(type='path', no_log=False),
        # An expired password stops every container of the application until the plug-in's secret is updated.
        password_never_expires=dict(type='bool', default=True)), mutually_exclusive=[('password', 'password_file')]),
    # The computer accounts that become members of the group once proven to be the hosts meant (_host_accounts).
    container_hosts=dict(type='list', elements='dict', options=dict(
        computer_account=dict(type='str', required=True),
        dns_hostname=dict(type='str'),
        host=dict(type='str'))),
    host_computer_accounts=dict(type='list', elements='str'),
    credential_spec=dict(type='dict', options=CREDENTIAL_SPEC_OPTIONS.subset(
        'dest', 'additional_accounts', 'host_account_config', 'kubernetes_name')),
))

# One application as the task's own options, or many as the items of ``applications``, each with those options.
APPLICATION_OPTIONS = Options(
    dict({name: dict(spec, required=False) for name, spec in ONE_APPLICATION.spec.items()},
         applications=dict(type='list', elements='dict', options=ONE_APPLICATION.spec)),
    mutually_exclusive=[('applications', name) for name in ONE_APPLICATION.spec],
    required_one_of=[('name', 'applications')],
    required_together=[('name', 'group')],
)


def ensure_application(directory, params, mode):
    """The applications as ``params`` want them: the module's result, one entry per step (of each application,
    with ``applications``)."""
    if params['applications'] is None:
        one = {name: params[name] for name in ONE_APPLICATION.spec}
        steps = step_arguments(one)
        return _result(_ensure_one(directory, steps, mode), mode)
    return ensure_applications(directory, params['applications'], mode)


def _ensure_one(directory, steps, mode):
    # A rehearsal in check mode reads and checks every step before anything is written, so bad input
    # anywhere fails with nothing made; a run that changes nothing ends here.
    rehearsal = _rehearse(directory, steps, mode)
    if mode.check or not _changes(rehearsal):
        return rehearsal
    return _write(directory, steps, mode, rehearsal)


def _rehearse(directory, steps, mode):
    check_host_accounts(directory, steps['host_accounts'])
    return _run_steps(directory, steps, Mode(check=True, diff=mode.diff))


def _changes(results):
    return any(result['changed'] for result in results.values() if result)


def _write(directory, steps, mode, rehearsal):
    if steps['password_file'] is not None:
        steps['password_file'].keep()  # before the user has the password: a later failure loses nothing
    return _run_steps(directory, steps, mode, rehearsal=rehearsal)


# ---------------------------------------------------------------------- many applications
def ensure_applications(directory, applications, mode):
    """Every application of ``applications``: all read ahead, all rehearsed, then the ones that change written one
    after the other. Bad options anywhere fail before anything is read; the result lists each application, with
    what failed and why."""
    _check_unique_names(applications)
    steps = [_application_steps(application, index) for index, application in enumerate(applications)]
    read_ahead(directory, steps)
    outcomes = [_attempt(_rehearse, directory, step, mode) for step in steps]
    if not mode.check:
        outcomes = [_attempt(_write, directory, step, mode, outcome) if _to_write(outcome) else outcome
                    for step, outcome in zip(steps, outcomes)]
    return _batch_result([application['name'] for application in applications], outcomes, mode)


def _check_unique_names(applications):
    seen = set()
    for application in applications:
        key = application['name'].lower()
        if key in seen:
            raise ADInputError('%s is given twice; give each application once' % application['name'], 'applications')
        seen.add(key)


def _application_steps(application, index):
    try:
        return step_arguments(application)
    except ADInputError as exc:
        raise exc.within('applications[%d]' % index) from exc


def _attempt(function, *args):
    """What ``function`` returns, or the failure it raised: one application's failure is its own."""
    try:
        return function(*args)
    except ADError as exc:
        return exc


def _to_write(outcome):
    return not isinstance(outcome, ADError) and _changes(outcome)


def read_ahead(directory, steps):
    """Every account the applications name, read with a few searches instead of some for each application: the
    gMSAs as their find asks (name, name$ and common name), the rest by sAMAccountName, each member and additional
    account by the names a principal's lookup tries."""
    gmsas, accounts = [], []
    for step in steps:
        gmsas.append(step['service_account']['name'])
        for field in ('portable_user', 'group'):
            if step[field] is not None:  # found by their sAMAccountName alone, which defaults to the name
                accounts.append(step[field]['sam_account_name'] or step[field]['name'])
        accounts += [host.computer_account for host in step['host_accounts']]
        members = step['group']['members'] or {}
        wanted = [parse_principal(text, 'members') for text in (members.get('set') or []) + (members.get('add') or [])]
        principals = [item.value for item in wanted if item.kind == 'sam']
        if step['credential_spec']:
            principals += [name for name in step['credential_spec']['additional_accounts'] or [] if isinstance(name, str)]
        accounts += [variant for name in principals for variant in sam_lookup_names(name)]
    read_accounts_ahead(directory, gmsas, READ_AHEAD_ATTRIBUTES, computer_accounts=True, same_common_name=True)
    read_accounts_ahead(directory, accounts, READ_AHEAD_ATTRIBUTES)


def _batch_result(names, outcomes, mode):
    applications, diffs, warnings, failures = [], [], [], []
    for name, outcome in zip(names, outcomes):
        if isinstance(outcome, ADError):
            failures.append('%s: %s' % (name, outcome))
            applications.append({'name': name, 'changed': False, 'failed': True, 'msg': str(outcome)})
            continue
        one = _result(outcome, mode)
        if one['credential_spec']:
            one['credential_spec'] = {key: one['credential_spec'][key] for key in BATCH_CREDENTIAL_SPEC
                                      if key in one['credential_spec']}
        warnings += ['%s: %s' % (name, warning) for warning in one.pop('warnings', [])]
        diffs += [dict(diff, before_header='%s: %s' % (name, diff['before_header']),
                       after_header='%s: %s' % (name, diff['after_header'])) for diff in one.pop('diff', [])]
        applications.append(dict(one, name=name, failed=False))
    result = {'changed': any(item['changed'] for item in applications), 'applications': applications}
    if mode.diff:
        result['diff'] = diffs
    if warnings:
        result['warnings'] = warnings
    if failures:
        result.update(failed=True, msg='%d of %d applications failed, the others are made: %s'
                      % (len(failures), len(names), '; '.join(failures)))
    return result


def _run_steps(directory, steps, mode, rehearsal=None):
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
            results[field] = run_step(field, args, directory, mode)
        except ADError as exc:
            raise ADError(undo(directory, made, exc)) from exc
        if field in ACCOUNTS and rehearsal and rehearsal[field]['sid'] is None:
            made.append(results[field]['dn'])
    return results


def _result(results, mode):
    result = {'changed': any(item['changed'] for item in results.values() if item)}
    warnings = [warning for item in results.values() if item for warning in item.pop('warnings', [])]
    if warnings:
        result['warnings'] = warnings
    diffs = [labelled_diff(field, item.pop('diff')) for field, item in results.items() if item and 'diff' in item]
    if mode.diff:
        result['diff'] = diffs
    for field, item in results.items():
        if item is not None:
            item.pop('changed', None)
        result[field] = item
    return result


# ---------------------------------------------------------------------- the steps' arguments
def step_arguments(params):
    """Each step's own options, checked against the module that does that step alone; the host accounts, checked
    in AD before the group lists them; and the portable user's password file."""
    user = params['portable_user']
    password_file = None
    if user and user['password_file']:
        password_file = PasswordFile.read(user['password_file'], [user['name'], user['sam_account_name']],
                                          'portable_user.password_file')
        user = dict(user, password=password_file.password)
    hosts = host_accounts(params['container_hosts'], params['host_computer_accounts'])
    # The container hosts and the portable identity read the password as members of the group.
    readers = [host.computer_account for host in hosts]
    if user:
        user = {name: value for name, value in user.items() if name != 'password_file'}
        readers.append(user['sam_account_name'] or user['name'])
    group = dict(params['group'], members=with_members(params['group']['members'], readers))
    credential_spec = params['credential_spec']
    return {
        'portable_user': USER_OPTIONS.checked(dict(user, enabled=True), 'portable_user') if user else None,
        'group': GROUP_OPTIONS.checked(group, 'group'),
        'service_account': SERVICE_ACCOUNT_OPTIONS.checked(dict(
            name=params['name'], dns_hostname=params['dns_hostname'], spns=params['spns'], path=params['path'],
            description=params['description'], adopt=params['adopt']), None),
        'credential_spec': CREDENTIAL_SPEC_OPTIONS.checked(
            dict(credential_spec, account=params['name']), 'credential_spec') if credential_spec else None,
        'host_accounts': hosts,
        'password_file': password_file,
    }


def with_members(members, names):
    """The group's ``members`` option with ``names`` added to the list it sets, or else adds."""
    if not names:
        return members
    members = dict(members or {})
    part = 'set' if members.get('set') is not None else 'add'
    members[part] = list(members.get(part) or []) + names
    return members


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
            parsed_options(args)
        except ADInputError as exc:
            raise exc.within('credential_spec') from exc
        return None
    return args


def _ensure_portable_user(directory, params, mode):
    return ensure_user(directory, params, mode, PORTABLE_USER)


STEP_TASKS = {
    'portable_user': _ensure_portable_user,
    'group': ensure_group,
    'service_account': ensure_service_account,
    'credential_spec': ensure_credential_spec,
}


def run_step(field, args, directory, mode):
    try:
        return STEP_TASKS[field](directory, args, mode)
    except ADInputError as exc:
        if field == 'service_account':
            raise  # its options are this module's own top-level ones, named alike
        raise exc.within(field) from exc


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
