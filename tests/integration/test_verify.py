"""verify against the lab DC: both kinds of container host, and every way the chain breaks.

The objects are made with samba-tool, as an administrator would, and what the
module reports is compared with what samba-tool and ldbsearch read
independently. The gMSA's password is read here too, with the principal's own
credentials, only to prove that neither it nor its NT hash appears anywhere
the module could have leaked it.
"""

from __future__ import annotations

import struct
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from harness import assert_one_clean_line, current_password, files_under, leak_forms, md4, read_managed_password

pytestmark = pytest.mark.lab

GMSA = 'vft01'
DISABLED_GMSA = 'vft02'
GROUP = 'vftgrp'            # the hosts' group
OUTER_GROUP = 'vftouter'    # allowed on the gMSA; GROUP is a member of it (transitive membership)
USER = 'vftuser'            # a non-domain-joined host's portable identity
HOST = 'VFTHOST01'          # a domain-joined host's computer account
NOT_ALLOWED = 'vftnope'
# Unique per run, so that finding one in the output can only be a leak.
USER_PASSWORD = 'VftSentinel-%s-Pw1!' % uuid.uuid4().hex[:12]
HOST_PASSWORD = 'VftHostSentinel-%s-Pw1!' % uuid.uuid4().hex[:12]
NOT_ALLOWED_PASSWORD = 'VftNope-%s-Pw1!' % uuid.uuid4().hex[:12]
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)

STATIC_CHECKS = ['kds_root_key', 'account', 'spns', 'spns_unique', 'principal_allowed']
ALL_CHECKS = STATIC_CHECKS + ['password_read', 'kerberos_tgt']


# ------------------------------------------------------------------ the lab
def _remove_objects(lab):
    for name in (GMSA, DISABLED_GMSA):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
    for name in (USER, NOT_ALLOWED):
        lab.samba_tool('user', 'delete', name, check=False)
    lab.samba_tool('computer', 'delete', HOST, check=False)
    for name in (GROUP, OUTER_GROUP):
        lab.samba_tool('group', 'delete', name, check=False)


def _enable(lab, dn):
    """samba-tool makes gMSAs disabled (0x1022); Windows tools make them 0x1000, which the KDC accepts."""
    ldif = 'dn: %s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 4096\n' % dn
    subprocess.run(lab.in_lab_net(['ldbmodify', '-H', 'ldap://127.0.0.1', '-A', lab.env['GMSA_LAB_AUTH_FILE']]),
                   input=ldif, text=True, check=True, capture_output=True)


def gmsa_dn(lab, name=GMSA):
    return 'CN=%s,CN=Managed Service Accounts,%s' % (name, lab.domain_dn)


@pytest.fixture(scope='module')
def chain(lab):
    """Hosts in GROUP, GROUP in OUTER_GROUP, OUTER_GROUP allowed on the gMSA; one user outside."""
    _remove_objects(lab)
    tool = lab.samba_tool
    tool('group', 'add', GROUP)
    tool('group', 'add', OUTER_GROUP)
    tool('group', 'addmembers', OUTER_GROUP, GROUP)
    tool('user', 'add', USER, USER_PASSWORD)
    tool('user', 'add', NOT_ALLOWED, NOT_ALLOWED_PASSWORD)
    tool('computer', 'create', HOST)
    tool('user', 'setpassword', HOST + '$', '--newpassword=' + HOST_PASSWORD)
    tool('group', 'addmembers', GROUP, '%s,%s$' % (USER, HOST))
    outer_dn = 'CN=%s,CN=Users,%s' % (OUTER_GROUP, lab.domain_dn)
    for name in (GMSA, DISABLED_GMSA):
        tool('service-account', 'create', '--name', name, '--dns-host-name', '%s.gmsa.test' % name)
        tool('service-account', 'group-msa-membership', 'add', '--name', name, '--principal', outer_dn)
    for spn in ('host/%s' % GMSA, 'host/%s.gmsa.test' % GMSA):
        tool('spn', 'add', spn, GMSA + '$')
    _enable(lab, gmsa_dn(lab))   # DISABLED_GMSA stays as samba-tool made it
    yield lab
    _remove_objects(lab)


def verify(options):
    return '- wincontainers.gmsa.verify:\n    %s\n  register: verified\n' % options.strip().replace('\n', '\n    ')


def checks_of(result):
    return {check['name']: check for check in result['checks']}


# --------------------------------------------------------- independent reads
def query_interval(blob):
    query_at = struct.unpack_from('<H', blob, 12)[0]
    return timedelta(microseconds=struct.unpack_from('<Q', blob, query_at)[0] // 10)


def uac(lab, dn):
    return int(lab.ldbsearch(dn, attributes=['userAccountControl'], scope='base')[dn]['userAccountControl'][0])


# ------------------------------------------------------------------ the tests
def test_md4_matches_the_rfc_vectors():
    assert md4(b'').hex() == '31d6cfe0d16ae931b73c59d7e0c089c0'
    assert md4(b'abc').hex() == 'a448017aaf21d8525fc10ae87aa6729d'


def test_non_domain_joined_host_reads_the_password_and_gets_a_tgt_without_leaking_it(chain, run_playbook, tmp_path):
    lab = chain
    ccache = tmp_path / 'must-not-appear.ccache'
    run = run_playbook(verify('''
account: %s
principal_username: %s@gmsa.test
principal_password: "{{ lookup('env', 'VFT_PRINCIPAL_PASSWORD') }}"
''' % (GMSA, USER)), args=['-vvvv'], extra_env={'KRB5CCNAME': 'FILE:%s' % ccache, 'VFT_PRINCIPAL_PASSWORD': USER_PASSWORD})
    assert run.rc == 0, run.output
    result = run.result()
    assert [c['name'] for c in result['checks']] == ALL_CHECKS
    assert all(c['ok'] for c in result['checks']), result['checks']
    assert result['password_retrievable'] is True and result['tgt_obtained'] is True
    assert result['static_only'] is False
    assert 'through %s' % OUTER_GROUP in checks_of(result)['principal_allowed']['detail']
    assert '%s$@GMSA.TEST' % GMSA in checks_of(result)['kerberos_tgt']['detail']

    # The facts reported are the DC's, read independently.
    dn = gmsa_dn(lab)
    entry = lab.ldbsearch(dn, attributes=['dNSHostName', 'servicePrincipalName', 'pwdLastSet'], scope='base')[dn]
    assert result['account']['dn'] == dn
    assert result['account']['dns_hostname'] == entry['dNSHostName'][0]
    assert sorted(result['account']['spns']) == sorted(entry['servicePrincipalName'])
    assert result['principal']['dn'] == 'CN=%s,CN=Users,%s' % (USER, lab.domain_dn)
    last_set = FILETIME_EPOCH + timedelta(microseconds=int(entry['pwdLastSet'][0]) // 10)
    assert result['password_last_set'].startswith(last_set.strftime('%Y-%m-%dT%H:%M:%S'))
    blob = read_managed_password(lab, gmsa_dn(lab), USER, USER_PASSWORD)
    expected_rollover = datetime.now(timezone.utc) + query_interval(blob)
    reported = datetime.fromisoformat(result['next_rollover'].replace('Z', '+00:00'))
    assert abs(reported - expected_rollover) < timedelta(minutes=2)

    # Nothing secret anywhere: not the principal's password, not the gMSA's in any form
    # (the playbook itself takes the principal's password from the environment).
    secrets = dict(leak_forms(current_password(blob)), **{'principal password': USER_PASSWORD})
    assert 'wincontainers.gmsa.verify' in run.output   # the -vvvv output is really there
    for what, secret in secrets.items():
        assert secret not in run.output, what
        for path, content in files_under(tmp_path):
            assert secret.encode('utf-8') not in content, (what, path)
    assert not ccache.exists(), 'a ticket cache file was written'


def test_domain_joined_host_with_its_machine_password(chain, run_playbook):
    run = run_playbook(verify('''
account: %s$
principal_username: %s$
principal_password: "%s"
''' % (GMSA, HOST, HOST_PASSWORD)))
    assert run.rc == 0, run.output
    result = run.result()
    assert all(c['ok'] for c in result['checks']), result['checks']
    assert result['principal']['name'] == HOST + '$'
    assert result['password_retrievable'] is True and result['tgt_obtained'] is True
    assert HOST_PASSWORD not in run.output


def test_principal_with_a_kerberos_ticket_cache(chain, run_playbook, tmp_path):
    ccache = tmp_path / 'host.ccache'
    chain.kinit('%s$@GMSA.TEST' % HOST, HOST_PASSWORD, ccache)
    before = ccache.read_bytes()
    run = run_playbook(verify('''
account: %s
principal_username: %s$@GMSA.TEST
principal_ccache: %s
''' % (GMSA, HOST, ccache)))
    assert run.rc == 0, run.output
    result = run.result()
    assert checks_of(result)['password_read']['ok'], result['checks']
    assert 'Kerberos' in checks_of(result)['password_read']['detail']
    assert result['tgt_obtained'] is True
    assert ccache.read_bytes()[:len(before) // 2] == before[:len(before) // 2]


def test_principal_with_a_keytab(chain, run_playbook, tmp_path):
    keytab = tmp_path / 'vftuser.keytab'
    # The user's keys from its password and the salt the KDC names (REALM + user name for a user).
    subprocess.run(['ktutil'], input='addent -password -p %s@GMSA.TEST -k 1 -e aes256-cts-hmac-sha1-96\n%s\n'
                   'wkt %s\nquit\n' % (USER, USER_PASSWORD, keytab), text=True, check=True, capture_output=True)
    run = run_playbook(verify('''
account: %s
principal_username: GMSA\\%s
principal_keytab: %s
''' % (GMSA, USER, keytab)))
    assert run.rc == 0, run.output
    assert run.result()['password_retrievable'] is True
    assert run.result()['tgt_obtained'] is True


def test_principal_alone_runs_the_static_checks_with_transitive_groups(chain, run_playbook):
    lab = chain
    dn = gmsa_dn(lab)
    changed_before = lab.ldbsearch(dn, attributes=['uSNChanged'], scope='base')[dn]['uSNChanged']
    run = run_playbook(verify('''
account: %s
principal: GMSA\\%s$
''' % (GMSA, HOST)), args=['--check'])
    assert run.rc == 0, run.output
    result = run.result()
    assert [c['name'] for c in result['checks']] == STATIC_CHECKS
    assert all(c['ok'] for c in result['checks'])
    # HOST is in GROUP, GROUP in OUTER_GROUP, and only OUTER_GROUP is allowed.
    assert checks_of(result)['principal_allowed']['detail'].endswith('through %s' % OUTER_GROUP)
    assert result['static_only'] is True
    assert result['password_retrievable'] is None and result['tgt_obtained'] is None
    assert result['changed'] is False
    assert lab.ldbsearch(dn, attributes=['uSNChanged'], scope='base')[dn]['uSNChanged'] == changed_before


def test_the_account_is_found_as_everywhere_by_dn_sid_or_guid(chain, run_playbook):
    lab = chain
    dn = gmsa_dn(lab)
    entry = lab.ldbsearch(dn, attributes=['objectSid', 'objectGUID'], scope='base')[dn]
    for written in (dn, entry['objectSid'][0], entry['objectGUID'][0]):
        run = run_playbook(verify('account: "%s"\nprincipal: GMSA\\%s$\n' % (written, HOST)))
        assert run.rc == 0, run.output
        assert run.result()['account']['dn'] == dn, written


def test_principal_not_allowed_fails_naming_the_cause_and_the_fix(chain, run_playbook):
    run = run_playbook(verify('''
account: %s
principal_username: %s
principal_password: "%s"
''' % (GMSA, NOT_ALLOWED, NOT_ALLOWED_PASSWORD)))
    message = assert_one_clean_line(run, 'principal_allowed', '%s is not allowed to read the password of %s$'
                                    % (NOT_ALLOWED, GMSA), 'add %s to one of those groups' % NOT_ALLOWED, OUTER_GROUP)
    assert 'password_read' in message   # the DC agrees: it returned no password
    result = run.result()
    assert result['password_retrievable'] is False
    assert 'kerberos_tgt' not in checks_of(result)
    assert NOT_ALLOWED_PASSWORD not in run.output


def test_wrong_principal_password(chain, run_playbook):
    wrong = 'VftWrong-%s' % uuid.uuid4().hex[:8]
    run = run_playbook(verify('''
account: %s
principal_username: %s
principal_password: "%s"
''' % (GMSA, USER, wrong)))
    message = assert_one_clean_line(run, 'password_read', 'refused principal_password for %s' % USER)
    assert 'principal_allowed' not in message   # the static checks pass; only the password is wrong
    assert wrong not in run.output


def test_kerberos_false_skips_the_ticket(chain, run_playbook):
    run = run_playbook(verify('''
account: %s
principal_username: %s
principal_password: "%s"
kerberos: false
''' % (GMSA, USER, USER_PASSWORD)))
    assert run.rc == 0, run.output
    result = run.result()
    assert [c['name'] for c in result['checks']] == STATIC_CHECKS + ['password_read']
    assert result['tgt_obtained'] is None and result['password_retrievable'] is True


def test_fail_on_error_false_reports_the_failed_checks(chain, run_playbook):
    run = run_playbook(verify('''
account: %s
principal: %s
fail_on_error: false
''' % (GMSA, NOT_ALLOWED)))
    assert run.rc == 0, run.output
    result = run.result()
    assert not result.get('failed')
    failed = [c['name'] for c in result['checks'] if not c['ok']]
    assert failed == ['principal_allowed']


def test_disabled_gmsa_without_spns_names_each_fix_and_the_kdc_refuses_it(chain, run_playbook):
    lab = chain
    assert uac(lab, gmsa_dn(lab, DISABLED_GMSA)) & 0x2
    run = run_playbook(verify('''
account: %s
principal_username: %s
principal_password: "%s"
''' % (DISABLED_GMSA, USER, USER_PASSWORD)))
    message = assert_one_clean_line(run, 'account:', 'disabled', '4096', 'spns:', 'host/%s' % DISABLED_GMSA,
                                    'kerberos_tgt:')
    result = run.result()
    assert result['password_retrievable'] is True   # the DC serves it; only the KDC refuses the account
    assert result['tgt_obtained'] is False
    assert 'disabled' in checks_of(result)['kerberos_tgt']['detail'], message


def test_account_that_is_not_a_gmsa(chain, run_playbook):
    run = run_playbook(verify('account: %s\nprincipal: %s' % (USER, USER)))
    assert_one_clean_line(run, 'account:', 'is a user, not a group managed service account')


def test_account_that_does_not_exist(chain, run_playbook):
    run = run_playbook(verify('account: vftmissing\nprincipal: %s' % USER))
    assert_one_clean_line(run, "no account 'vftmissing'", 'wincontainers.gmsa.service_account')


@pytest.mark.parametrize('options, expected', [
    ('account: %s\nprincipal: %s\nprincipal_username: %s' % (GMSA, USER, USER), 'mutually exclusive'),
    ('account: %s' % GMSA, 'principal or principal_username is required'),
    ('account: %s\nprincipal_username: %s' % (GMSA, USER), 'principal_username needs principal_password'),
    ('account: %s\nprincipal: %s\nprincipal_password: x' % (GMSA, USER), 'principal_password belongs with principal_username'),
    ('account: %s\nprincipal: vftnobody' % GMSA, "principal: no account found for 'vftnobody'"),
    ('account: %s\nprincipal_username: %s\nprincipal_ccache: /nonexistent/cc' % (GMSA, USER), 'principal_ccache: no file'),
])
def test_bad_input_is_one_clean_line(chain, run_playbook, options, expected):
    assert_one_clean_line(run_playbook(verify(options)), expected)
