"""wincontainers.gmsa.group against the lab DC, the result read back with Samba's own tools."""

from __future__ import annotations

import subprocess
import threading

import pytest

from harness import playbook_runner
from harness import assert_nothing_written, assert_one_clean_line, decoded, filter_value, written_since

pytestmark = pytest.mark.lab

DOMAIN_LOCAL, GLOBAL, UNIVERSAL = '-2147483644', '-2147483646', '-2147483640'


@pytest.fixture
def cleanup(lab):
    """Deletes every grpt group and computer this test made, before and after it."""
    def sweep():
        for dn, attributes in lab.ldbsearch(lab.domain_dn, '(|(sAMAccountName=grpt*)(cn=grpt*))',
                                            ['sAMAccountName', 'objectClass']).items():
            if 'group' in attributes.get('objectClass', []) or 'computer' in attributes.get('objectClass', []):
                subprocess.run(['ldbdel', '-H', lab.sam_ldb, dn], capture_output=True, check=False)
    sweep()
    yield
    sweep()


@pytest.fixture
def computer(lab, cleanup):
    lab.samba_tool('computer', 'create', 'grpt-cmp1')
    return 'CN=grpt-cmp1,CN=Computers,' + lab.domain_dn


@pytest.fixture
def member_user(lab):
    """A user with a UPN (samba-tool gives it name@dns domain)."""
    lab.samba_tool('user', 'delete', 'usrt-grpmember', check=False)
    lab.samba_tool('user', 'create', 'usrt-grpmember', '--random-password')
    yield 'CN=usrt-grpmember,CN=Users,' + lab.domain_dn
    lab.samba_tool('user', 'delete', 'usrt-grpmember', check=False)


def group_entry(lab, sam):
    found = lab.ldbsearch(lab.domain_dn, '(&(objectClass=group)(sAMAccountName=%s))' % filter_value(sam),
                          ['groupType', 'member', 'description', 'cn', 'objectSid'])
    return next(iter(found.items()), (None, None))


def group_task(**options):
    lines = ['- wincontainers.gmsa.group:']
    for key, value in options.items():
        lines.append('    %s: %s' % (key, value))
    return '\n'.join(lines) + '\n  register: out\n'


def test_creates_the_group_with_members_given_every_way(run_playbook, lab, computer, member_user):
    admin_sid = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=Administrator)', ['objectSid'])
    admin_sid = next(iter(admin_sid.values()))['objectSid'][0]
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='grpt-hosts', description='"gMSA hosts"',
                                  members='{add: [grpt-cmp1, "%s", usrt-grpmember@gmsa.test, "GMSA\\\\Guest"]}' % admin_sid))
    assert run.rc == 0, run.output
    dn, entry = group_entry(lab, 'grpt-hosts')
    assert dn == 'CN=grpt-hosts,CN=Users,' + lab.domain_dn
    assert entry['groupType'] == [DOMAIN_LOCAL]
    assert entry['description'] == ['gMSA hosts']
    expected = [computer, 'CN=Administrator,CN=Users,' + lab.domain_dn, member_user, 'CN=Guest,CN=Users,' + lab.domain_dn]
    assert sorted(m.lower() for m in entry['member']) == sorted(m.lower() for m in expected)
    assert sorted(run.result()['members']) == sorted(entry['member'])
    assert run.result()['sid'] == entry['objectSid'][0]
    assert dn in written_since(lab, before)


@pytest.fixture
def hosts_group(run_playbook, lab, computer):
    run = run_playbook(group_task(name='grpt-hosts', members='{add: [grpt-cmp1$, Administrator]}'))
    assert run.rc == 0, run.output
    return group_entry(lab, 'grpt-hosts')[0]


def test_second_run_changes_and_writes_nothing(run_playbook, lab, hosts_group):
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='grpt-hosts', members='{add: [grpt-cmp1, administrator]}'))
    assert run.rc == 0, run.output
    assert run.result()['changed'] is False
    assert_nothing_written(lab, before)


def test_check_mode_reports_and_writes_nothing(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='grpt-check', members='{add: [Administrator]}'), args=('--check', '--diff'))
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    assert run.result()['diff']['after']['members'] == ['CN=Administrator,CN=Users,' + lab.domain_dn]
    assert group_entry(lab, 'grpt-check') == (None, None)
    assert_nothing_written(lab, before)


def test_diff_shows_members_and_scope_before_and_after(run_playbook, lab, hosts_group, computer):
    run = run_playbook(group_task(name='grpt-hosts', scope='universal', members='{remove: [Administrator]}'),
                       args=('--diff',))
    assert run.rc == 0, run.output
    diff = run.result()['diff']
    assert diff['before']['scope'] == 'domain_local' and diff['after']['scope'] == 'universal'
    assert len(diff['before']['members']) == 2
    assert [m.lower() for m in diff['after']['members']] == [computer.lower()]
    entry = group_entry(lab, 'grpt-hosts')[1]
    assert entry['groupType'] == [UNIVERSAL]
    assert [m.lower() for m in entry['member']] == [computer.lower()]


def test_set_replaces_the_members_value_by_value(run_playbook, lab, hosts_group):
    lab.samba_tool('group', 'addmembers', 'grpt-hosts', 'Guest')
    run = run_playbook(group_task(name='grpt-hosts', members='{set: [Guest]}'))
    assert run.rc == 0, run.output
    assert group_entry(lab, 'grpt-hosts')[1]['member'] == ['CN=Guest,CN=Users,' + lab.domain_dn]
    run = run_playbook(group_task(name='grpt-hosts', members='{set: []}'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert 'member' not in group_entry(lab, 'grpt-hosts')[1]


def test_members_added_by_others_meanwhile_stay(run_playbook, lab, hosts_group):
    lab.samba_tool('group', 'addmembers', 'grpt-hosts', 'Guest')
    run = run_playbook(group_task(name='grpt-hosts', members='{add: [krbtgt], remove: [Administrator]}'))
    assert run.rc == 0, run.output
    members = sorted(m.split(',')[0] for m in group_entry(lab, 'grpt-hosts')[1]['member'])
    assert members == ['CN=Guest', 'CN=grpt-cmp1', 'CN=krbtgt']


def test_two_runs_adding_different_members_at_once_both_keep_theirs(lab, hosts_group, tmp_path):
    """Two playbooks race on the same group; a whole-list rewrite would lose one side's members."""
    names = [['Guest', 'krbtgt'], ['Administrator', 'grpt-cmp1$']]
    lab.samba_tool('group', 'removemembers', 'grpt-hosts', 'Administrator,grpt-cmp1$')
    runs = []

    def run(index):
        directory = tmp_path / str(index)
        directory.mkdir()
        tasks = ''.join(group_task(name='grpt-hosts', members='{add: [%s]}' % name) for name in names[index])
        runs.append(playbook_runner(lab, directory)(tasks * 3))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(done.rc == 0 for done in runs), [done.output for done in runs]
    members = sorted(m.split(',')[0].lower() for m in group_entry(lab, 'grpt-hosts')[1]['member'])
    assert members == ['cn=administrator', 'cn=grpt-cmp1', 'cn=guest', 'cn=krbtgt']


def test_scope_global_to_domain_local_goes_through_universal(run_playbook, lab, cleanup):
    run = run_playbook(group_task(name='grpt-scope', scope='global'))
    assert run.rc == 0, run.output
    assert group_entry(lab, 'grpt-scope')[1]['groupType'] == [GLOBAL]
    run = run_playbook(group_task(name='grpt-scope', scope='domain_local'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert group_entry(lab, 'grpt-scope')[1]['groupType'] == [DOMAIN_LOCAL]
    run = run_playbook(group_task(name='grpt-scope', scope='global'))
    assert run.rc == 0, run.output
    assert group_entry(lab, 'grpt-scope')[1]['groupType'] == [GLOBAL]


def test_unknown_member_fails_naming_it_before_anything_is_written(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='grpt-unknown', members='{add: [Administrator, grpt-nobody-here]}'))
    assert_one_clean_line(run, 'members', "'grpt-nobody-here'")
    assert group_entry(lab, 'grpt-unknown') == (None, None)
    assert_nothing_written(lab, before)


def test_member_both_added_and_removed_fails(run_playbook, lab, computer):
    run = run_playbook(group_task(name='grpt-both', members='{add: [grpt-cmp1], remove: [grpt-cmp1$]}'))
    assert_one_clean_line(run, 'members', 'both add and remove')
    assert group_entry(lab, 'grpt-both') == (None, None)


def test_set_with_add_is_refused(run_playbook, lab, cleanup):
    run = run_playbook(group_task(name='grpt-both', members='{add: [Guest], set: [Guest]}'))
    assert_one_clean_line(run, 'mutually exclusive', 'set')


def test_special_characters_in_the_name(run_playbook, lab, cleanup):
    name = 'grpt, a+b "#*()\\ é;<>='
    tasks = '''- wincontainers.gmsa.group:
    name: '%s'
    sam_account_name: "grpt-spé#()"
    members: {add: ["grpt-spé#()-nobody"]}
  ignore_errors: true
- wincontainers.gmsa.group:
    name: '%s'
    sam_account_name: "grpt-spé#()"
    description: "ünïcode * (x)"
  register: created
- wincontainers.gmsa.group:
    name: '%s'
    sam_account_name: "grpt-spé#()"
    description: "ünïcode * (x)"
''' % (name, name, name)
    run = run_playbook(tasks)
    assert run.rc == 0, run.output
    assert "'grpt-spé#()-nobody'" in run.result(0)['msg']
    assert run.result(1)['changed'] is True and run.result(2)['changed'] is False
    assert decoded(lab, 'grpt-spé#()', 'cn') == name
    assert decoded(lab, 'grpt-spé#()', 'description') == 'ünïcode * (x)'


def test_a_sam_account_name_with_forbidden_characters_is_refused(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='"grpt a,b"'))
    assert_one_clean_line(run, 'name:', 'sam_account_name')
    assert_nothing_written(lab, before)


def test_a_name_held_by_a_user_is_refused(run_playbook, lab, cleanup):
    run = run_playbook(group_task(name='Administrator'))
    assert_one_clean_line(run, 'sam_account_name', 'user', 'not to a group')


def test_a_path_that_does_not_exist_is_refused(run_playbook, lab, cleanup):
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='grpt-nopath', path='"OU=grpt-missing,%s"' % lab.domain_dn))
    assert_one_clean_line(run, 'path', 'does not exist')
    assert_nothing_written(lab, before)


def test_an_existing_group_elsewhere_is_moved(run_playbook, lab, hosts_group):
    run = run_playbook(group_task(name='grpt-hosts', path='"CN=Computers,%s"' % lab.domain_dn))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert group_entry(lab, 'grpt-hosts')[0] == 'CN=grpt-hosts,CN=Computers,' + lab.domain_dn == run.result()['dn']


def test_absent_removes_the_group_and_then_does_nothing(run_playbook, lab, hosts_group):
    run = run_playbook(group_task(name='grpt-hosts', state='absent'), args=('--check',))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert group_entry(lab, 'grpt-hosts')[0] == hosts_group
    run = run_playbook(group_task(name='grpt-hosts', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert group_entry(lab, 'grpt-hosts') == (None, None)
    before = lab.highest_committed_usn()
    run = run_playbook(group_task(name='grpt-hosts', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before)
