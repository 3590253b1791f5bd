"""wincontainers.gmsa.application against the lab DC: one application's portable user, group, gMSA and
credential spec made together, all or nothing, the result read back with Samba's own tools."""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import assert_nothing_written, assert_one_clean_line, filter_value, written_since

pytestmark = pytest.mark.lab

PASSWORD = 'Appt-Sentinel-Pw-9q!'          # the portable user's; must never be printed
OPERATOR_PASSWORD = 'Appt-Operator-Pw-4k!'  # an Account Operator's: may make groups and users, not gMSAs
NORMAL_ACCOUNT, DONT_EXPIRE_PASSWORD = 0x200, 0x10000
OURS = ('appt',)


@pytest.fixture
def cleanup(lab):
    """Deletes every appt object, before and after each test."""
    def sweep():
        for dn in lab.ldbsearch(lab.domain_dn, '(|(sAMAccountName=appt*)(cn=appt*))', ['cn']):
            subprocess.run(['ldbdel', '-H', lab.sam_ldb, dn], capture_output=True, check=False)
    sweep()
    lab.samba_tool('computer', 'create', 'appt-host1')
    yield
    sweep()


def application_task(tmp_path, name='apptWeb01', spns='[http/apptweb01.gmsa.test]', members='[appt-host1$]',
                     portable_user=True, dest=None):
    user = ('    portable_user: {name: %s-ccg, password: "%s", update_password: always}\n' % (name, PASSWORD)
            if portable_user else '')
    return ('- wincontainers.gmsa.application:\n'
            '    name: %s\n'
            '    spns: {set: %s}\n'
            '    group: {name: %s Authorized Hosts, sam_account_name: %sHosts, members: {set: %s}}\n'
            '%s'
            '    credential_spec:\n'
            '      dest: %s/%s.json\n'
            '      host_account_config: {plugin_guid: "{E4781092-F116-4B79-B55E-28EB6A224E26}", plugin_input: "x:%s"}\n'
            '  register: out\n') % (name, spns, name, name, members, user, dest or tmp_path, name.lower(), name.lower())


def entry_of(lab, sam, attributes=('objectSid',)):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(sam), list(attributes))
    return next(iter(found.items()), (None, None))


def assert_none_of_ours(lab):
    assert lab.ldbsearch(lab.domain_dn, '(&(sAMAccountName=appt*)(!(sAMAccountName=appt-host1$)))', ['cn']) == {}


def test_check_mode_shows_every_part_and_writes_nothing(run_playbook, lab, cleanup, tmp_path):
    before = lab.highest_committed_usn()
    run = run_playbook(application_task(tmp_path), args=['--check', '--diff'])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True
    assert [diff['before_header'] for diff in result['diff']] == ['portable_user', 'group', 'service_account']
    assert result['group']['sid'] is None and result['service_account']['sid'] is None
    # The gMSA would be created: no credential spec yet, and no file.
    assert result['credential_spec'] is None and not (tmp_path / 'apptweb01.json').exists()
    assert PASSWORD not in run.output
    assert_nothing_written(lab, before, OURS)
    assert_none_of_ours(lab)


def test_makes_every_part_and_a_second_run_changes_nothing(run_playbook, lab, cleanup, tmp_path):
    before = lab.highest_committed_usn()
    run = run_playbook(application_task(tmp_path), args=['--diff'])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True and PASSWORD not in run.output

    user_dn, user = entry_of(lab, 'apptWeb01-ccg', ['objectSid', 'userAccountControl'])
    group_dn, group = entry_of(lab, 'apptWeb01Hosts', ['objectSid', 'member'])
    gmsa_dn, gmsa = entry_of(lab, 'apptWeb01$', ['objectSid', 'servicePrincipalName', 'msDS-GroupMSAMembership'])
    host_dn, _host = entry_of(lab, 'appt-host1$')
    assert int(user['userAccountControl'][0]) & (NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD) == NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
    assert sorted(group['member']) == sorted([user_dn, host_dn])
    assert 'http/apptweb01.gmsa.test' in gmsa['servicePrincipalName']
    # Only the group may read the password.
    assert gmsa['msDS-GroupMSAMembership'] == ['O:BAD:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s)' % group['objectSid'][0]]
    assert {user_dn, group_dn, gmsa_dn} <= set(written_since(lab, before))
    assert (result['portable_user']['dn'], result['group']['dn'], result['service_account']['dn']) == (
        user_dn, group_dn, gmsa_dn)

    spec = json.loads((tmp_path / 'apptweb01.json').read_text())
    assert spec['ActiveDirectoryConfig']['GroupManagedServiceAccounts'][0]['Name'] == 'apptWeb01'
    assert spec['ActiveDirectoryConfig']['HostAccountConfig']['PluginInput'] == 'x:apptweb01'
    assert result['credential_spec']['dest'] == str(tmp_path / 'apptweb01.json')

    again = run_playbook(application_task(tmp_path))
    assert again.rc == 0 and again.result()['changed'] is False, again.output
    assert again.result()['portable_user']['password_changed'] is False
    # That run compared the password with a logon, which the DC records once (lastLogonTimestamp); from then on
    # a run that changes nothing writes nothing.
    before = lab.highest_committed_usn()
    again = run_playbook(application_task(tmp_path))
    assert again.rc == 0 and again.result()['changed'] is False, again.output
    assert_nothing_written(lab, before, OURS)


def test_a_run_that_changes_nothing_reads_each_account_once(run_playbook, cleanup, tmp_path):
    """The gMSA's password reader is the group the item read just before, and the credential spec's account the gMSA
    it read: neither is searched again. The second item's operations are one item's, without the connection's."""
    tasks = ('- wincontainers.gmsa.application:\n'
             '    name: "{{ item }}"\n'
             '    group: {name: "{{ item }} Authorized Hosts", sam_account_name: "{{ item }}Hosts"}\n'
             '    credential_spec: {dest: "%s/{{ item }}.json"}\n'
             '  loop: [apptA, apptB]\n') % tmp_path
    assert run_playbook(tasks).rc == 0
    usage_log = tmp_path / 'usage.jsonl'
    again = run_playbook(tasks, extra_env={'GMSA_AD_USAGE_LOG': str(usage_log)})
    assert again.rc == 0 and again.result()['changed'] is False, again.output
    first, second = [json.loads(line)['operations'] for line in usage_log.read_text().splitlines()]
    assert second - first == 2  # the group, then the gMSA


@pytest.mark.parametrize('case, options, expected', [
    ('an SPN another account holds', dict(spns='[HOST/dc1.gmsa.test]'), 'spns: HOST/dc1.gmsa.test is already held'),
    ('a member that does not exist', dict(members='[appt-nohost$]'), 'group.members'),
    ('a credential spec file that cannot be written', dict(dest='/etc/hostname/specs'),
     'credential_spec.dest: cannot write /etc/hostname/specs/apptweb01.json: /etc/hostname is a file, not a folder'),
])
def test_bad_input_in_a_later_part_fails_before_anything_is_made(
        run_playbook, lab, cleanup, tmp_path, case, options, expected):
    before = lab.highest_committed_usn()
    run = run_playbook(application_task(tmp_path, **options))
    assert_one_clean_line(run, expected)
    assert PASSWORD not in run.output
    assert_nothing_written(lab, before, OURS)
    assert_none_of_ours(lab)


@pytest.fixture
def account_operator(lab, cleanup):
    """A delegated account: Account Operators may create groups and users, but not gMSAs."""
    lab.samba_tool('user', 'create', 'appt-operator', OPERATOR_PASSWORD)
    lab.samba_tool('group', 'addmembers', 'Account Operators', 'appt-operator')
    yield {'GMSA_AD_USERNAME': 'appt-operator@%s' % lab.env['GMSA_LAB_REALM'], 'GMSA_AD_PASSWORD': OPERATOR_PASSWORD}
    lab.samba_tool('group', 'removemembers', 'Account Operators', 'appt-operator', check=False)


def test_a_refusal_after_the_group_is_made_removes_what_the_task_made(run_playbook, lab, account_operator, tmp_path):
    run = run_playbook(application_task(tmp_path), extra_env=account_operator)
    message = assert_one_clean_line(run, 'removed again what this task had made')
    assert 'apptWeb01 Authorized Hosts' in message and 'apptWeb01-ccg' in message
    assert PASSWORD not in run.output and OPERATOR_PASSWORD not in run.output
    # No group without its gMSA, no portable user without its group.
    assert entry_of(lab, 'apptWeb01Hosts')[0] is None
    assert entry_of(lab, 'apptWeb01-ccg')[0] is None
    assert entry_of(lab, 'apptWeb01$')[0] is None
