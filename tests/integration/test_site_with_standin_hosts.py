"""playbooks/site.yml from start to finish: the real lab DC for Active Directory, stand-in Windows hosts
(tests/standin, not Windows) for the container hosts.

The credential spec files the stand-in hosts get are the ones the service_accounts role read from the DC,
handed over between site.yml's plays: what this proves is the hand-over, that the container_host role
runs in the flow as users run it, and that a second run changes nothing anywhere.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'standin'))

from runner import run_playbook  # noqa: E402  (after the path is set)
from windows_hosts import PLUGINS, SPEC_DIR, StandInHost, host_state, outside_the_domain  # noqa: E402
from lab_dc import REPO  # noqa: E402

pytestmark = pytest.mark.lab

WEB, REPORTS = 'sthWeb01', 'sthRep01'
HOST = 'STHHOST01'


def sweep(lab):
    for name in (WEB, REPORTS):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
    for name in (WEB + 'Hosts', REPORTS + 'Hosts'):
        lab.samba_tool('group', 'delete', name, check=False)
    lab.samba_tool('user', 'delete', REPORTS + '-ccg', check=False)
    lab.samba_tool('computer', 'delete', HOST, check=False)


@pytest.fixture
def flow(lab, tmp_path):
    sweep(lab)
    lab.joined_computer(HOST)
    # The domain-joined stand-in host: in the group once site.yml has added it, after one ticket refresh.
    joined = StandInHost(tmp_path, host_state(ad={'gmsas': [WEB], 'readable': [], 'pending': {WEB: 1}}, tickets=[]),
                         name='%s.gmsa.test' % HOST.lower())
    clsid = PLUGINS['rancher']
    outside = outside_the_domain(host_state(registry={
        ('HKLM:\\SOFTWARE\\Classes\\CLSID\\%s' % clsid).lower(): {'path': 'HKLM:\\SOFTWARE\\Classes\\CLSID\\' + clsid}}))
    outside_host = StandInHost(tmp_path, outside, name='node01.example.net')
    standin = {'ansible_connection': 'standin.common.host', 'ansible_shell_type': 'powershell'}
    inventory = {'all': {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
        'children': {
            'sth_web_hosts': {'hosts': {joined.name: dict(standin, standin_state=str(joined.state_file))}},
            'sth_report_hosts': {'hosts': {outside_host.name: dict(standin, standin_state=str(outside_host.state_file))}},
            'domain_controllers': {'hosts': {'dc01.gmsa.test': {'ansible_host': '127.0.0.1'}}}},
        'vars': {
            'gmsa_kds_mode': 'lab', 'gmsa_output_dir': str(tmp_path / 'output'), 'gmsa_secret_dir': str(tmp_path / 'secrets'),
            'gmsa_kubernetes_apply': False, 'container_host_ticket_retry_delay': 1, 'container_host_ticket_timeout': 3,
            'container_host_set_dns': True,
            'gmsa_applications': [
                {'name': WEB, 'container_hosts': 'sth_web_hosts'},
                {'name': REPORTS, 'container_hosts': 'sth_report_hosts', 'domain_joined': False,
                 'plugin': {'guid': clsid, 'input': 'gmsa-system:sthrep01-ccg'}}]}}}
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))

    def run(*args):
        return run_playbook(REPO / 'playbooks' / 'site.yml', tmp_path / 'inventory.yml', extra_args=args,
                            env=lab.connection_env(), callback='default')

    run.hosts = joined, outside_host
    yield run
    sweep(lab)


def domain_sid(lab):
    found = lab.ldbsearch(lab.domain_dn, '(objectClass=domain)', ['objectSid'], scope='base')
    return next(iter(found.values()))['objectSid'][0]


def test_site_yml_brings_the_dc_s_credential_specs_to_the_stand_in_hosts(lab, flow):
    joined, outside_host = flow.hosts
    before = [host.without_calls() for host in flow.hosts]
    checked = flow('--check')
    assert checked.rc == 0, checked.output[-4000:]
    assert [host.without_calls() for host in flow.hosts] == before

    done = flow()
    assert done.rc == 0, done.output[-4000:]
    web = json.loads(joined.file(SPEC_DIR + '\\gmsa_sthweb01.json'))
    assert web['DomainJoinConfig']['MachineAccountName'] == WEB
    assert web['DomainJoinConfig']['Sid'] == domain_sid(lab)
    assert joined.state['tickets'] == [WEB]
    reports = json.loads(outside_host.file(SPEC_DIR + '\\gmsa_sthrep01.json'))
    assert reports['ActiveDirectoryConfig']['HostAccountConfig']['PluginGUID'] == PLUGINS['rancher']
    assert ('HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses\\' + PLUGINS['rancher']).lower() \
        in outside_host.state['registry']
    assert outside_host.state['dns_servers']['Ethernet'] == ['127.0.0.1']
    # The DC made the host's computer account a member of the group the stand-in host then found itself in.
    group = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%sHosts)' % WEB, ['member'])
    assert any(member.startswith('CN=%s,' % HOST) for member in next(iter(group.values()))['member'])

    after = [host.without_calls() for host in flow.hosts]
    again = flow()
    assert again.rc == 0, again.output[-4000:]
    assert [host.without_calls() for host in flow.hosts] == after
    for line in again.stdout.split('PLAY RECAP')[-1].splitlines():
        if ':' in line:
            assert 'changed=0' in line, again.stdout[-3000:]
