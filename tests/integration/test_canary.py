"""playbooks/canary.yml against stand-in Windows hosts (tests/standin): not Windows, no container runs.

The stand-in host's model of canary.ps1 runs each container as Docker and ccg.exe are documented to, and logs the
Microsoft-Windows-Containers-CCG/Admin events Microsoft's troubleshooting page lists; what is asserted is the
canary's findings, the table per host, the run's statistics and that the host's configuration is as it was.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'standin'))

from runner import run_playbook  # noqa: E402  (after the path is set)
from windows_hosts import (  # noqa: E402
    StandInHost, credential_spec, domain_joined, host_state, outside, outside_the_domain, with_com_classes,
)

CORES = ['oldest', 'newest']
REPO = Path(__file__).resolve().parents[2]
RANCHER = '{E4781092-F116-4B79-B55E-28EB6A224E26}'


def with_specs(state, specs):
    """The spec files as the container_host role wrote them, and the plug-in listed where ccg.exe looks."""
    folder = 'C:\\ProgramData\\docker\\CredentialSpecs'
    state['directories'][folder.lower()] = folder
    for spec in specs.values():
        path = folder + '\\' + spec['file_name']
        state['files'][path.lower()] = {'path': path, 'content': json.dumps(json.loads(spec['json']))}
    return state


def canary(host, applications, specs, core, *args):
    (host.folder / 'vars.yml').write_text(yaml.safe_dump({'gmsa_applications': applications, 'gmsa_credential_specs': specs}))
    return run_playbook(REPO / 'playbooks' / 'canary.yml', host.folder / 'inventory.yml', core=core,
                        extra_args=('-e', '@%s' % (host.folder / 'vars.yml'), *args),
                        env={'ANSIBLE_SHOW_CUSTOM_STATS': 'true'})


def table(run):
    return next(result['msg'] for task, _host, result in run.results if task.endswith('Show what the canary found'))


def outside_host(tmp_path, **changes):
    state = with_com_classes(outside_the_domain(host_state(**changes)), 'rancher')
    path = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses\\' + RANCHER
    state['registry'][path.lower()] = {'path': path, 'properties': {}}
    return state


@pytest.mark.parametrize('core', CORES)
def test_the_canary_checks_each_application_and_changes_nothing(tmp_path, core):
    specs = {name: credential_spec(name) for name in ('WebApp01', 'Batch01')}
    host = StandInHost(tmp_path, with_specs(host_state(), specs))
    before = host.without_calls()
    done = canary(host, [domain_joined('WebApp01'), domain_joined('Batch01')], specs, core)
    assert done.rc == 0, done.output
    lines = table(done)
    assert lines[0] == 'application | container       | secure channel | TGT | service ticket | fix'
    assert [re.sub(r'-[0-9a-f]{8}', '', re.sub(' +', ' ', line)) for line in lines[1:]] == [
        'WebApp01 | webapp | ok | ok | ok | -', 'Batch01 | batch0 | ok | ok | ok | -']
    assert done.document['global_custom_stats'] == {'gmsa_canary': {'ctr01': []}}
    assert host.without_calls() == before, 'the canary changed the host'
    checked = canary(host, [domain_joined('WebApp01')], specs, core, '--check')
    assert checked.rc == 0 and not [call for call in host.calls('ansible.windows.win_powershell') if call['check_mode']]


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('changes,event,fix', [
    ({'plugin_failures': [RANCHER]}, 6, 'check plugin.input'),
    ({'ad': {'portable_denied': ['Reports01']}}, 8, 'the portable user must be in the group'),
])
def test_what_ccg_exe_logs_outside_the_domain_comes_out_with_its_fix(tmp_path, core, changes, event, fix):
    specs = {'Reports01': credential_spec('Reports01', 'rancher')}
    host = StandInHost(tmp_path, with_specs(outside_host(tmp_path, **changes), specs))
    done = canary(host, [outside('Reports01', 'rancher')], specs, core)
    assert done.rc != 0
    lines = table(done)
    assert re.sub(' +', ' ', lines[1]).startswith('Reports01 | report-') and 'FAILED' in lines[1], lines
    assert any(line.startswith('(host)') and 'event ccg_event_%d' % event in line and fix in line for line in lines), lines
    findings = done.document['global_custom_stats']['gmsa_canary']['ctr01']
    assert {finding['name'] for finding in findings} >= {'krbtgt', 'ccg_event_%d' % event}
    assert 'The canary found' in done.stdout


@pytest.mark.parametrize('core', CORES)
def test_a_plugin_listed_but_not_installed_is_ccg_event_4(tmp_path, core):
    specs = {'Reports01': credential_spec('Reports01', 'rancher')}
    state = with_specs(outside_host(tmp_path), specs)
    del state['registry'][('HKLM:\\SOFTWARE\\Classes\\CLSID\\' + RANCHER).lower()]
    host = StandInHost(tmp_path, state)
    done = canary(host, [outside('Reports01', 'rancher')], specs, core)
    assert done.rc != 0
    assert any('event ccg_event_4' in line and 'install the plug-in' in line for line in table(done))


@pytest.mark.parametrize('core', CORES)
def test_a_healthy_host_outside_the_domain_logs_only_what_needs_no_attention(tmp_path, core):
    specs = {'Reports01': credential_spec('Reports01', 'rancher')}
    host = StandInHost(tmp_path, with_specs(outside_host(tmp_path), specs))
    done = canary(host, [outside('Reports01', 'rancher')], specs, core)
    assert done.rc == 0, done.output
    assert [event['id'] for event in host.state['events']] == [1, 2]
    assert len(table(done)) == 2
