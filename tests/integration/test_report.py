"""report against a forest of its own: who reads each gMSA password and by which path, and the fleet's loose ends.

The state is made from the test side (ldap3 over one connection, Samba's own tools), never with the collection.
Samba refuses a duplicate SPN over LDAP, so the second holder's value is written into the domain partition's
file beneath the DC's modules, as a replication conflict or a DC that did not check would leave it. Who is in
Tier1 at any depth is asked of the DC itself (LDAP_MATCHING_RULE_IN_CHAIN) and compared with the report's readers.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from harness import ansible_playbook, assert_one_clean_line, ldap_objects, playbook_runner
from lab_dc import REPO, LabDC

pytestmark = pytest.mark.lab

REPORT_LAB_DIR = '/var/tmp/gmsa-lab-report'
REPORT_LAB_NETNS = 'gmsa-report'
ARTIFACTS = REPO / 'tests' / 'output' / 'report'
BULK = 500
BULK_GROUPS = 25
OPERATION_BOUND = 20
IN_CHAIN = '1.2.840.113556.1.4.1941'
FOREIGN_SID = 'S-1-5-21-1-2-3-1000'  # of no domain of this forest: the DC keeps it as a foreign security principal


# ------------------------------------------------------------ building the forest from the test side
def sid_bytes(text):
    parts = text.split('-')
    subs = [int(part) for part in parts[3:]]
    return bytes([int(parts[1]), len(subs)]) + int(parts[2]).to_bytes(6, 'big') + struct.pack('<%dI' % len(subs), *subs)


def membership_descriptor(entries):
    """A self-relative security descriptor (owner Administrators) whose DACL is ``entries``, [(deny, SID)], in order."""
    aces = b''
    for deny, sid in entries:
        body = struct.pack('<I', 0x000F01FF) + sid_bytes(sid)
        aces += struct.pack('<BBH', 1 if deny else 0, 0, 4 + len(body)) + body
    dacl = struct.pack('<BBHHH', 4, 0, 8 + len(aces), len(entries), 0) + aces
    owner = sid_bytes('S-1-5-32-544')
    header_size = 20
    header = struct.pack('<BBHIIII', 1, 0, 0x8004, header_size, 0, 0, header_size + len(owner))
    return {'base64': base64.b64encode(header + owner + dacl).decode()}


def users_dn(lab, name):
    return 'CN=%s,CN=Users,%s' % (name, lab.domain_dn)


def gmsa_dn(lab, name):
    return 'CN=%s,CN=Managed Service Accounts,%s' % (name, lab.domain_dn)


def user(lab, name, control=0x202, **attributes):
    return [users_dn(lab, name), 'user', dict(sAMAccountName=name, userAccountControl=str(control), **attributes)]


def group(lab, name, members=(), member_sids=(), **attributes):
    """A domain local group; ``member_sids`` are members by SID (<SID=...>), for which the DC makes foreign
    security principals."""
    attributes = dict(sAMAccountName=name, groupType=str(-2147483644), **attributes)
    if members or member_sids:
        attributes['member'] = [users_dn(lab, member) for member in members] + ['<SID=%s>' % sid for sid in member_sids]
    return [users_dn(lab, name), 'group', attributes]


def gmsa(lab, name, readers, spns=()):
    return [gmsa_dn(lab, name), 'msDS-GroupManagedServiceAccount', {
        'sAMAccountName': name + '$', 'userAccountControl': '4096', 'dNSHostName': '%s.gmsa.test' % name,
        'servicePrincipalName': ['host/' + name, 'host/%s.gmsa.test' % name] + list(spns),
        'msDS-ManagedPasswordInterval': '30', 'msDS-SupportedEncryptionTypes': '24',
        'msDS-GroupMSAMembership': membership_descriptor(readers)}]


def add_spn_beneath_the_dc(lab, dn, spn):
    """An SPN value written into the domain partition's file without Samba's uniqueness check."""
    partition = Path(lab.env['GMSA_LAB_DIR'], 'private', 'sam.ldb.d', '%s.ldb' % lab.domain_dn.upper())
    ldif = 'dn: %s\nchangetype: modify\nadd: servicePrincipalName\nservicePrincipalName: %s\n' % (dn, spn)
    subprocess.run(['ldbmodify', '-H', 'tdb://%s' % partition], input=ldif, text=True, check=True, capture_output=True)


def build_scenario(lab):
    """alice in Tier3 in Tier2 in Tier1; carol in Tier2 but denied by the first entry; a foreign SID in Tier1; a
    deleted user's SID; bob
    holding rptweb's http SPN too; the group of a gMSA that is gone; a portable user left disabled and expiring."""
    gone = ldap_objects(lab, adds=[user(lab, 'rptformer')], sids_of=[users_dn(lab, 'rptformer')],
                        deletes=[users_dn(lab, 'rptformer')])[users_dn(lab, 'rptformer')]
    ldap_objects(lab, adds=[user(lab, 'rptalice'), user(lab, 'rptcarol'), user(lab, 'rptbob')], )
    ldap_objects(lab, adds=[group(lab, 'rptTier3', ['rptalice']), group(lab, 'rptTier2', ['rptTier3', 'rptcarol']),
                            group(lab, 'rptTier1', ['rptTier2'], member_sids=[FOREIGN_SID]),
                            group(lab, 'rptgoneHosts',
                                  description='Container hosts allowed to retrieve the password of the rptgone gMSA'),
                            user(lab, 'rptapp-ccg', description='ccg.exe identity of the container hosts outside the '
                                                                'domain that run rptapp')])
    sids = ldap_objects(lab, sids_of=[users_dn(lab, 'rptcarol'), users_dn(lab, 'rptTier1')])
    ldap_objects(lab, adds=[gmsa(lab, 'rptweb', [(True, sids[users_dn(lab, 'rptcarol')]),
                                                 (False, sids[users_dn(lab, 'rptTier1')]), (False, gone)],
                                 spns=['http/rptdup.gmsa.test'])])
    add_spn_beneath_the_dc(lab, users_dn(lab, 'rptbob'), 'http/rptdup.gmsa.test')
    return {'gone_sid': gone}


def build_bulk(lab):
    """BULK gMSAs, each readable by one of BULK_GROUPS groups of four users."""
    members = {index: ['rptbu%02d%d' % (index, number) for number in range(4)] for index in range(BULK_GROUPS)}
    ldap_objects(lab, adds=[user(lab, name) for names in members.values() for name in names]
                 + [group(lab, 'rptbg%02d' % index, names) for index, names in members.items()])
    sids = ldap_objects(lab, sids_of=[users_dn(lab, 'rptbg%02d' % index) for index in range(BULK_GROUPS)])
    ldap_objects(lab, adds=[gmsa(lab, 'rptb%03d' % number,
                                 [(False, sids[users_dn(lab, 'rptbg%02d' % (number % BULK_GROUPS))])])
                            for number in range(BULK)])


@pytest.fixture(scope='module')
def report_lab():
    LabDC({'GMSA_LAB_DIR': REPORT_LAB_DIR}).stop(purge=True)
    lab = LabDC.start(lab_dir=REPORT_LAB_DIR, netns=REPORT_LAB_NETNS)
    try:
        lab.scenario = build_scenario(lab)
        yield lab
    finally:
        lab.stop(purge=True)


@pytest.fixture
def run_report(report_lab, tmp_path):
    return playbook_runner(report_lab, tmp_path)


REPORT_TASK = '''
- wincontainers.gmsa.report:
    names: %s
    applications: [{name: rptweb}]
    credential_spec_ledgers:
      host01: "# ledger\\ngmsa_rptweb.json\\ngmsa_rptgone.json\\n"
  register: report
'''


def reported(run, names='[rptweb]', check=False):
    done = run(REPORT_TASK % names, args=['--check'] if check else [])
    assert done.rc == 0, done.output
    return done.result()['report']


@pytest.fixture(scope='module')
def rptweb_report(report_lab, tmp_path_factory):
    """The report of rptweb, read once for the tests that only look at it."""
    return reported(playbook_runner(report_lab, tmp_path_factory.mktemp('rptweb')))


def row_of(report, name):
    return next(row for row in report['service_accounts'] if row['name'] == name)


def by_name(items):
    return {item['name']: item for item in items}


def in_chain_accounts(lab, group_name):
    """Users and computers in ``group_name`` at any depth, as the DC's own in-chain matching rule finds them."""
    found = lab.ldbsearch(lab.domain_dn, '(&(objectCategory=person)(memberOf:%s:=%s))'
                          % (IN_CHAIN, users_dn(lab, group_name)), ['sAMAccountName'])
    return {values['sAMAccountName'][0] for values in found.values()}


# ------------------------------------------------------------ who reads
def test_a_reader_through_three_nested_groups_has_its_path(rptweb_report):
    row = row_of(rptweb_report, 'rptweb')
    alice = by_name(row['readers'])['rptalice']
    assert alice['path'] == ['rptalice', 'rptTier3', 'rptTier2', 'rptTier1']
    assert alice['text'] == 'rptalice \u2192 rptTier3 \u2192 rptTier2 \u2192 rptTier1 (ACE 2: allow)'
    assert (alice['kind'], alice['enabled']) == ('user', False)  # made disabled: it has no password


def test_a_deny_entry_removes_a_reader(rptweb_report):
    row = row_of(rptweb_report, 'rptweb')
    assert 'rptcarol' not in by_name(row['readers'])
    carol = by_name(row['denied'])['rptcarol']
    assert (carol['ace'], carol['access'], carol['path']) == (1, 'deny', ['rptcarol'])
    assert carol['allowed_by']['path'] == ['rptcarol', 'rptTier2', 'rptTier1']
    assert [(ace['ace'], ace['access']) for ace in row['aces']] == [(1, 'deny'), (2, 'allow'), (3, 'allow')]


def test_the_readers_are_the_accounts_the_dc_finds_in_the_chain(rptweb_report, report_lab):
    row = row_of(rptweb_report, 'rptweb')
    accounts = {item['name'] for item in row['readers'] + row['denied'] if item['kind'] == 'user'}
    assert accounts == in_chain_accounts(report_lab, 'rptTier1') == {'rptalice', 'rptcarol'}


def test_a_foreign_security_principal_reads_as_such_through_its_group(rptweb_report):
    row = row_of(rptweb_report, 'rptweb')
    foreign = by_name(row['readers'])[FOREIGN_SID]
    assert (foreign['kind'], foreign['path'], foreign['ace']) == ('foreign security principal',
                                                                  [FOREIGN_SID, 'rptTier1'], 2)
    assert foreign['dn'].startswith('CN=%s,CN=ForeignSecurityPrincipals,' % FOREIGN_SID)


def test_a_sid_that_no_longer_resolves_appears_as_such(rptweb_report, report_lab):
    row = row_of(rptweb_report, 'rptweb')
    gone = report_lab.scenario['gone_sid']
    reader = by_name(row['readers'])[gone]
    assert (reader['kind'], reader['ace'], reader['path']) == ('unresolved SID', 3, [gone])
    assert [item['sid'] for item in row['unresolved']] == [gone]
    assert '%s resolves to no object' % gone in row['problems']


# ------------------------------------------------------------ the account itself
def test_a_duplicate_spn_names_the_other_holder(rptweb_report, report_lab):
    report = rptweb_report
    row = row_of(report, 'rptweb')
    assert report['spn_scope'] == 'forest'
    assert row['duplicate_spns'] == [{'spn': 'http/rptdup.gmsa.test', 'holders': [users_dn(report_lab, 'rptbob')]}]


def test_schedule_key_and_application(rptweb_report, report_lab):
    row = row_of(rptweb_report, 'rptweb')
    values = report_lab.ldbsearch(report_lab.domain_dn, '(sAMAccountName=rptweb$)', ['pwdLastSet'])
    assert row['encryption_types'] == ['aes128', 'aes256'] and row['password_interval_days'] == 30
    assert row['password_last_set'] and row['next_rollover'] > row['password_last_set']
    assert list(values.values())[0]['pwdLastSet']
    keys = re.findall(r'^name (\S+)', report_lab.samba_tool('domain', 'kds', 'root-key', 'list').stdout, re.M)
    assert row['kds_root_key'] == {'id': keys[0], 'exists': True}
    assert row['applications'] == ['rptweb']


# ------------------------------------------------------------ loose ends
def test_the_loose_ends(rptweb_report, report_lab):
    ends = rptweb_report['loose_ends']
    assert ends['orphan_groups'] == [{'name': 'rptgoneHosts', 'dn': users_dn(report_lab, 'rptgoneHosts'),
                                      'gmsa': 'rptgone'}]
    portable = by_name(ends['portable_users'])['rptapp-ccg']
    assert portable['problems'] == ['in no group', 'disabled', 'password expires']
    assert ends['stale_credential_spec_files'] == [{'host': 'host01', 'file': 'gmsa_rptgone.json', 'gmsa': 'rptgone'}]
    assert ends['undescribed_service_accounts'] == []


def test_check_mode_is_the_same_run_and_writes_nothing(run_report, report_lab):
    before = report_lab.highest_committed_usn()
    normal, checked = reported(run_report), reported(run_report, check=True)
    assert report_lab.highest_committed_usn() == before
    for report in (normal, checked):
        report.pop('generated')
    assert normal == checked


def test_a_name_no_gmsa_has_fails_in_one_line(run_report):
    done = run_report(REPORT_TASK % '[rptnothere]')
    assert_one_clean_line(done, 'names:', 'no gMSA named rptnothere')


# ------------------------------------------------------------ the page, in a real browser
def png_is_not_blank(path):
    """The PNG's decoded rows hold more than one colour."""
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack('>I', data[position:position + 4])
        if data[position + 4:position + 8] == b'IDAT':
            chunks.append(data[position + 8:position + 8 + length])
        position += 12 + length
    pixels = zlib.decompress(b''.join(chunks))
    return len(set(pixels[:2_000_000])) > 8


def test_playbook_writes_json_markdown_and_a_page_a_browser_renders(report_lab, tmp_path):
    chromium = shutil.which('chromium')
    assert chromium, 'tests/setup installs Debian\'s chromium'
    out = tmp_path / 'report'
    done = ansible_playbook(report_lab, [str(REPO / 'playbooks' / 'report.yml'), '-e', 'gmsa_report_dir=%s' % out,
                                         '-e', '{"gmsa_report_names": ["rptweb"]}'], tmp_path)
    assert done.rc == 0, done.output
    report = json.loads((out / 'report.json').read_text())
    assert row_of(report, 'rptweb')['readers']
    markdown = MarkdownIt('commonmark').enable('table').render((out / 'report.md').read_text())
    assert '<li>reads: rptalice \u2192 rptTier3 \u2192 rptTier2 \u2192 rptTier1 (ACE 2: allow)</li>' in markdown
    page = (out / 'report.html').read_text()
    assert '<script' not in page and 'http://' not in page.replace('http://www.w3.org/2000/svg', '')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out / 'report.html', ARTIFACTS / 'report.html')
    screenshot = ARTIFACTS / 'report.png'
    screenshot.unlink(missing_ok=True)
    browser = [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars']
    env = dict(os.environ, HOME=str(tmp_path))
    subprocess.run(browser + ['--window-size=1600,1000', '--screenshot=%s' % screenshot, (out / 'report.html').as_uri()],
                   check=True, capture_output=True, env=env, timeout=120)
    dom = subprocess.run(browser + ['--dump-dom', (out / 'report.html').as_uri()],
                         check=True, capture_output=True, text=True, env=env, timeout=120).stdout
    assert 'data-gmsa="rptweb"' in dom
    for name, kind in (('rptalice', 'user'), ('rptTier3', 'group'), ('rptTier1', 'group'), ('rptweb', 'gMSA')):
        assert '<g class="node" data-kind="%s" data-name="%s">' % (kind, name) in dom
    assert dom.count('class="edge member"') >= 3 and 'class="edge deny"' in dom
    assert png_is_not_blank(screenshot)


# ------------------------------------------------------------ a fleet of 500
def test_five_hundred_gmsas_take_a_bounded_number_of_ldap_operations(report_lab, run_report, tmp_path):
    build_bulk(report_lab)
    usage = tmp_path / 'usage.jsonl'
    done = run_report(REPORT_TASK % 'null', extra_env={'GMSA_AD_USAGE_LOG': str(usage)})
    assert done.rc == 0, done.output
    report = done.result()['report']
    assert len(report['service_accounts']) >= BULK
    sample = row_of(report, 'rptb007')
    assert sorted(item['name'] for item in sample['readers']) == ['rptbu07%d' % number for number in range(4)]
    line = json.loads(usage.read_text().splitlines()[-1])
    operations = sum(connection['operations'] for connection in line['connections'])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / 'operations.json').write_text(json.dumps({'gmsas': len(report['service_accounts']),
                                                          'operations': operations, 'connections': line['connections']}))
    assert operations <= OPERATION_BOUND, line
