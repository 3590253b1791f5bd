"""``path`` moves an existing group or user as it moves a gMSA: check mode writes nothing, the object then ends
in the new OU (read back with ldbsearch), a second run changes nothing."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from harness import assert_nothing_written, assert_one_clean_line, filter_value

pytestmark = pytest.mark.lab

OURS = ('grpt-mv', 'usrt-mv')


def task(module, **options):
    body = textwrap.indent(json.dumps(options, ensure_ascii=False, indent=2), '    ')
    return '- wincontainers.gmsa.%s:\n%s\n  register: out\n' % (module, body)


def dn_of(lab, sam):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(sam), ['description', 'member'])
    assert len(found) <= 1
    return next(iter(found.items()), (None, None))


@pytest.fixture
def ou(lab):
    """OU=grpt-mv-ou, made with ldbadd (not by the code under test); it and every object of this test are
    deleted before and after."""
    dn = 'OU=grpt-mv-ou,' + lab.domain_dn

    def sweep():
        found = lab.ldbsearch(lab.domain_dn, '(|%s)' % ''.join('(sAMAccountName=%s*)' % mark for mark in OURS), ['cn'])
        for entry in list(found) + [dn]:
            subprocess.run(['ldbdel', '-H', lab.sam_ldb, entry], capture_output=True, check=False)
    sweep()
    subprocess.run(['ldbadd', '-H', lab.sam_ldb], input='dn: %s\nobjectClass: organizationalUnit\n' % dn,
                   text=True, check=True, capture_output=True)
    yield dn
    sweep()


@pytest.mark.parametrize('module, sam, create', [
    ('group', 'grpt-mv1', ('group', 'add', 'grpt-mv1', '--description=kept')),
    ('user', 'usrt-mv1', ('user', 'create', 'usrt-mv1', '--random-password', '--description=kept')),
])
def test_path_moves_an_existing_object(run_playbook, lab, ou, module, sam, create):
    lab.samba_tool(*create)
    old_dn, _entry = dn_of(lab, sam)
    assert old_dn.lower() == ('CN=%s,CN=Users,%s' % (sam, lab.domain_dn)).lower()
    new_dn = 'CN=%s,%s' % (sam, ou)

    before = lab.highest_committed_usn()
    run = run_playbook(task(module, name=sam, path=ou), args=('--check', '--diff'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert run.result()['dn'] == new_dn
    assert run.result()['diff']['before']['dn'] == old_dn
    assert run.result()['diff']['after']['dn'] == new_dn
    assert_nothing_written(lab, before, OURS)
    assert dn_of(lab, sam)[0] == old_dn

    run = run_playbook(task(module, name=sam, path=ou))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    dn, entry = dn_of(lab, sam)
    assert dn == new_dn == run.result()['dn']
    assert entry['description'] == ['kept']

    before = lab.highest_committed_usn()
    run = run_playbook(task(module, name=sam, path=ou))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before, OURS)

    # Without path an object stays where it is.
    run = run_playbook(task(module, name=sam, description='changed'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    dn, entry = dn_of(lab, sam)
    assert dn == new_dn and entry['description'] == ['changed']


def test_a_move_and_a_change_in_one_task(run_playbook, lab, ou):
    lab.samba_tool('group', 'add', 'grpt-mv2')
    lab.samba_tool('user', 'create', 'usrt-mv2', '--random-password')
    run = run_playbook(task('group', name='grpt-mv2', path=ou, description='moved', members={'add': ['usrt-mv2']}))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    dn, entry = dn_of(lab, 'grpt-mv2')
    assert dn == 'CN=grpt-mv2,' + ou
    assert entry['description'] == ['moved']
    assert [member.lower() for member in entry['member']] == [('CN=usrt-mv2,CN=Users,' + lab.domain_dn).lower()]


def test_a_path_that_does_not_exist_moves_nothing(run_playbook, lab, ou):
    lab.samba_tool('group', 'add', 'grpt-mv3')
    before = lab.highest_committed_usn()
    run = run_playbook(task('group', name='grpt-mv3', path='OU=grpt-mv-nowhere,' + lab.domain_dn))
    assert_one_clean_line(run, 'path', 'does not exist')
    assert_nothing_written(lab, before, OURS)
    assert dn_of(lab, 'grpt-mv3')[0].lower() == ('CN=grpt-mv3,CN=Users,' + lab.domain_dn).lower()
