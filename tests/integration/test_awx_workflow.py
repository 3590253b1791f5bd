"""The AWX workflow of docs/awx.md, run by ansible-runner (AWX's engine): the accounts once, then the container hosts
in slices.

Node 1 runs site.yml limited to localhost: the KDS root key, the accounts and the credential specs, against the real
lab DC, handing the credential specs over as its artifact (set_stats). Each later node runs container_hosts.yml for a
slice of hosts (--limit localhost,<slice>), with that artifact as an extra variable, as an AWX workflow passes a
node's artifacts on. The container hosts are stand-ins (tests/standin, not Windows). What this proves: the
directory is worked on once, each slice reaches only its hosts, and every host gets the DC's credential specs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import ansible_runner
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'standin'))

from runner import collections_path, module_docs_file  # noqa: E402  (after the path is set)
from windows_hosts import SPEC_DIR, StandInHost, host_state, outside_the_domain, with_com_classes  # noqa: E402
from lab_dc import REPO  # noqa: E402

pytestmark = pytest.mark.lab

APPLICATION = 'awxRpt01'
HOSTS = ['node%02d.example.net' % number for number in range(1, 5)]
SLICES = [HOSTS[:2], HOSTS[2:]]


def sweep(lab):
    lab.samba_tool('service-account', 'delete', '--name', APPLICATION, check=False)
    lab.samba_tool('group', 'delete', APPLICATION + 'Hosts', check=False)
    lab.samba_tool('user', 'delete', APPLICATION + '-ccg', check=False)


@pytest.fixture
def private_data_dir(lab, tmp_path, monkeypatch):
    """ansible-runner's private data dir as an AWX job gets it: the connection as environment variables (a credential
    type), the inventory, and the stand-in hosts beside it."""
    sweep(lab)
    monkeypatch.setenv('PATH', '%s:%s' % (Path(sys.executable).parent, os.environ['PATH']))
    private = tmp_path / 'private'
    (private / 'env').mkdir(parents=True)
    (private / 'inventory').mkdir()
    hosts = {}
    for name in HOSTS:
        (tmp_path / name).mkdir()
        hosts[name] = StandInHost(tmp_path / name, with_com_classes(outside_the_domain(host_state()), 'rancher'), name=name)
    envvars = dict(lab.connection_env(), ANSIBLE_COLLECTIONS_PATH=collections_path('newest'),
                   STANDIN_MODULE_DOCS=str(module_docs_file()), ANSIBLE_NOCOLOR='1')
    (private / 'env' / 'envvars').write_text(yaml.safe_dump(envvars))
    standin = {'ansible_connection': 'standin.common.host', 'ansible_shell_type': 'powershell'}
    inventory = {'all': {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
        'children': {'awx_report_hosts': {'hosts': {name: dict(standin, standin_state=str(host.state_file))
                                                    for name, host in hosts.items()}}},
        'vars': {'gmsa_kds_mode': 'lab', 'gmsa_output_dir': str(tmp_path / 'output'), 'gmsa_secret_dir': str(tmp_path / 'secrets'),
                 'gmsa_kubernetes_apply': False,
                 'gmsa_applications': [{'name': APPLICATION, 'container_hosts': 'awx_report_hosts', 'domain_joined': False,
                                        'plugin': {'type': 'rancher', 'namespace': 'gmsa-system',
                                                   'secret_name': 'awxrpt01-ccg', 'deliver': False}}]}}}
    (private / 'inventory' / 'hosts.yml').write_text(yaml.safe_dump(inventory))
    yield SimpleNamespace(path=private, hosts=hosts)
    sweep(lab)


def run_job(private, playbook, limit, extravars=None):
    """One AWX job: ansible-runner with the project's playbook, a --limit, and the extra variables of the node."""
    extravars_file = private.path / 'env' / 'extravars'
    extravars_file.unlink(missing_ok=True)
    if extravars:
        extravars_file.write_text(json.dumps(extravars))
    return ansible_runner.run(private_data_dir=str(private.path), project_dir=str(REPO / 'playbooks'), playbook=playbook,
                              cmdline='--limit %s' % limit, quiet=True)


def job(private, playbook, limit, extravars=None):
    done = run_job(private, playbook, limit, extravars)
    assert done.status == 'successful', ''.join(done.stdout.readlines())[-4000:]
    return done


def artifacts(done):
    """What the job left for the next node of a workflow: the set_stats data of its stats event."""
    stats = [event for event in done.events if event['event'] == 'playbook_on_stats']
    return stats[-1]['event_data'].get('artifact_data') or {}


def directory_tasks(done):
    return [event['event_data']['task_action'] for event in done.events if event['event'] == 'runner_on_ok'
            and event['event_data'].get('task_action', '').startswith('wincontainers.gmsa.')]


def test_the_accounts_run_once_and_the_hosts_in_slices(lab, private_data_dir):
    hosts = private_data_dir.hosts
    accounts = job(private_data_dir, 'site.yml', 'localhost')
    assert 'wincontainers.gmsa.application' in directory_tasks(accounts)
    assert all(host.calls() == [] for host in hosts.values()), 'the accounts job reached a container host'
    handed_over = artifacts(accounts)
    spec = handed_over['gmsa_credential_specs'][APPLICATION]
    assert json.loads(spec['json'])['DomainJoinConfig']['MachineAccountName'] == APPLICATION

    usn = lab.highest_committed_usn()
    for number, hosts_of_slice in enumerate(SLICES):
        done = job(private_data_dir, 'container_hosts.yml', ','.join(['localhost'] + hosts_of_slice), handed_over)
        assert directory_tasks(done) == [], 'a slice worked on the directory'
        for name, host in hosts.items():
            reached = any(name in hosts_of_later for hosts_of_later in SLICES[number + 1:])
            assert bool(host.calls()) != reached, '%s: reached by the wrong slice' % name
        for name in hosts_of_slice:
            assert hosts[name].file(SPEC_DIR + '\\' + spec['file_name']) == json.dumps(json.loads(spec['json']))
    assert lab.highest_committed_usn() == usn, 'the slices wrote to the directory'


def test_a_slice_without_the_credential_specs_says_what_to_hand_over(private_data_dir):
    done = run_job(private_data_dir, 'container_hosts.yml', 'localhost,' + HOSTS[0])
    assert done.status == 'failed'
    assert 'gmsa_credential_specs is not given' in ''.join(done.stdout.readlines())
    assert private_data_dir.hosts[HOSTS[0]].calls() == []
