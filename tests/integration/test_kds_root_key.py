"""kds_root_key against real forests.

The shared lab forest keeps its provisioned key: there the module may only
find it. Creating keys is proven in a forest of its own, whose provisioned key
is deleted first; Samba then has to create a gMSA and serve its password from
the key the module wrote, which it cannot do from a malformed key.
"""

from __future__ import annotations

import base64
import re
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from harness import playbook_runner
from lab_dc import LabDC
from harness import assert_one_clean_line

pytestmark = pytest.mark.lab

KDS_LAB_DIR = '/var/tmp/gmsa-lab-kds'
KDS_LAB_NETNS = 'gmsa-kds'
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
TEN_HOURS_TEN_MINUTES = 366_000_000_000  # in FILETIME units of 100 ns
TEN_HOURS_FIVE_MINUTES = timedelta(hours=10, minutes=5)

NON_ADMIN = 'kdst-helpdesk'
NON_ADMIN_PASSWORD = 'Kdst-SENTINEL-5e1f0c-Pw9!'


def kds_root_key(options=''):
    return '- wincontainers.gmsa.kds_root_key:\n    %s\n  register: kds\n' % options.replace('\n', '\n    ')


def master_root_keys_dn(lab):
    return 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,' + lab.domain_dn


# ------------------------------------------------------------ reading the DC
def ldif_records(lab, base, ldap_filter, scope='one', attributes=('*',)):
    """Entries as {dn: {attribute: [values]}}, binary values decoded, read from the DC's database file.

    Unlike LabDC.ldbsearch this unfolds continued lines, which long binary values have.
    """
    out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '-b', base, '-s', scope, ldap_filter, *attributes],
                         check=True, capture_output=True, text=True).stdout
    records, current = {}, None
    for line in re.sub(r'\n ', '', out).splitlines():
        if not line or line.startswith('#'):
            continue
        name, _separator, value = line.partition(': ')
        if name == 'dn':
            current = records.setdefault(value, {})
        elif name.endswith(':'):
            current.setdefault(name[:-1], []).append(base64.b64decode(value))
        else:
            current.setdefault(name, []).append(value)
    return records


def root_key_objects(lab):
    """{key id: attributes} of every msKds-ProvRootKey in the forest."""
    records = ldif_records(lab, master_root_keys_dn(lab), '(objectClass=msKds-ProvRootKey)')
    return {values['cn'][0]: values for values in records.values()}


def listed_key_ids(lab):
    """Key identifiers as samba-tool lists them."""
    return re.findall(r'^name (\S+)', lab.samba_tool('domain', 'kds', 'root-key', 'list').stdout, re.M)


def delete_every_key(lab):
    for key_id in listed_key_ids(lab):
        lab.samba_tool('domain', 'kds', 'root-key', 'delete', '--name', key_id)
    assert listed_key_ids(lab) == []


def filetime(moment):
    delta = moment - FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def from_filetime(value):
    return FILETIME_EPOCH + timedelta(microseconds=int(value) // 10)


# ------------------------------------------------------------ fixtures
@pytest.fixture(scope='module')
def kds_lab():
    """A forest of its own, and the KDS key parameters Samba's provisioning wrote into it (the oracle)."""
    # A forest left behind by an interrupted run may have lost its provisioned key: start from a new one.
    LabDC({'GMSA_LAB_DIR': KDS_LAB_DIR}).stop(purge=True)
    lab = LabDC.start(lab_dir=KDS_LAB_DIR, netns=KDS_LAB_NETNS)
    try:
        provisioned = root_key_objects(lab)
        assert len(provisioned) == 1, 'a fresh forest has the key provisioning made'
        lab.provisioned_key = list(provisioned.values())[0]
        yield lab
    finally:
        lab.stop(purge=True)


@pytest.fixture
def run_kds(kds_lab, tmp_path):
    return playbook_runner(kds_lab, tmp_path)


@pytest.fixture
def no_key(kds_lab):
    delete_every_key(kds_lab)
    return kds_lab


@pytest.fixture
def one_key(no_key, run_kds):
    """The forest with one usable key, made by the module."""
    run = run_kds(kds_root_key('lab_backdate: true'))
    assert run.rc == 0, run.output
    assert listed_key_ids(no_key) == [run.result()['key_id']]
    return run.result()['key_id']


# ------------------------------------------------------------ shared forest: find, never add
# Others write to this forest at the same time, so its highestCommittedUSN
# moves; what must not move here is the key objects themselves.
def key_versions(lab):
    return {key_id: values['uSNChanged'] for key_id, values in root_key_objects(lab).items()}


def test_shared_forest_key_is_reported_and_no_second_one_made(run_playbook, lab):
    before = key_versions(lab)
    run = run_playbook(kds_root_key(), args=['--diff'])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is False
    assert result['key_id'] in before
    assert result['usable_now'] is True
    assert sorted(key['id'] for key in result['root_keys']) == sorted(before) == sorted(listed_key_ids(lab))
    assert result['diff']['before'] == result['diff']['after']
    assert key_versions(lab) == before


def test_shared_forest_in_check_mode_the_same(run_playbook, lab):
    before = key_versions(lab)
    run = run_playbook(kds_root_key('effective_time: "2030-01-01T00:00:00Z"'), args=['--check'])
    assert run.rc == 0, run.output
    assert run.result()['changed'] is False and run.result()['key_id'] in before
    assert key_versions(lab) == before


# ------------------------------------------------------------ own forest: creating keys
@pytest.mark.parametrize('options, expected', [
    ('effective_time: tomorrow', 'effective_time must be "now" or an ISO 8601 time'),
    ('effective_time: "2026-02-30T10:00:00Z"', 'effective_time must be "now" or an ISO 8601 time'),
    ('effective_time: "2030-01-01T00:00:00Z"\nlab_backdate: true', 'effective_time and lab_backdate contradict'),
    ('allow_additional: maybe', 'allow_additional'),
])
def test_bad_input_fails_in_one_line_before_anything_is_written(no_key, run_kds, options, expected):
    before_usn = no_key.highest_committed_usn()
    run = run_kds(kds_root_key(options))
    assert_one_clean_line(run, expected)
    assert listed_key_ids(no_key) == []
    assert no_key.highest_committed_usn() == before_usn


def test_check_mode_reports_the_key_it_would_create_and_writes_nothing(no_key, run_kds):
    before_usn = no_key.highest_committed_usn()
    run = run_kds(kds_root_key('lab_backdate: true'), args=['--check', '--diff'])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True
    assert result['key_id'] is None and result['usable_now'] is True
    assert result['diff']['before'] == {'root_keys': []}
    assert [key['id'] for key in result['diff']['after']['root_keys']] == [None]
    assert listed_key_ids(no_key) == []
    assert no_key.highest_committed_usn() == before_usn


def test_a_key_made_with_effective_time_now_says_when_it_becomes_usable(no_key, run_kds):
    started = datetime.now(timezone.utc)
    run = run_kds(kds_root_key())
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True and result['usable_now'] is False
    usable_from = datetime.fromisoformat(result['usable_from'].replace('Z', '+00:00'))
    assert started + TEN_HOURS_FIVE_MINUTES <= usable_from <= datetime.now(timezone.utc) + TEN_HOURS_FIVE_MINUTES
    stored = root_key_objects(no_key)[result['key_id']]
    assert stored['msKds-UseStartTime'] == stored['msKds-CreateTime']
    assert from_filetime(stored['msKds-UseStartTime'][0]) + TEN_HOURS_FIVE_MINUTES == usable_from


def test_bind_account_without_rights_is_told_what_creation_needs(no_key, run_kds):
    no_key.samba_tool('user', 'delete', NON_ADMIN, check=False)
    no_key.samba_tool('user', 'create', NON_ADMIN, NON_ADMIN_PASSWORD)
    run = run_kds(kds_root_key('lab_backdate: true'), args=['-vvvv'],
                  extra_env={'GMSA_AD_USERNAME': NON_ADMIN + '@GMSA.TEST', 'GMSA_AD_PASSWORD': NON_ADMIN_PASSWORD})
    message = assert_one_clean_line(run, 'creating a KDS root key needs Enterprise Admins membership or delegated '
                                         'create-child rights on ' + master_root_keys_dn(no_key), NON_ADMIN)
    assert NON_ADMIN_PASSWORD not in run.output, 'the bind password leaked into the output'
    assert 'Traceback' not in message
    assert listed_key_ids(no_key) == []


def test_creates_the_key_exactly_as_documented(no_key, run_kds):
    before = datetime.now(timezone.utc)
    run = run_kds(kds_root_key('lab_backdate: true'), args=['--diff', '-vvvv'])
    after = datetime.now(timezone.utc)
    assert run.rc == 0, run.output
    result = run.result()
    key_id = result['key_id']
    assert result['changed'] is True and result['usable_now'] is True
    assert str(uuid.UUID(key_id)) == key_id
    assert listed_key_ids(no_key) == [key_id]
    assert result['diff']['before'] == {'root_keys': []}
    assert [key['id'] for key in result['diff']['after']['root_keys']] == [key_id]

    stored = root_key_objects(no_key)[key_id]
    provisioned = no_key.provisioned_key
    server = ldif_records(no_key, 'CN=Sites,CN=Configuration,' + no_key.domain_dn,
                          '(&(objectClass=server)(dNSHostName=dc1.gmsa.test))', scope='sub',
                          attributes=['serverReference'])
    (dc_account,) = [values['serverReference'][0] for values in server.values()]
    assert dc_account == 'CN=DC1,OU=Domain Controllers,' + no_key.domain_dn
    assert stored['objectClass'] == ['top', 'msKds-ProvRootKey']
    assert stored['msKds-Version'] == ['1']
    assert stored['msKds-KDFAlgorithmID'] == ['SP800_108_CTR_HMAC']
    assert stored['msKds-KDFParam'] == [bytes.fromhex('00000000 01000000 0e000000 00000000')
                                        + 'SHA512\0'.encode('utf-16-le')]
    assert stored['msKds-KDFParam'] == provisioned['msKds-KDFParam']
    assert stored['msKds-SecretAgreementAlgorithmID'] == ['DH']
    (agreement,) = stored['msKds-SecretAgreementParam']
    assert len(agreement) == 524 and agreement[:12] == bytes.fromhex('0c020000') + b'DHPM' + bytes.fromhex('00010000')
    assert agreement.hex().startswith('0c0200004448504d0001000087a8e61db4b6663c')
    assert stored['msKds-SecretAgreementParam'] == provisioned['msKds-SecretAgreementParam']
    assert stored['msKds-PublicKeyLength'] == ['2048']
    assert stored['msKds-PrivateKeyLength'] == ['512']
    (key_data,) = stored['msKds-RootKeyData']
    assert len(key_data) == 64 and key_data != provisioned['msKds-RootKeyData'][0]
    assert stored['msKds-DomainID'] == [dc_account]
    create_time, use_start_time = int(stored['msKds-CreateTime'][0]), int(stored['msKds-UseStartTime'][0])
    assert filetime(before) - 10_000_000 <= create_time <= filetime(after)
    assert create_time - use_start_time == TEN_HOURS_TEN_MINUTES
    assert result['created'] == from_filetime(create_time).isoformat().replace('+00:00', 'Z')
    # The key data is the forest's secret: never in the output, even at -vvvv.
    assert key_data.hex() not in run.output.lower()
    assert base64.b64encode(key_data).decode() not in run.output


def test_samba_creates_a_gmsa_and_serves_its_password_from_the_new_key(one_key, kds_lab):
    kds_lab.samba_tool('service-account', 'delete', '--name', 'kdsproof01', check=False)
    try:
        created = kds_lab.samba_tool('service-account', 'create', '--name', 'kdsproof01',
                                     '--dns-host-name', 'kdsproof01.gmsa.test', check=False)
        assert created.returncode == 0, created.stdout + created.stderr
        kds_lab.samba_tool('service-account', 'group-msa-membership', 'add', '--name', 'kdsproof01',
                           '--principal', 'Administrator')
        shown = kds_lab.samba_tool('user', 'getpassword', 'kdsproof01$', '--attributes=virtualClearTextUTF16',
                                   check=False)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        found = re.search(r'^virtualClearTextUTF16:: (.+?)\n(?! )', re.sub(r'\n ', '', shown.stdout) + '\n', re.M)
        assert found, shown.stdout
        assert len(base64.b64decode(found.group(1))) == 256
        # The password's identifier names the root key it was derived from (KeyEnvelope: GUID at byte 24).
        account = ldif_records(kds_lab, kds_lab.domain_dn, '(sAMAccountName=kdsproof01$)', scope='sub',
                               attributes=['msDS-ManagedPasswordId'])
        (password_id,) = next(iter(account.values()))['msDS-ManagedPasswordId']
        assert password_id[4:8] == b'KDSK'
        assert str(uuid.UUID(bytes_le=password_id[24:40])) == one_key
    finally:
        kds_lab.samba_tool('service-account', 'delete', '--name', 'kdsproof01', check=False)


def test_second_run_changes_nothing_and_adds_no_key(one_key, run_kds, kds_lab):
    before_usn = kds_lab.highest_committed_usn()
    for options in ('lab_backdate: true', 'effective_time: now', 'effective_time: "2031-05-01T00:00:00Z"'):
        run = run_kds(kds_root_key(options), args=['--diff'])
        assert run.rc == 0, run.output
        assert run.result()['changed'] is False, options
        assert run.result()['key_id'] == one_key
        assert run.result()['diff']['before'] == run.result()['diff']['after']
    assert listed_key_ids(kds_lab) == [one_key]
    assert kds_lab.highest_committed_usn() == before_usn


def test_allow_additional_adds_a_key_once_for_a_given_effective_time(one_key, run_kds, kds_lab):
    effective = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    options = 'allow_additional: true\neffective_time: "%s"' % effective.isoformat()
    run = run_kds(kds_root_key(options))
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True and result['key_id'] != one_key
    assert result['usable_now'] is False
    assert result['usable_from'] == (effective + TEN_HOURS_FIVE_MINUTES).isoformat().replace('+00:00', 'Z')
    assert sorted(listed_key_ids(kds_lab)) == sorted([one_key, result['key_id']])
    stored = root_key_objects(kds_lab)[result['key_id']]
    assert int(stored['msKds-UseStartTime'][0]) == filetime(effective)

    before_usn = kds_lab.highest_committed_usn()
    again = run_kds(kds_root_key(options))
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False and again.result()['key_id'] == result['key_id']
    assert len(listed_key_ids(kds_lab)) == 2
    assert kds_lab.highest_committed_usn() == before_usn

    # Without allow_additional the usable key is the one reported.
    plain = run_kds(kds_root_key())
    assert plain.result()['changed'] is False and plain.result()['key_id'] == one_key
