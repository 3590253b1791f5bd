"""KDS root keys in a forest of their own: the kds_root_key role in production mode, and the module
for an account that may not see the keys.

Production mode creates a key effective now, which domain controllers use only 10 h 5 min later,
so the role stops and says when. Runs after that, in either mode, find that key and add none: a
forest has one key. An account that may not read the keys sees none of them; it must be refused
before it could create a second one, and be let through once it may list and read them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from forests import LAB_ROOT, record_figure, start_dc
from harness import assert_one_clean_line, playbook_runner
from lab_dc import LabDC

pytestmark = pytest.mark.lab

LAB_DIR = LAB_ROOT / 'gmsa-lab-rel-kds'
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
# Samba starts using a key one key cycle (10 h) after its effective time, plus its 5 minutes of clock skew.
DC_WAIT = timedelta(hours=10, minutes=5)
NON_ADMIN = 'RelKdsUser'
NON_ADMIN_PASSWORD = 'Rel-Kds-User-9a-Pass'

ROLE = '''
- ansible.builtin.include_role:
    name: wincontainers.gmsa.kds_root_key
  vars:
    kds_root_key_mode: %s
'''


@pytest.fixture(scope='module')
def kds_dc():
    # A forest an interrupted run left behind may hold its keys and user: start from a new one.
    LabDC({'GMSA_LAB_DIR': str(LAB_DIR)}).stop(purge=True)
    dc = start_dc(LAB_DIR, 'gmsa-rel-kds')
    yield dc
    dc.stop(purge=True)


# ------------------------------------------------------------ the keys, as the DC's database holds them
def master_root_keys_dn(dc):
    return 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,' + dc.domain_dn


def root_keys(dc):
    """{key id: its effective time (msKds-UseStartTime)} of every key in the forest."""
    entries = dc.ldbsearch(master_root_keys_dn(dc), '(objectClass=msKds-ProvRootKey)', ['cn', 'msKds-UseStartTime'],
                           scope='one')
    return {values['cn'][0]: from_filetime(values['msKds-UseStartTime'][0]) for values in entries.values()}


def delete_every_key(dc):
    for key_id in root_keys(dc):
        dc.samba_tool('domain', 'kds', 'root-key', 'delete', '--name', key_id)
    assert root_keys(dc) == {}


def from_filetime(value):
    return FILETIME_EPOCH + timedelta(microseconds=int(value) // 10)


# ------------------------------------------------------------ production mode
def stop_line(run):
    """The role's stop: one line from its own fail task, naming the key and when it becomes usable."""
    line = assert_one_clean_line(run, 'becomes usable at')
    assert run.result()['action'] == 'ansible.builtin.fail', run.result()
    found = re.search(r'The KDS root key (\S+) becomes usable at (\d{4}-\d\d-\d\dT[\d:.]+Z): ', line)
    assert found, line
    return line, found.group(1), datetime.fromisoformat(found.group(2).replace('Z', '+00:00'))


def module_result(run):
    (result,) = [result for result in run.results if result.get('action') == 'wincontainers.gmsa.kds_root_key']
    return result


def test_production_mode_stops_until_the_key_is_usable_and_no_run_adds_a_second(kds_dc, tmp_path):
    delete_every_key(kds_dc)
    run = playbook_runner(kds_dc, tmp_path)

    started = datetime.now(timezone.utc)
    first = run(ROLE % 'production')
    line, key_id, usable_at = stop_line(first)
    assert module_result(first)['changed'] is True
    keys = root_keys(kds_dc)
    assert list(keys) == [key_id], 'exactly the one key the run names'
    effective = keys[key_id]
    assert started - timedelta(seconds=1) <= effective <= datetime.now(timezone.utc), 'production: effective now'
    assert abs(usable_at - (effective + DC_WAIT)) < timedelta(seconds=1), (usable_at, effective)

    # Later runs, in production mode and in lab mode, find the pending key: nothing written, the same stop.
    usn = kds_dc.highest_committed_usn()
    for mode in ('production', 'lab'):
        again = run(ROLE % mode)
        assert stop_line(again)[0] == line, mode
        assert module_result(again)['changed'] is False, mode
        assert root_keys(kds_dc) == keys, mode
    assert kds_dc.highest_committed_usn() == usn
    record_figure('kds production: the role stopped, key usable at %s, %s after its msKds-UseStartTime; '
                  '3 runs (production, production, lab), 1 key' % (usable_at.isoformat(), usable_at - effective))


# ------------------------------------------------------------ an account that may not see the keys
def test_an_account_that_cannot_see_the_keys_is_refused_before_writing(kds_dc, tmp_path):
    keys = root_keys(kds_dc)
    assert len(keys) == 1, 'the forest holds a key (provisioned, or made by the test before)'
    kds_dc.samba_tool('user', 'create', NON_ADMIN, NON_ADMIN_PASSWORD)
    run = playbook_runner(kds_dc, tmp_path)
    as_non_admin = {'GMSA_AD_USERNAME': NON_ADMIN + '@GMSA.TEST', 'GMSA_AD_PASSWORD': NON_ADMIN_PASSWORD}

    # Its first logon writes lastLogonTimestamp, as any real account's has. It lists no key: a search
    # for keys passes over the ones it may not read, which is why the module must not trust "none".
    seen = run('- wincontainers.gmsa.domain_info: {list_service_accounts: false}\n', extra_env=as_non_admin)
    assert seen.rc == 0, seen.output
    assert seen.result()['kds_root_keys'] == []

    usn = kds_dc.highest_committed_usn()
    for options, args in (('{}', ()), ('{lab_backdate: true}', ()), ('{lab_backdate: true}', ('--check',))):
        refused = run('- wincontainers.gmsa.kds_root_key: %s\n' % options, extra_env=as_non_admin, args=args)
        assert_one_clean_line(refused, 'the account %s@GMSA.TEST lacks the rights for this: it may not read 1 object '
                                       'it sees in %s' % (NON_ADMIN, master_root_keys_dn(kds_dc)),
                              'list contents and read property')
        assert NON_ADMIN_PASSWORD not in refused.output
    assert kds_dc.highest_committed_usn() == usn, 'a refused run wrote to the DC'
    assert root_keys(kds_dc) == keys

    # Given what the line asks for, list contents and read property on the container and its objects,
    # the same account sees the key (its times stay confidential) and adds none.
    kds_dc.samba_tool('dsacl', 'set', '--objectdn', master_root_keys_dn(kds_dc),
                      '--sddl', '(A;CI;LCRP;;;%s)' % account_sid(kds_dc, NON_ADMIN))
    usn = kds_dc.highest_committed_usn()
    found = run('- wincontainers.gmsa.kds_root_key: {}\n', extra_env=as_non_admin)
    assert found.rc == 0, found.output
    assert found.result()['changed'] is False
    assert found.result()['key_id'] == list(keys)[0] and found.result()['usable_now'] is None
    assert kds_dc.highest_committed_usn() == usn
    assert root_keys(kds_dc) == keys
    record_figure('kds visibility: an account that may not read the 1 key refused 3 times, highestCommittedUSN '
                  'unchanged, no key added; with LCRP on the container it finds the key')


def account_sid(dc, sam):
    (values,) = dc.ldbsearch(dc.domain_dn, '(sAMAccountName=%s)' % sam, ['objectSid']).values()
    return values['objectSid'][0]
