"""service_account against the lab DC; every result is read back with Samba's own tools or a plain LDAP bind."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from harness import assert_one_clean_line

pytestmark = pytest.mark.lab

PASSWORD = 'Sat-Lab-Pass-4821!'  # of the test users; known so that they can bind
USERS = ('satuser1', 'satuser2')
GMSAS = ('sat01', 'sat02', 'sat03', 'sat04', 'sat05', 'sat06', 'sat#(1)', 'satü1', 'satweb')
ALL_OPTIONS = ('sat01', 'sat02')


# ------------------------------------------------------------------ helpers
def escaped(value):
    """An LDAP filter value (RFC 4515), written here rather than taken from the code under test."""
    return ''.join('\\%02x' % ord(char) if char in '*()\\\0' else char for char in value)


def gmsa_entry(lab, name):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s$)' % escaped(name))
    assert len(found) <= 1
    return next(iter(found.items())) if found else (None, None)


def user_sid(lab, name):
    _dn, entry = next(iter(lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % name, ['objectSid']).items()))
    return entry['objectSid'][0]


def service_account(**options):
    """One task of the module, its options as YAML."""
    body = textwrap.indent(json.dumps(options, ensure_ascii=False, indent=2), '    ')
    return '- wincontainers.gmsa.service_account:\n%s\n  register: gmsa\n' % body


def assert_nothing_written(lab, before):
    """The DC's highestCommittedUSN did not move; or, when others writing to the shared lab DC moved it,
    no object of this test (prefix sat), deleted ones included, was written since."""
    if lab.highest_committed_usn() == before:
        return
    out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '-b', lab.domain_dn, '--show-deleted', '--show-recycled',
                          '--cross-ncs', '(uSNChanged>=%d)' % (before + 1), 'uSNChanged'],
                         check=True, capture_output=True, text=True).stdout
    written = re.findall(r'^dn: (.*)$', out.replace('\n ', ''), re.M)
    mine = [dn for dn in written if re.match(r'(?i)CN=sat', dn)]
    assert not mine, 'written although nothing should have been: %s' % mine


def delete_gmsa(lab, name):
    dn, _entry = gmsa_entry(lab, name)
    if dn:
        subprocess.run(['ldbdel', '-H', lab.sam_ldb, dn], check=False, capture_output=True)


@pytest.fixture(scope='module')
def users(lab):
    for user in USERS:
        lab.samba_tool('user', 'delete', user, check=False)
        lab.samba_tool('user', 'create', user, PASSWORD)
    yield USERS
    for user in USERS:
        lab.samba_tool('user', 'delete', user, check=False)


@pytest.fixture
def clean(lab):
    for name in GMSAS:
        delete_gmsa(lab, name)
    yield
    for name in GMSAS:
        delete_gmsa(lab, name)


def read_managed_password(lab, user, gmsa_dn):
    """What ``user`` gets for msDS-GroupMSAMembership-protected msDS-ManagedPassword over LDAPS (ldap3, not the collection)."""
    script = textwrap.dedent('''
        import json, ssl, sys
        import ldap3
        user, password, dn, ca, name, address = sys.argv[1:]
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca, valid_names=[name],
                        version=ssl.PROTOCOL_TLS_CLIENT, sni=name)
        server = ldap3.Server(address, port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE)
        conn = ldap3.Connection(server, user=user, password=password, auto_bind=True)
        conn.search(dn, '(objectClass=*)', ldap3.BASE, attributes=['msDS-ManagedPassword', 'sAMAccountName'])
        found = [item for item in conn.response if item['type'] == 'searchResEntry']
        values = found[0]['raw_attributes'].get('msDS-ManagedPassword', []) if found else []
        blob = values[0] if values else b''
        print(json.dumps({'seen': bool(found), 'values': len(values),
                          'version': int.from_bytes(blob[:2], 'little') if blob else None,
                          'length': int.from_bytes(blob[4:8], 'little') if blob else 0}))
    ''')
    env = lab.env
    done = subprocess.run(lab.in_lab_net([sys.executable, '-c', script, '%s@%s' % (user, env['GMSA_LAB_REALM']),
                                          PASSWORD, gmsa_dn, env['GMSA_AD_CA_CERT'], env['GMSA_AD_TLS_SERVER_NAME'],
                                          env['GMSA_AD_SERVER']]),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


# -------------------------------------------------------------------- tests
def test_creates_an_enabled_gmsa_the_dc_reads_back(run_playbook, lab, users, clean):
    run = run_playbook(service_account(name='sat01', spns={'add': ['http/sat01.gmsa.test']},
                                       allowed_to_retrieve_password={'set': ['satuser1']}, description='lab account'))
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True

    dn, entry = gmsa_entry(lab, 'sat01')
    assert dn == 'CN=sat01,CN=Managed Service Accounts,%s' % lab.domain_dn
    assert 'msDS-GroupManagedServiceAccount' in entry['objectClass']
    assert entry['userAccountControl'] == ['4096']
    assert entry['msDS-SupportedEncryptionTypes'] == ['24']
    assert entry['msDS-ManagedPasswordInterval'] == ['30']
    assert entry['dNSHostName'] == ['sat01.gmsa.test']
    assert sorted(entry['servicePrincipalName']) == ['host/sat01', 'host/sat01.gmsa.test', 'http/sat01.gmsa.test']
    assert entry['description'] == ['lab account']

    sid = user_sid(lab, 'satuser1')
    # ldbsearch prints the descriptor as SDDL: owner BA, one allow entry (mask 0xF01FF) for the user.
    assert entry['msDS-GroupMSAMembership'] == ['O:BAD:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s)' % sid]
    shown = json.loads(lab.samba_tool('service-account', 'group-msa-membership', 'show', '--name', 'sat01',
                                      '--json').stdout)
    assert [trustee.split(',')[0] for trustee in shown['trustees']] == ['CN=satuser1']

    assert result['dn'] == dn
    assert result['sid'] == entry['objectSid'][0]
    assert result['guid'] == entry['objectGUID'][0]
    assert result['sam_account_name'] == 'sat01$'
    assert result['allowed_to_retrieve_password'] == [{'name': 'satuser1', 'sid': sid}]
    assert 'warnings' not in result, 'the global catalog on port 3269 is reachable in the lab'


def test_the_descriptor_lets_the_allowed_user_read_the_password_and_no_one_else(run_playbook, lab, users, clean):
    run = run_playbook(service_account(name='sat03', allowed_to_retrieve_password={'set': ['GMSA\\satuser1']}))
    assert run.rc == 0, run.output
    dn = run.result()['dn']

    allowed = read_managed_password(lab, 'satuser1', dn)
    assert allowed['values'] == 1 and allowed['version'] == 1 and allowed['length'] > 256, allowed
    refused = read_managed_password(lab, 'satuser2', dn)
    assert refused['seen'] is True, 'the account itself is visible to any user'
    assert refused['values'] == 0, refused

    # Removing the user takes the read away again.
    run = run_playbook(service_account(name='sat03', allowed_to_retrieve_password={'remove': ['satuser1']}))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert read_managed_password(lab, 'satuser1', dn)['values'] == 0
    assert 'msDS-GroupMSAMembership' not in gmsa_entry(lab, 'sat03')[1]


def test_a_second_run_changes_nothing_and_writes_nothing(run_playbook, lab, users, clean):
    task = service_account(name='sat01', spns={'set': ['host/sat01', 'HTTP/Sat01.gmsa.test']},
                           allowed_to_retrieve_password={'set': ['satuser1', 'Domain Admins']},
                           kerberos_encryption_types=['aes256'], description='same')
    assert run_playbook(task).rc == 0
    before = lab.highest_committed_usn()
    # The same principals and SPNs written differently are the same values.
    again = service_account(name='sat01', spns={'set': ['HOST/SAT01', 'http/sat01.gmsa.test']},
                            allowed_to_retrieve_password={'set': [user_sid(lab, 'satuser1'), 'GMSA\\Domain Admins']},
                            kerberos_encryption_types=['aes256'], description='same')
    run = run_playbook(again)
    assert run.rc == 0, run.output
    assert run.result()['changed'] is False
    assert_nothing_written(lab, before)
    # Without any option the account is left as it is.
    run = run_playbook(service_account(name='sat01'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert [p['name'] for p in run.result()['allowed_to_retrieve_password']] == ['satuser1', 'Domain Admins']
    assert_nothing_written(lab, before)


def test_check_mode_reports_the_change_and_writes_nothing(run_playbook, lab, users, clean):
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat02', allowed_to_retrieve_password={'add': ['satuser1']}),
                       args=['--check'])
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    assert run.result()['sid'] is None
    assert gmsa_entry(lab, 'sat02') == (None, None)
    assert_nothing_written(lab, before)

    assert run_playbook(service_account(name='sat02')).rc == 0
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat02', spns={'add': ['http/sat02']}, description='x',
                                       allowed_to_retrieve_password={'add': ['satuser2']}), args=['--check'])
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert 'http/sat02' in run.result()['spns']
    entry = gmsa_entry(lab, 'sat02')[1]
    assert 'http/sat02' not in entry['servicePrincipalName'] and 'description' not in entry
    assert_nothing_written(lab, before)


def test_diff_shows_before_and_after(run_playbook, lab, users, clean):
    assert run_playbook(service_account(name='sat01', allowed_to_retrieve_password={'set': ['satuser1']})).rc == 0
    run = run_playbook(service_account(name='sat01', dns_hostname='web.gmsa.test',
                                       spns={'add': ['http/web.gmsa.test'], 'remove': ['host/sat01']},
                                       allowed_to_retrieve_password={'add': ['satuser2'], 'remove': ['satuser1']},
                                       kerberos_encryption_types=['aes256', 'rc4'], description='now described'),
                       args=['--diff'])
    assert run.rc == 0, run.output
    diff = run.result()['diff']
    assert diff['before']['dns_hostname'] == 'sat01.gmsa.test'
    assert diff['after']['dns_hostname'] == 'web.gmsa.test'
    assert diff['before']['spns'] == ['host/sat01', 'host/sat01.gmsa.test']
    assert diff['before']['allowed_to_retrieve_password'] == ['satuser1']
    assert diff['after']['allowed_to_retrieve_password'] == ['satuser2']
    assert diff['before']['kerberos_encryption_types'] == ['aes128', 'aes256']
    assert diff['after']['kerberos_encryption_types'] == ['rc4', 'aes256']
    assert diff['before']['description'] is None and diff['after']['description'] == 'now described'

    entry = gmsa_entry(lab, 'sat01')[1]
    assert entry['dNSHostName'] == ['web.gmsa.test']
    # The DC itself renames the host SPN of the old DNS name, as Windows DCs do; the result says what it holds.
    assert sorted(entry['servicePrincipalName']) == ['host/web.gmsa.test', 'http/web.gmsa.test']
    assert sorted(run.result()['spns']) == sorted(entry['servicePrincipalName'])
    assert diff['after']['spns'] == sorted(entry['servicePrincipalName'])
    assert entry['msDS-SupportedEncryptionTypes'] == [str(0x4 | 0x10)]
    assert entry['msDS-GroupMSAMembership'] == ['O:BAD:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s)' % user_sid(lab, 'satuser2')]


def test_removal_deletes_the_account_once(run_playbook, lab, clean):
    assert run_playbook(service_account(name='sat04')).rc == 0
    dn = gmsa_entry(lab, 'sat04')[0]
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat04', state='absent'), args=['--check', '--diff'])
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert run.result()['diff']['after'] == {'state': 'absent'}
    assert run.result()['diff']['before']['dn'] == dn
    assert_nothing_written(lab, before)
    assert gmsa_entry(lab, 'sat04')[0] == dn

    run = run_playbook(service_account(name='sat04', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is True and run.result()['dn'] == dn, run.output
    assert gmsa_entry(lab, 'sat04') == (None, None)
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat04', state='absent'))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before)


def test_an_account_samba_tool_made_disabled_is_enabled_and_other_bits_kept(run_playbook, lab, clean):
    lab.samba_tool('service-account', 'create', '--name', 'sat05', '--dns-host-name', 'sat05.gmsa.test')
    assert int(gmsa_entry(lab, 'sat05')[1]['userAccountControl'][0]) & 0x2
    run = run_playbook(service_account(name='sat05'))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    uac = int(gmsa_entry(lab, 'sat05')[1]['userAccountControl'][0])
    assert uac & 0x1000 and not uac & 0x2
    run = run_playbook(service_account(name='sat05', enabled=False))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert int(gmsa_entry(lab, 'sat05')[1]['userAccountControl'][0]) & 0x2


def test_deny_entries_other_tools_wrote_are_kept(run_playbook, lab, users, clean):
    """A descriptor with a deny entry, written with ldbmodify: adding a principal keeps the deny entry."""
    assert run_playbook(service_account(name='sat06')).rc == 0
    dn = gmsa_entry(lab, 'sat06')[0]
    denied = user_sid(lab, 'satuser2')
    sddl = 'O:BAD:(D;;RP;;;%s)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s)' % (denied, denied)
    ldif = 'dn: %s\nchangetype: modify\nreplace: msDS-GroupMSAMembership\nmsDS-GroupMSAMembership: %s\n' % (dn, sddl)
    subprocess.run(['ldbmodify', '-H', lab.sam_ldb], input=ldif, text=True, check=True, capture_output=True)
    assert gmsa_entry(lab, 'sat06')[1]['msDS-GroupMSAMembership'] == [sddl]

    run = run_playbook(service_account(name='sat06', allowed_to_retrieve_password={'add': ['satuser1']}))
    assert run.rc == 0, run.output
    assert [p['name'] for p in run.result()['allowed_to_retrieve_password']] == ['satuser1']
    allowed = user_sid(lab, 'satuser1')
    assert gmsa_entry(lab, 'sat06')[1]['msDS-GroupMSAMembership'] == [
        sddl + '(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s)' % allowed]
    assert read_managed_password(lab, 'satuser2', dn)['values'] == 0
    assert read_managed_password(lab, 'satuser1', dn)['values'] == 1


@pytest.mark.parametrize('name, dns_hostname', [('sat#(1)', 'sat-special.gmsa.test'), ('satü1', 'sat-u1.gmsa.test')])
def test_names_with_special_characters_work(run_playbook, lab, clean, name, dns_hostname):
    run = run_playbook(service_account(name=name, dns_hostname=dns_hostname))
    assert run.rc == 0, run.output
    dn, entry = gmsa_entry(lab, name)
    assert entry['sAMAccountName'] == [name + '$']
    assert entry['cn'] == [name]
    assert run.result()['dn'] == dn
    assert sorted(entry['servicePrincipalName']) == sorted(['host/' + name, 'host/' + dns_hostname])
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name=name, dns_hostname=dns_hostname))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before)
    run = run_playbook(service_account(name=name, state='absent'))
    assert run.rc == 0 and run.result()['changed'] is True
    assert gmsa_entry(lab, name) == (None, None)


BAD_INPUT = [
    (dict(name='sat0123456789abc'), ['name', 'at most 15 characters']),
    (dict(name='sat,1'), ['name', "','"]),
    (dict(name='sat+1'), ['name', "'+'"]),
    (dict(name='sat*1'), ['name', "'*'"]),
    (dict(name='sat"1'), ['name']),
    (dict(name='sat\\1'), ['name']),
    (dict(name='sat#(1)'), ['dns_hostname', 'give dns_hostname']),
    (dict(name='sat02', spns={'add': ['http-sat02']}), ['spns.add', 'http-sat02']),
    (dict(name='sat02', spns={'set': ['http/']}), ['spns.set']),
    (dict(name='sat02', spns={'add': ['http/a'], 'set': ['http/b']}), ['spns']),
    (dict(name='sat02', allowed_to_retrieve_password={'add': ['satnosuchuser']}),
     ['allowed_to_retrieve_password', 'satnosuchuser']),
    (dict(name='sat02', allowed_to_retrieve_password={'add': ['satuser1'], 'remove': ['GMSA\\satuser1']}),
     ['allowed_to_retrieve_password', 'listed in both add and remove']),
    (dict(name='sat02', dns_hostname='bad_name.gmsa.test'), ['dns_hostname']),
    (dict(name='sat02', kerberos_encryption_types=['des']), ['kerberos_encryption_types']),
    (dict(name='sat02', path='OU=satnowhere,DC=gmsa,DC=test'), ['path', 'does not exist']),
    (dict(name='sat02', path='not a dn'), ['path']),
    (dict(name='satuser1'), ['name', 'CN=satuser1,CN=Users', 'user']),
]


@pytest.mark.parametrize('options, expected', BAD_INPUT, ids=[str(i) for i in range(len(BAD_INPUT))])
def test_bad_input_fails_in_one_line_before_any_write(run_playbook, lab, users, clean, options, expected):
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(**options))
    assert_one_clean_line(run, *expected)
    assert_nothing_written(lab, before)
    assert gmsa_entry(lab, options['name'].rstrip('$')) == (None, None)


def test_interval_can_only_be_set_at_creation(run_playbook, lab, clean):
    run = run_playbook(service_account(name='sat02', managed_password_interval=45))
    assert run.rc == 0, run.output
    assert gmsa_entry(lab, 'sat02')[1]['msDS-ManagedPasswordInterval'] == ['45']
    assert run_playbook(service_account(name='sat02', managed_password_interval=45)).result()['changed'] is False
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat02', managed_password_interval=30, description='not written'))
    assert_one_clean_line(run, 'managed_password_interval', 'only be set when the account is created')
    assert_nothing_written(lab, before)


def test_a_duplicate_spn_fails_naming_its_holder(run_playbook, lab, clean):
    assert run_playbook(service_account(name='sat01', spns={'add': ['http/satshared.gmsa.test']})).rc == 0
    holder = gmsa_entry(lab, 'sat01')[0]
    before = lab.highest_committed_usn()
    # At creation (nothing half-made) and when adding to an existing account.
    run = run_playbook(service_account(name='sat02', spns={'add': ['HTTP/satshared.gmsa.test']}))
    assert_one_clean_line(run, 'spns', holder)
    assert gmsa_entry(lab, 'sat02') == (None, None)
    assert_nothing_written(lab, before)
    assert run_playbook(service_account(name='sat02')).rc == 0
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat02', spns={'add': ['http/satshared.gmsa.test']}))
    assert_one_clean_line(run, 'spns', holder)
    assert_nothing_written(lab, before)


def test_a_user_holding_the_default_spn_blocks_creation(run_playbook, lab, users, clean):
    """The default host/<dns_hostname> SPN of a new account is checked too."""
    lab.samba_tool('spn', 'add', 'host/satweb.gmsa.test', 'satuser2')
    try:
        run = run_playbook(service_account(name='satweb'))
        assert_one_clean_line(run, 'spns', 'host/satweb.gmsa.test', 'CN=satuser2,CN=Users')
        assert gmsa_entry(lab, 'satweb') == (None, None)
    finally:
        lab.samba_tool('spn', 'delete', 'host/satweb.gmsa.test', 'satuser2', check=False)


def test_the_bind_password_never_appears_even_at_vvvv(run_playbook, lab, users, clean):
    tasks = service_account(name='sat01', allowed_to_retrieve_password={'set': ['satuser1']}) + \
        service_account(name='sat01', allowed_to_retrieve_password={'add': ['satnosuchuser']})
    run = run_playbook(tasks, args=['-vvvv', '--diff'])
    assert run.results[0]['changed'] is True, run.output
    assert 'satnosuchuser' in run.output
    assert lab.password not in run.output
    assert not re.search(re.escape(lab.password), run.output)


def test_path_places_and_moves_the_account(run_playbook, lab, clean):
    users_dn = 'CN=Users,%s' % lab.domain_dn
    run = run_playbook(service_account(name='sat02', path=users_dn))
    assert run.rc == 0, run.output
    assert gmsa_entry(lab, 'sat02')[0] == 'CN=sat02,%s' % users_dn
    run = run_playbook(service_account(name='sat02', path='CN=Managed Service Accounts,%s' % lab.domain_dn))
    assert run.rc == 0 and run.result()['changed'] is True, run.output
    assert gmsa_entry(lab, 'sat02')[0] == 'CN=sat02,CN=Managed Service Accounts,%s' % lab.domain_dn
    assert run.result()['dn'] == gmsa_entry(lab, 'sat02')[0]
    before = lab.highest_committed_usn()
    run = run_playbook(service_account(name='sat02', path='cn=managed service accounts,%s' % lab.domain_dn.lower()))
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert_nothing_written(lab, before)
