"""wincontainers.gmsa.user against the lab DC: the account read back with Samba's tools, the password
proven by a Kerberos logon, and never seen in any output."""

from __future__ import annotations

import stat
import subprocess

import pytest

from harness import assert_one_clean_line
from harness import assert_nothing_written, decoded, filter_value, written_since

pytestmark = pytest.mark.lab

SENTINEL = 'Sentinel-Pw-7731!qZ'
SENTINEL_2 = 'Sentinel-Pw-8842!qZ'
UF_DISABLED, UF_DONT_EXPIRE = 0x2, 0x10000


@pytest.fixture
def cleanup(lab):
    def sweep():
        for dn in lab.ldbsearch(lab.domain_dn, '(&(objectClass=user)(sAMAccountName=usrt*))', ['dn']):
            subprocess.run(['ldbdel', '-H', lab.sam_ldb, dn], capture_output=True, check=False)
    sweep()
    yield
    sweep()


def user_entry(lab, sam):
    found = lab.ldbsearch(lab.domain_dn, '(&(objectClass=user)(sAMAccountName=%s))' % filter_value(sam),
                          ['userAccountControl', 'userPrincipalName', 'description', 'objectSid'])
    return next(iter(found.items()), (None, None))


def user_task(**options):
    lines = ['- wincontainers.gmsa.user:']
    lines.extend('    %s: %s' % (key, value) for key, value in options.items())
    return '\n'.join(lines) + '\n  register: out\n'


def can_log_on(lab, principal, password, tmp_path):
    try:
        lab.kinit(principal, password, tmp_path / 'ccache')
        return True
    except subprocess.CalledProcessError:
        return False


@pytest.fixture
def portable(run_playbook, lab, cleanup):
    run = run_playbook(user_task(name='usrt-portable', password='"%s"' % SENTINEL, password_never_expires='true'))
    assert run.rc == 0, run.output
    return run


def test_creates_an_enabled_user_whose_password_works(portable, lab, tmp_path):
    dn, entry = user_entry(lab, 'usrt-portable')
    assert dn == 'CN=usrt-portable,CN=Users,' + lab.domain_dn
    assert int(entry['userAccountControl'][0]) == 0x200 | UF_DONT_EXPIRE
    assert entry['userPrincipalName'] == ['usrt-portable@gmsa.test']
    result = portable.result()
    assert (result['dn'], result['sid'], result['upn']) == (dn, entry['objectSid'][0], 'usrt-portable@gmsa.test')
    assert can_log_on(lab, 'usrt-portable@' + lab.env['GMSA_LAB_REALM'], SENTINEL, tmp_path)


def test_the_password_appears_nowhere_in_the_output(run_playbook, lab, cleanup):
    tasks = (user_task(name='usrt-secret', password='"%s"' % SENTINEL, description='"portable identity"')
             + user_task(name='usrt-secret', password='"%s"' % SENTINEL_2, update_password='always')
             + user_task(name='usrt-secret', password='"x"', update_password='always') + '  ignore_errors: true\n')
    run = run_playbook(tasks, args=('-vvvv', '--diff'))
    assert run.results[0]['changed'] and run.results[1]['changed'], run.output
    assert 'password policy' in run.results[2]['msg']
    for secret in (SENTINEL, SENTINEL_2, SENTINEL.encode('utf-16-le').hex()):
        assert secret not in run.output
    assert 'password_changed' in run.results[1]['diff']['after']


def test_second_run_changes_and_writes_nothing(portable, run_playbook, lab):
    before = lab.highest_committed_usn()
    run = run_playbook(user_task(name='usrt-portable', password='"another-one-1A!"'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert run.result()['password_changed'] is False
    assert_nothing_written(lab, before)


def test_update_password_always_writes_only_a_different_password(portable, run_playbook, lab, tmp_path):
    same = user_task(name='usrt-portable', password='"%s"' % SENTINEL, update_password='always')
    run = run_playbook(same)
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    # The first logon is recorded by the DC (lastLogonTimestamp); from then on verifying writes nothing.
    before = lab.highest_committed_usn()
    run = run_playbook(same)
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before)
    run = run_playbook(user_task(name='usrt-portable', password='"%s"' % SENTINEL_2, update_password='always'))
    assert run.rc == 0 and run.result()['changed'] is True and run.result()['password_changed'] is True, run.output
    realm = lab.env['GMSA_LAB_REALM']
    assert can_log_on(lab, 'usrt-portable@' + realm, SENTINEL_2, tmp_path)
    assert not can_log_on(lab, 'usrt-portable@' + realm, SENTINEL, tmp_path)


LOGON_ATTRIBUTES = ['badPwdCount', 'logonCount', 'lastLogon', 'lastLogonTimestamp', 'pwdLastSet']


def logon_traces(lab, sam):
    """What the DC records of logons as the user (and when its password was set), read from its database."""
    entry = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % sam, LOGON_ATTRIBUTES)
    return {name: values for name, values in next(iter(entry.values())).items() if name in LOGON_ATTRIBUTES}


def test_update_password_when_changed_never_logs_on(run_playbook, lab, cleanup, tmp_path):
    record = tmp_path / 'secrets' / 'usrt-record.record'
    realm = lab.env['GMSA_LAB_REALM']

    def converge(password, *args):
        run = run_playbook(user_task(name='usrt-record', password='"%s"' % password, update_password='when_changed',
                                     password_record_file=str(record)), args=args)
        assert run.rc == 0, run.output
        return run

    created = converge(SENTINEL)
    assert created.result()['password_changed'] is True
    assert stat.S_IMODE(record.stat().st_mode) == 0o600 and stat.S_IMODE(record.parent.stat().st_mode) == 0o700
    assert SENTINEL not in record.read_text() and 'pwd_last_set' in record.read_text()
    traces = logon_traces(lab, 'usrt-record')
    for _converge in range(3):
        again = converge(SENTINEL)
        assert again.result()['changed'] is False and again.result()['password_changed'] is False, again.output
    checked = converge(SENTINEL_2, '--check')
    assert checked.result()['changed'] is True and checked.result()['password_changed'] is True
    # No bind as the user, so no logon and no failed one: the DC recorded nothing.
    assert logon_traces(lab, 'usrt-record') == traces

    # A new password from the vault is written, without a logon to find out.
    changed = converge(SENTINEL_2)
    assert changed.result()['password_changed'] is True
    after_change = logon_traces(lab, 'usrt-record')
    assert after_change['badPwdCount'] == traces['badPwdCount'] and after_change['pwdLastSet'] != traces['pwdLastSet']
    assert can_log_on(lab, 'usrt-record@' + realm, SENTINEL_2, tmp_path)

    # Someone set another password since: pwdLastSet moved, so the vault's is written again.
    lab.samba_tool('user', 'setpassword', 'usrt-record', '--newpassword=Out-Of-Band-9z!')
    restored = converge(SENTINEL_2)
    assert restored.result()['password_changed'] is True
    assert can_log_on(lab, 'usrt-record@' + realm, SENTINEL_2, tmp_path)
    assert SENTINEL_2 not in record.read_text()
    for run in (created, again, checked, changed, restored):
        assert SENTINEL not in run.output and SENTINEL_2 not in run.output


def test_update_password_always_logs_on_to_compare(portable, run_playbook, lab):
    """What when_changed spares: always logs on as the user, and the DC records that logon."""
    before = logon_traces(lab, 'usrt-portable')
    run = run_playbook(user_task(name='usrt-portable', password='"%s"' % SENTINEL, update_password='always'))
    assert run.rc == 0 and run.result()['password_changed'] is False, run.output
    assert logon_traces(lab, 'usrt-portable') != before


def test_check_mode_creates_nothing(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(user_task(name='usrt-check', password='"%s"' % SENTINEL), args=('--check', '--diff'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert run.result()['diff']['after']['dn'] == 'CN=usrt-check,CN=Users,' + lab.domain_dn
    assert user_entry(lab, 'usrt-check') == (None, None)
    assert_nothing_written(lab, before)


def test_disable_and_change_flags_in_diff(portable, run_playbook, lab):
    run = run_playbook(user_task(name='usrt-portable', enabled='false', password_never_expires='false',
                                 upn='usrt-pi@gmsa.test', description='"ccg identity"'), args=('--diff',))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    diff = run.result()['diff']
    assert (diff['before']['enabled'], diff['after']['enabled']) == (True, False)
    assert (diff['before']['upn'], diff['after']['upn']) == ('usrt-portable@gmsa.test', 'usrt-pi@gmsa.test')
    entry = user_entry(lab, 'usrt-portable')[1]
    assert int(entry['userAccountControl'][0]) == 0x200 | UF_DISABLED
    assert entry['userPrincipalName'] == ['usrt-pi@gmsa.test']
    assert entry['description'] == ['ccg identity']


def test_a_password_the_policy_refuses_leaves_no_user(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(user_task(name='usrt-weak', password='abcdefghij'))
    assert_one_clean_line(run, "password: the domain's password policy refused the password", 'not created')
    assert user_entry(lab, 'usrt-weak') == (None, None)
    assert not [dn for dn in written_since(lab, before) if 'usrt-weak' in dn.lower()]


def test_an_enabled_user_needs_a_password(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(user_task(name='usrt-nopw'))
    assert_one_clean_line(run, 'password: required to create an enabled user')
    assert user_entry(lab, 'usrt-nopw') == (None, None)
    assert_nothing_written(lab, before)
    run = run_playbook(user_task(name='usrt-nopw', enabled='false'))
    assert run.rc == 0, run.output
    assert int(user_entry(lab, 'usrt-nopw')[1]['userAccountControl'][0]) & UF_DISABLED


def test_special_characters_in_the_name(run_playbook, lab, cleanup):
    name = 'usrt, ä+b "#*()\\ ;<>='
    run = run_playbook(user_task(name="'%s'" % name, sam_account_name='"usrt-spä#()"',
                                 password='"%s"' % SENTINEL) * 2)
    assert run.rc == 0, run.output
    assert run.results[0]['changed'] is True and run.results[1]['changed'] is False
    assert decoded(lab, 'usrt-spä#()', 'cn') == name


@pytest.mark.parametrize('options, field', [
    ({'name': 'usrt-abcdefghijklmnopq'}, 'name: '),
    ({'name': 'usrt-x', 'sam_account_name': '"usrt*x"'}, 'sam_account_name'),
    ({'name': 'usrt-x', 'upn': 'no-at-sign'}, 'upn'),
    ({'name': 'usrt-x', 'update_password': 'always'}, 'password'),
    ({'name': 'usrt-x', 'enabled': 'maybe'}, 'enabled'),
])
def test_bad_input_fails_naming_the_field(run_playbook, lab, cleanup, options, field):
    before = lab.highest_committed_usn()
    run = run_playbook(user_task(**options))
    assert_one_clean_line(run, field)
    assert_nothing_written(lab, before)


def test_a_name_held_by_a_group_is_refused(run_playbook, lab, cleanup):
    run = run_playbook(user_task(name='"Domain Users"', sam_account_name='"Domain Users"', enabled='false'))
    assert_one_clean_line(run, 'sam_account_name', 'group', 'not to a user')


def test_absent_removes_the_user_and_then_does_nothing(portable, run_playbook, lab):
    run = run_playbook(user_task(name='usrt-portable', state='absent'), args=('--check',))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert user_entry(lab, 'usrt-portable')[0] is not None
    run = run_playbook(user_task(name='usrt-portable', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert user_entry(lab, 'usrt-portable') == (None, None)
    before = lab.highest_committed_usn()
    run = run_playbook(user_task(name='usrt-portable', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before)
