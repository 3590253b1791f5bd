"""The doctor against a forest of its own: every check passes on a healthy forest and writes nothing, in
check mode too; each failure it is meant to find is made for real (a credential spec with the NetBIOS
name as its DNS name, a DNS server that answers UDP but not TCP, an SRV record deleted, a domain
controller that cannot be reached, no KDS root key, a key not usable yet) and the finding says what
to change.

The forest has its own namespace and address (127.0.0.4), so that its DC is the namespace's DNS server:
the controllers are found through the SRV record, as in a domain, and nothing here touches the shared lab DC.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness import REPO, ansible_playbook, assert_one_clean_line, playbook_runner
from lab_dc import LabDC
from test_kds_root_key import delete_every_key, listed_key_ids

pytestmark = pytest.mark.lab

DOCTOR_LAB_DIR = '/var/tmp/gmsa-lab-doctor'
DOCTOR_LAB_NETNS = 'gmsa-doctor'
DOCTOR_LAB_ADDRESS = '127.0.0.4'
UDP_ONLY_DNS = '127.0.0.5'
DC = 'dc1.gmsa.test'
KERBEROS_UDP = ('gmsa.test', '_kerberos._udp', 'SRV', '%s 88 0 100' % DC)


@pytest.fixture(scope='module')
def forest():
    lab = LabDC.start(lab_dir=DOCTOR_LAB_DIR, netns=DOCTOR_LAB_NETNS, address=DOCTOR_LAB_ADDRESS)
    try:
        yield lab
    finally:
        lab.stop(purge=True)


@pytest.fixture
def run(forest, tmp_path):
    return playbook_runner(forest, tmp_path)


def doctor(options=''):
    return '- wincontainers.gmsa.doctor:\n    fail_on: never\n    %s\n  register: doctor\n' % (
        options.replace('\n', '\n    '))


def statuses(result):
    return {check['name']: check['status'] for check in result['checks']}


def check_named(result, name):
    return next(check for check in result['checks'] if check['name'] == name)


def dns(forest, action, *record):
    subprocess.run(forest.in_lab_net(['samba-tool', 'dns', action, forest.env['GMSA_AD_SERVER'], *record,
                                      '-A', forest.env['GMSA_LAB_AUTH_FILE']]), check=True, capture_output=True)


# ------------------------------------------------------------ a healthy forest
HEALTHY = {
    'dns_srv_udp': 'ok', 'dns_srv_tcp': 'ok', 'clock (%s)' % DC: 'ok', 'ldaps_certificate (%s)' % DC: 'ok',
    'kds_root_key (%s)' % DC: 'ok', 'schema': 'ok', 'ldap_signing (%s)' % DC: 'ok',
    'ldap_channel_binding (%s)' % DC: 'ok', 'credential_specs': 'skipped',
}


@pytest.mark.parametrize('args', [(), ('--check',)], ids=['normal', 'check mode'])
def test_every_check_passes_on_a_healthy_forest_and_nothing_is_written(forest, run, args):
    usn = forest.highest_committed_usn()
    done = run(doctor(), args=args)
    assert done.rc == 0, done.output
    result = done.result()
    assert statuses(result) == HEALTHY, result['checks']
    assert result['counts'] == {'ok': 8, 'warning': 0, 'failed': 0, 'skipped': 1}
    assert not result['changed']
    # What the Samba lab DC shows: strong auth required, channel binding enforced, its key provisioned backdated.
    assert 'Transport encryption required' in check_named(result, 'ldap_signing (%s)' % DC)['finding']
    assert '80090346' in check_named(result, 'ldap_channel_binding (%s)' % DC)['finding']
    assert 'schema version 88' in check_named(result, 'schema')['finding']
    assert forest.highest_committed_usn() == usn
    assert forest.password not in done.output


def test_controllers_found_by_srv_record_and_one_that_cannot_be_reached(forest, run):
    done = run(doctor('domain_controllers: [%s, dc9.gmsa.test]' % DC),
               extra_env={'GMSA_AD_SERVER': '', 'GMSA_AD_TLS_SERVER_NAME': ''})
    assert done.rc == 0, done.output
    result = done.result()
    assert statuses(result)['kds_root_key (%s)' % DC] == 'ok'
    unreachable = check_named(result, 'domain_controller (dc9.gmsa.test)')
    assert unreachable['status'] == 'failed'
    assert 'dc9.gmsa.test cannot be resolved' in unreachable['finding']
    assert 'leave it out of domain_controllers' in unreachable['fix']


@pytest.mark.parametrize('server, domain, dns_status, bind_line', [
    ('127.0.0.9', 'gmsa.test', 'ok', 'refused the connection'),
    ('', 'nosuch.test', 'failed', 'the DNS SRV record _ldap._tcp.dc._msdcs.nosuch.test did not resolve'),
], ids=['no LDAP on the address given', 'a domain without SRV records'])
def test_a_failed_bind_is_a_finding_beside_the_dns_checks(run, server, domain, dns_status, bind_line):
    done = run(doctor().replace('    fail_on: never\n', ''),
               extra_env={'GMSA_AD_SERVER': server, 'GMSA_AD_TLS_SERVER_NAME': '', 'GMSA_AD_DOMAIN': domain})
    assert_one_clean_line(done, 'bind (failed)')
    result = done.result()
    assert statuses(result) == {'dns_srv_udp': dns_status, 'dns_srv_tcp': dns_status, 'bind': 'failed'}
    assert bind_line in check_named(result, 'bind')['finding']
    if dns_status == 'failed':
        assert 'has no _ldap._tcp.dc._msdcs.nosuch.test' in check_named(result, 'dns_srv_udp')['finding']


# ------------------------------------------------------------ credential specs
SPEC = '''
CmsPlugins: [ActiveDirectory]
DomainJoinConfig:
  Sid: "{{ ad.domain.sid }}"
  MachineAccountName: WebApp01
  Guid: "{{ ad.domain.guid }}"
  DnsTreeName: gmsa.test
  DnsName: %s
  NetBiosName: GMSA
ActiveDirectoryConfig:
  GroupManagedServiceAccounts:
    - {Name: WebApp01, Scope: gmsa.test}
    - {Name: WebApp01, Scope: GMSA}
'''


def test_a_netbios_name_in_the_dns_field_is_named_with_the_right_value(run):
    right, wrong = SPEC % 'gmsa.test', SPEC % 'GMSA'
    tasks = ('- wincontainers.gmsa.domain_info:\n    list_service_accounts: false\n  register: ad\n'
             + doctor('credential_specs:\n  - %s\n  - %s' % (right.strip().replace('\n', '\n    '),
                                                             wrong.strip().replace('\n', '\n    '))))
    done = run(tasks)
    assert done.rc == 0, done.output
    checks = [check for check in done.result()['checks'] if check['name'] == 'credential_spec WebApp01']
    assert [check['status'] for check in checks] == ['ok', 'failed']
    assert checks[1]['finding'] == ("credential_specs[1] DomainJoinConfig.DnsName is 'GMSA' (that is the NetBIOS name)")
    assert checks[1]['fix'].startswith("set DomainJoinConfig.DnsName to gmsa.test (the domain's DNS name)")


# ------------------------------------------------------------ DNS
UDP_FORWARDER = '''
import socket, sys
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((sys.argv[1], 53))
print('ready', flush=True)
while True:
    question, client = server.recvfrom(4096)
    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    upstream.settimeout(2)
    upstream.sendto(question, (sys.argv[2], 53))
    try:
        server.sendto(upstream.recv(4096), client)
    except socket.timeout:
        pass
    upstream.close()
'''


@pytest.fixture
def udp_only_dns(forest):
    """A DNS server that answers over UDP only (it forwards to the DC), as behind a firewall that drops TCP 53."""
    forwarder = subprocess.Popen(forest.in_lab_net([sys.executable, '-c', UDP_FORWARDER, UDP_ONLY_DNS,
                                                    DOCTOR_LAB_ADDRESS]), stdout=subprocess.PIPE, text=True)
    try:
        assert forwarder.stdout.readline().strip() == 'ready'
        yield UDP_ONLY_DNS
    finally:
        forwarder.kill()
        forwarder.wait()


def test_a_dns_server_that_does_not_answer_tcp_is_told_to_open_tcp_53(run, udp_only_dns):
    done = run(doctor('dns_server: [%s]' % udp_only_dns))
    assert done.rc == 0, done.output
    result = done.result()
    assert check_named(result, 'dns_srv_udp')['status'] == 'ok'
    tcp = check_named(result, 'dns_srv_tcp')
    assert tcp['status'] == 'failed'
    assert '%s did not answer over TCP' % udp_only_dns in tcp['finding']
    assert 'open TCP port 53' in tcp['fix']


def test_a_missing_srv_record_is_named_with_how_to_register_it(forest, run):
    dns(forest, 'delete', *KERBEROS_UDP)
    try:
        done = run(doctor())
    finally:
        dns(forest, 'add', *KERBEROS_UDP)
    assert done.rc == 0, done.output
    for transport in ('udp', 'tcp'):
        check = check_named(done.result(), 'dns_srv_%s' % transport)
        assert check['status'] == 'failed'
        assert 'has no _kerberos._udp.gmsa.test (NXDOMAIN)' in check['finding']
        assert 'nltest /dsregdns' in check['fix']


# ------------------------------------------------------------ the KDS root key
def test_no_key_and_a_key_not_usable_yet_say_what_to_do(forest, run):
    kds = 'kds_root_key (%s)' % DC
    delete_every_key(forest)
    try:
        none = check_named(run(doctor()).result(), kds)
        assert none['status'] == 'failed'
        assert none['finding'] == '%s holds no KDS root key, so it cannot compute any gMSA password' % DC
        assert 'wincontainers.gmsa.kds_root_key' in none['fix']
        made = run('- wincontainers.gmsa.kds_root_key:\n    effective_time: now\n  register: key\n'
                   + doctor())
        assert made.rc == 0, made.output
        pending = check_named(made.result(), kds)
        assert pending['status'] == 'failed'
        assert 'becomes usable on %s only at %s' % (DC, made.result(0)['usable_from']) in pending['finding']
        assert 'lab_backdate=true' in pending['fix']
    finally:
        # The forest as the other tests found it: one key, usable now.
        delete_every_key(forest)
        assert run('- wincontainers.gmsa.kds_root_key:\n    lab_backdate: true\n').rc == 0
    assert len(listed_key_ids(forest)) == 1


# ------------------------------------------------------------ failing, bad input, the playbook
def test_fail_on_fails_the_task_in_one_line(run, udp_only_dns):
    done = run(doctor('dns_server: [%s]\nfail_on: failed' % udp_only_dns).replace('    fail_on: never\n', ''))
    message = assert_one_clean_line(done, '1 check needs attention: dns_srv_tcp (failed)')
    assert message.endswith("each check's fix says what to change")
    assert done.result()['checks'], 'the findings come with the failure'


@pytest.mark.parametrize('options, expected', [
    ('credential_specs: ["{not json"]', 'credential_specs[0]: not JSON'),
    ('credential_specs: [[1]]', 'credential_specs[0]: give a credential spec document'),
    ('fail_on: sometimes', 'fail_on'),
    ('dns_server: [dns1.gmsa.test]', "dns_server[0]: give the DNS server's IP address, not 'dns1.gmsa.test'"),
    ('domain_controllers: [" "]', "domain_controllers[0]: give a domain controller's DNS name"),
])
def test_bad_input_fails_in_one_line(run, options, expected):
    assert_one_clean_line(run(doctor(options)), expected)


def test_the_playbook_prints_one_line_per_check_and_fails_on_a_wrong_spec(forest, tmp_path):
    playbook, inventory = str(REPO / 'playbooks' / 'doctor.yml'), str(REPO / 'playbooks' / 'inventories' / 'lab')
    healthy = ansible_playbook(forest, ['-i', inventory, playbook], tmp_path, callback='default')
    assert healthy.rc == 0, healthy.output
    for name, status in HEALTHY.items():
        assert '"%-8s %s: ' % (status, name) in healthy.stdout, healthy.stdout
    spec = Path(tmp_path / 'gmsa_webapp01.json')
    spec.write_text('{"DomainJoinConfig": {"MachineAccountName": "WebApp01", "DnsName": "GMSA"}}')
    wrong = ansible_playbook(forest, ['-i', inventory, playbook, '-e', '{"gmsa_doctor_credential_spec_files": ["%s"]}'
                                      % spec], tmp_path, callback='default')
    assert wrong.rc != 0
    assert '"failed   credential_spec WebApp01: ' in wrong.stdout
    assert 'set DomainJoinConfig.DnsName to gmsa.test' in wrong.stdout
    assert '1 check needs attention: credential_spec WebApp01 (failed)' in wrong.stdout
