"""Blue/green rotation of the portable identity against the lab DC, with stores the tests read themselves: AWS
Secrets Manager in the AWS stand-in (moto's server mode on loopback, not AWS), read with boto3, and the
controller's own store (a plug-in without a store: the active user's password file in gmsa_secret_dir).

At every step of a rotation, and after a run stopped at any step, the credentials in the store log on to the DC
(kinit) and read the gMSA's password with Samba's own client: what ccg.exe does with them. After a rotation the
old password no longer logs on. The ordinary converge never binds as the portable user: the DC records no logon.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from aws_standin import ACCOUNT, REGION, aws_standin, stored
from harness import accounts_flow, current_password, read_managed_password
from lab_dc import REPO

sys.path.insert(0, str(REPO / 'tests' / 'standin'))

pytestmark = pytest.mark.lab

AWS, FILE = 'rotAws01', 'rotFile01'
SECRET_ARN = 'arn:aws:secretsmanager:%s:%s:secret:gmsa/rotaws01-ccg' % (REGION, ACCOUNT)
CUSTOM_GUID = '{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}'
# Each step of a rotation, in order, as the role tags it; a run that skips the later ones stops after a step.
STEPS = ['rotation_password', 'rotation_started', 'rotation_set', 'rotation_prove', 'rotation_deliver',
         'rotation_activate', 'rotation_retire']
LOGON_ATTRIBUTES = ['badPwdCount', 'logonCount', 'lastLogon', 'lastLogonTimestamp']


def sweep(lab):
    for name in (AWS, FILE):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
        lab.samba_tool('group', 'delete', name + 'Hosts', check=False)
        for user in (name + '-ccg', name + '-ccg2'):
            lab.samba_tool('user', 'delete', user, check=False)


@pytest.fixture(scope='module')
def aws_env(lab, tmp_path_factory):
    with aws_standin(lab, tmp_path_factory.mktemp('aws-standin')) as env:
        yield env


APPLICATIONS = {
    AWS: {'name': AWS, 'domain_joined': False, 'portable_user': {'blue_green': True},
          'plugin': {'type': 'aws_ecs', 'credential_arn': SECRET_ARN, 'deliver': True}},
    FILE: {'name': FILE, 'domain_joined': False, 'portable_user': {'blue_green': True},
           'plugin': {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'file'}},
}


@pytest.fixture
def fleet(lab, aws_env, tmp_path, request):
    """The role on ``core`` (the newest unless a test asks, indirectly, for another) over ``names``."""
    core, names = getattr(request, 'param', ('newest', (AWS, FILE)))
    sweep(lab)
    env = dict(lab.connection_env(), **aws_env)
    applications = [APPLICATIONS[name] for name in names]
    inventory = {'all': {'hosts': {'localhost': {'ansible_connection': 'local',
                                                 'ansible_python_interpreter': sys.executable}},
                         'vars': {'gmsa_kds_mode': 'lab', 'gmsa_output_dir': str(tmp_path / 'output'),
                                  'gmsa_secret_dir': str(tmp_path / 'secrets'), 'gmsa_applications': applications,
                                  'gmsa_rotation_grace_minutes': 0}}}
    run = accounts_flow(tmp_path, inventory, core, env)
    run.root, run.env = tmp_path, env
    yield run
    sweep(lab)


def rotate(fleet, application, *args):
    return fleet('rotate.yml', '-e', json.dumps({'gmsa_rotate': [application]}), *args)


def handed_over(application):
    """What an operator adds once the store a plug-in of its own reads holds the proven password."""
    return ('-e', json.dumps({'gmsa_rotation_handed_over': [application]}))


def state(fleet, application):
    path = fleet.root / 'secrets' / ('%s.rotation.json' % application)
    return json.loads(path.read_text()) if path.exists() else {'phase': 'idle', 'active': application + '-ccg'}


def store_credentials(lab, fleet, application):
    """(username, password) where the application's plug-in reads them: the AWS stand-in, or the controller's file of
    the active user."""
    if application == AWS:
        document = json.loads(stored(lab, fleet.env, [SECRET_ARN], [])[SECRET_ARN])
        return document['username'], document['password']
    active = state(fleet, application)['active']
    return active, (fleet.root / 'secrets' / active).read_text().strip()


def logs_on_and_reads_the_gmsa_password(lab, tmp_path, application, username, password):
    lab.kinit('%s@%s' % (username, lab.env['GMSA_LAB_REALM']), password, tmp_path / ('ccache-%s' % username))
    blob = read_managed_password(lab, 'CN=%s,CN=Managed Service Accounts,%s' % (application, lab.domain_dn),
                                 username, password)
    assert len(current_password(blob)) == 256


def can_log_on(lab, tmp_path, username, password):
    """Whether the password gets a TGT: the Kerberos logon ccg.exe's path makes."""
    try:
        lab.kinit('%s@%s' % (username, lab.env['GMSA_LAB_REALM']), password, tmp_path / 'ccache-check')
        return True
    except subprocess.CalledProcessError:
        return False


def binds_over_ldap(lab, username, password):
    """Whether the password binds over LDAP (Samba's client: Kerberos, else NTLM). After a password reset Samba still
    takes the old password over NTLM for a while (its "old password allowed period"); a disabled account it
    refuses at once."""
    bind = subprocess.run(lab.in_lab_net(['ldbsearch', '-H', 'ldap://' + lab.env['GMSA_AD_SERVER'], '-U',
                                          '%s%%%s' % (username, password), '-b', lab.domain_dn, '-s', 'base',
                                          'objectClass']), capture_output=True, text=True, check=False)
    return bind.returncode == 0


def logon_traces(lab, sam):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % sam, LOGON_ATTRIBUTES)
    return next(iter(found.values()))


def members(lab, application):
    group = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%sHosts)' % application, ['member'])
    return sorted(dn.split(',')[0][3:] for dn in next(iter(group.values())).get('member', []))


def uac(lab, sam):
    return int(next(iter(lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % sam,
                                       ['userAccountControl']).values()))['userAccountControl'][0])


def converged(fleet):
    done = fleet('accounts.yml')
    assert done.rc == 0, done.output
    return done


@pytest.mark.parametrize('fleet', [pytest.param(('oldest', (FILE,)), id='oldest')], indirect=True)
def test_a_rotation_on_the_oldest_core(lab, fleet, tmp_path):
    """The oldest ansible-core meta/runtime.yml admits (community.aws needs a newer one: the file store here)."""
    converged(fleet)
    again = converged(fleet)
    assert 'changed=0' in again.stdout.split('PLAY RECAP')[-1], again.stdout
    old_user, old_password = store_credentials(lab, fleet, FILE)
    checked = rotate(fleet, FILE, '--check')
    assert checked.rc == 0 and state(fleet, FILE)['phase'] == 'idle', checked.output
    done = rotate(fleet, FILE)
    assert done.rc == 0 and state(fleet, FILE)['phase'] == 'handover', done.output
    done = rotate(fleet, FILE, *handed_over(FILE))
    assert done.rc == 0 and state(fleet, FILE)['phase'] == 'idle', done.output
    username, password = store_credentials(lab, fleet, FILE)
    assert username != old_user
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, FILE, username, password)
    assert not can_log_on(lab, tmp_path, old_user, old_password)


def test_both_users_are_made_and_the_converge_never_logs_on(lab, fleet, tmp_path):
    checked = fleet('accounts.yml', '--check')
    assert checked.rc == 0, checked.output
    assert stored(lab, fleet.env, [SECRET_ARN], []) == {}, 'check mode wrote to the AWS stand-in'
    converged(fleet)
    for application in (AWS, FILE):
        assert members(lab, application) == [application + '-ccg', application + '-ccg2']
        username, password = store_credentials(lab, fleet, application)
        assert username == application + '-ccg'
        logs_on_and_reads_the_gmsa_password(lab, tmp_path, application, username, password)
    traces = {application: logon_traces(lab, application + '-ccg') for application in (AWS, FILE)}
    for _converge in range(2):
        again = converged(fleet)
        assert 'changed=0' in again.stdout.split('PLAY RECAP')[-1], again.stdout
    # No converge bound as a portable user: the DC recorded no logon and no failed one.
    assert {application: logon_traces(lab, application + '-ccg') for application in (AWS, FILE)} == traces


@pytest.mark.parametrize('application', [AWS, FILE])
def test_a_rotation_hands_over_with_working_credentials_at_every_step(lab, fleet, tmp_path, application):
    converged(fleet)
    old_user, old_password = store_credentials(lab, fleet, application)
    checked = rotate(fleet, application, '--check')
    assert checked.rc == 0, checked.output
    assert state(fleet, application)['phase'] == 'idle'
    assert store_credentials(lab, fleet, application) == (old_user, old_password), 'check mode changed the store'

    # The controller's own store is handed over by the operator. Said from the first run on, it confirms nothing
    # before the new password is proven and announced: the rotation still goes through every phase.
    confirmed = handed_over(application) if application == FILE else ()
    for done_steps in range(1, len(STEPS) + 1):
        # Each run goes one step further than the one before, from where the state file says the rotation is.
        partial = rotate(fleet, application, '--skip-tags', ','.join(STEPS[done_steps:]) or 'none', *confirmed)
        assert partial.rc == 0, partial.output
        username, password = store_credentials(lab, fleet, application)
        logs_on_and_reads_the_gmsa_password(lab, tmp_path, application, username, password)
    assert state(fleet, application)['phase'] == 'idle'
    new_user, new_password = store_credentials(lab, fleet, application)
    assert new_user != old_user and state(fleet, application)['active'] == new_user
    assert not can_log_on(lab, tmp_path, old_user, old_password), 'the old password still logs on'
    assert not (fleet.root / 'secrets' / old_user).exists(), 'the retired password is still kept'
    for run_text in (checked.output, partial.output):
        assert old_password not in run_text and new_password not in run_text


@pytest.mark.parametrize('stop_after', STEPS[:-1])
def test_a_rotation_stopped_after_any_step_is_finished_by_a_re_run(lab, fleet, tmp_path, stop_after):
    converged(fleet)
    old_user, old_password = store_credentials(lab, fleet, AWS)
    stopped = rotate(fleet, AWS, '--skip-tags', ','.join(STEPS[STEPS.index(stop_after) + 1:]))
    assert stopped.rc == 0, stopped.output
    username, password = store_credentials(lab, fleet, AWS)
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, AWS, username, password)
    # An ordinary converge in between keeps a working user in the store.
    converged(fleet)
    username, password = store_credentials(lab, fleet, AWS)
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, AWS, username, password)

    finished = rotate(fleet, AWS)
    assert finished.rc == 0, finished.output
    assert state(fleet, AWS)['phase'] == 'idle'
    new_user, new_password = store_credentials(lab, fleet, AWS)
    assert new_user != old_user
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, AWS, new_user, new_password)
    assert not can_log_on(lab, tmp_path, old_user, old_password)


def test_two_rotations_at_once_interfere_with_neither(lab, fleet, tmp_path):
    converged(fleet)
    old = {application: store_credentials(lab, fleet, application) for application in (AWS, FILE)}
    runs = {}
    threads = [threading.Thread(target=lambda name=name: runs.__setitem__(name, rotate(fleet, name)))
               for name in (AWS, FILE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runs[FILE].rc == 0 and state(fleet, FILE)['phase'] == 'handover', runs[FILE].output
    runs[FILE] = rotate(fleet, FILE, *handed_over(FILE))
    for application in (AWS, FILE):
        assert runs[application].rc == 0, runs[application].output
        assert state(fleet, application)['phase'] == 'idle'
        username, password = store_credentials(lab, fleet, application)
        assert username != old[application][0]
        logs_on_and_reads_the_gmsa_password(lab, tmp_path, application, username, password)
        assert not can_log_on(lab, tmp_path, *old[application])


def test_within_the_grace_period_the_old_user_keeps_working_then_is_disabled(lab, fleet, tmp_path):
    converged(fleet)
    old_user, old_password = store_credentials(lab, fleet, FILE)
    proven = rotate(fleet, FILE)
    assert proven.rc == 0 and state(fleet, FILE)['phase'] == 'handover', proven.output
    waiting = rotate(fleet, FILE, '-e', 'gmsa_rotation_grace_minutes=60', '-e', 'gmsa_rotation_retire=disable',
                     *handed_over(FILE))
    assert waiting.rc == 0, waiting.output
    assert state(fleet, FILE)['phase'] == 'grace' and 'keeps working until a run after' in waiting.stdout
    assert can_log_on(lab, tmp_path, old_user, old_password), 'the old user stopped working within the grace period'
    not_yet = rotate(fleet, FILE, '-e', 'gmsa_rotation_grace_minutes=60', '-e', 'gmsa_rotation_retire=disable')
    assert not_yet.rc == 0 and state(fleet, FILE)['phase'] == 'grace', not_yet.output
    over = rotate(fleet, FILE, '-e', 'gmsa_rotation_retire=disable')
    assert over.rc == 0, over.output
    assert state(fleet, FILE)['phase'] == 'idle'
    assert uac(lab, old_user) & 0x2, 'the user that was active is not disabled'
    assert not binds_over_ldap(lab, old_user, old_password), 'the disabled user still binds'
    # The next rotation brings it back with a new password.
    assert rotate(fleet, FILE).rc == 0
    back = rotate(fleet, FILE, *handed_over(FILE))
    assert back.rc == 0, back.output
    username, password = store_credentials(lab, fleet, FILE)
    assert username == old_user and not uac(lab, old_user) & 0x2
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, FILE, username, password)


def test_a_password_nobody_confirmed_handed_over_retires_nothing(lab, fleet, tmp_path):
    """A plug-in whose store the collection does not write (type: custom): the operator hands the password over."""
    converged(fleet)
    old_user, old_password = store_credentials(lab, fleet, FILE)
    # A name left in the variables confirms nothing that was not proven and announced first.
    proven = rotate(fleet, FILE, *handed_over(FILE))
    assert proven.rc == 0, proven.output
    waiting = state(fleet, FILE)
    target = waiting['target']
    assert waiting['phase'] == 'handover' and waiting['active'] == old_user and target != old_user
    shown = proven.stdout.replace('\\\\', '\\')   # the message as the default callback's JSON escapes it
    assert ("hand the credentials of GMSA\\%s over to the plug-in's store yourself; the password is in %s"
            % (target, fleet.root / 'secrets' / target)) in shown
    assert '-e gmsa_rotation_handed_over=%s' % FILE in proven.stdout
    # The new password is proven, and kept on the controller for the hand-over.
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, FILE, target, (fleet.root / 'secrets' / target).read_text().strip())
    # Runs that are not told it is done change nothing: the old user stays active and working.
    for _run in range(2):
        again = rotate(fleet, FILE)
        assert again.rc == 0 and state(fleet, FILE) == waiting, again.output
        assert 'waiting for %s' % target in again.stdout
    assert can_log_on(lab, tmp_path, old_user, old_password)

    done = rotate(fleet, FILE, *handed_over(FILE))
    assert done.rc == 0, done.output
    assert state(fleet, FILE)['phase'] == 'idle' and state(fleet, FILE)['active'] == target
    assert not can_log_on(lab, tmp_path, old_user, old_password)


@pytest.mark.parametrize('emptied', [False, True], ids=['missing', 'empty'])
def test_a_rotation_never_makes_up_the_password_it_lost(lab, fleet, tmp_path, emptied):
    converged(fleet)
    old_user, old_password = store_credentials(lab, fleet, AWS)
    # Stopped once the new password is kept and the rotation recorded as started; then the file is lost.
    started = rotate(fleet, AWS, '--skip-tags', ','.join(STEPS[2:]))
    assert started.rc == 0 and state(fleet, AWS)['phase'] == 'new_password', started.output
    target = state(fleet, AWS)['target']
    kept = fleet.root / 'secrets' / target
    kept.write_text('') if emptied else kept.unlink()
    recorded = state(fleet, AWS)
    password_set = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % target, ['pwdLastSet'])

    stopped = rotate(fleet, AWS)
    assert stopped.rc != 0 and 'Traceback' not in stopped.output
    failed = [line for line in stopped.stdout.splitlines() if line.startswith('fatal:')]
    message = json.loads(failed[0].split(' => ', 1)[1])['msg']
    assert '\n' not in message.strip()
    assert 'the password file %s of %s is missing or empty' % (kept, target) in message
    assert 'the rotation goes on from where it is (new_password)' in message
    # Nothing was made up: the phase, the target's password in AD and the store are as they were.
    assert state(fleet, AWS) == recorded
    assert lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % target, ['pwdLastSet']) == password_set
    assert store_credentials(lab, fleet, AWS) == (old_user, old_password)
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, AWS, old_user, old_password)
