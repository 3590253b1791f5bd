"""microsoft.ad's option names: ``identity`` finds an existing group, user or gMSA by its sAMAccountName, DN,
SID, GUID or UPN; ``spn`` is an alias of ``spns``. Every result is read back with Samba's own tools."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from harness import assert_nothing_written, assert_one_clean_line, filter_value

pytestmark = pytest.mark.lab

OURS = ('grpt-idn', 'usrt-idn', 'satidn')
GMSAS = ('satidn1', 'satidn2')


def task(module, **options):
    body = textwrap.indent(json.dumps(options, ensure_ascii=False, indent=2), '    ')
    return '- wincontainers.gmsa.%s:\n%s\n  register: out\n' % (module, body)


def entry(lab, sam, attributes=('cn', 'description', 'objectSid', 'objectGUID', 'servicePrincipalName')):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(sam), list(attributes))
    assert len(found) <= 1
    return next(iter(found.items()), (None, None))


@pytest.fixture
def cleanup(lab):
    def sweep():
        found = lab.ldbsearch(lab.domain_dn, '(|%s)' % ''.join('(sAMAccountName=%s*)' % mark for mark in OURS), ['cn'])
        for dn in found:
            subprocess.run(['ldbdel', '-H', lab.sam_ldb, dn], capture_output=True, check=False)
    sweep()
    yield
    sweep()


@pytest.fixture
def group(lab, cleanup):
    lab.samba_tool('group', 'add', 'grpt-idn1', '--description=before')
    return entry(lab, 'grpt-idn1')


@pytest.fixture
def user(lab, cleanup):
    lab.samba_tool('user', 'create', 'usrt-idn1', '--random-password')
    return entry(lab, 'usrt-idn1')


@pytest.mark.parametrize('how', ['sAMAccountName', 'dn', 'objectSid', 'objectGUID'])
def test_identity_finds_the_group_however_it_is_given(run_playbook, lab, group, how):
    dn, attributes = group
    identity = {'sAMAccountName': 'grpt-idn1', 'dn': dn}.get(how) or attributes[how][0]
    run = run_playbook(task('group', identity=identity, description='after'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert run.result()['dn'] == dn
    assert entry(lab, 'grpt-idn1')[1]['description'] == ['after']
    assert entry(lab, 'grpt-idn1')[0] == dn  # neither moved nor renamed

    before = lab.highest_committed_usn()
    run = run_playbook(task('group', identity=identity, description='after'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before, OURS)


def test_identity_in_check_mode_writes_nothing(run_playbook, lab, group):
    dn, attributes = group
    before = lab.highest_committed_usn()
    run = run_playbook(task('group', identity=attributes['objectSid'][0], description='after'), args=('--check',))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert_nothing_written(lab, before, OURS)
    assert entry(lab, 'grpt-idn1')[1]['description'] == ['before']


def test_identity_of_another_kind_of_object_is_refused(run_playbook, lab, group, user):
    before = lab.highest_committed_usn()
    run = run_playbook(task('group', identity=user[1]['objectSid'][0], description='after'))
    assert_one_clean_line(run, 'identity', 'user', user[0], 'not a group')
    assert_nothing_written(lab, before, OURS)


def test_identity_and_a_different_name_is_refused(run_playbook, lab, group):
    before = lab.highest_committed_usn()
    run = run_playbook(task('group', identity=group[0], name='grpt-idn-other'))
    assert_one_clean_line(run, 'name', 'grpt-idn1', 'renaming is not supported')
    assert_nothing_written(lab, before, OURS)


def test_an_identity_alone_that_finds_nothing(run_playbook, lab, cleanup):
    run = run_playbook(task('group', identity='grpt-idn-missing'))
    assert_one_clean_line(run, 'identity', 'give name to create one')
    run = run_playbook(task('group', identity='grpt-idn-missing', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output


def test_neither_name_nor_identity_is_refused(run_playbook, lab, cleanup):
    run = run_playbook(task('group', description='x'))
    assert_one_clean_line(run, 'name', 'identity')


def test_identity_by_upn_finds_the_user_and_absent_removes_it(run_playbook, lab, user):
    dn, _attributes = user
    run = run_playbook(task('user', identity='usrt-idn1@gmsa.test', description='portable'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert run.result()['dn'] == dn
    assert entry(lab, 'usrt-idn1')[1]['description'] == ['portable']
    run = run_playbook(task('user', identity=dn, state='absent'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert entry(lab, 'usrt-idn1') == (None, None)


def test_spn_is_an_alias_of_spns_and_identity_finds_the_gmsa(run_playbook, lab, cleanup):
    run = run_playbook(task('service_account', name='satidn1', spn={'add': ['http/satidn1.gmsa.test']}))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    dn, attributes = entry(lab, 'satidn1$')
    assert sorted(attributes['servicePrincipalName']) == sorted(
        ['host/satidn1', 'host/satidn1.gmsa.test', 'http/satidn1.gmsa.test'])

    for identity in (attributes['objectGUID'][0], 'satidn1', dn):
        before = lab.highest_committed_usn()
        run = run_playbook(task('service_account', identity=identity, spn={'add': ['http/satidn1.gmsa.test']}))
        assert run.rc == 0 and run.result()['changed'] is False, run.output
        assert run.result()['dn'] == dn
        assert_nothing_written(lab, before, OURS)

    run = run_playbook(task('service_account', identity=attributes['objectSid'][0], spn={'remove': ['http/satidn1.gmsa.test']},
                            description='found by SID'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    _dn, attributes = entry(lab, 'satidn1$')
    assert attributes['description'] == ['found by SID']
    assert 'http/satidn1.gmsa.test' not in attributes['servicePrincipalName']


def test_spn_in_the_application(run_playbook, lab, cleanup):
    run = run_playbook(task('application', name='satidn2', spn={'add': ['http/satidn2.gmsa.test']},
                            group={'name': 'grpt-idn-app'}))
    assert run.rc == 0, run.output
    _dn, attributes = entry(lab, 'satidn2$')
    assert 'http/satidn2.gmsa.test' in attributes['servicePrincipalName']
