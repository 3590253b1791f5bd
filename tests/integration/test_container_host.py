"""The container_host role, executed against stand-in Windows hosts (tests/standin): not Windows.

Each scenario runs on the oldest and the newest ansible-core that meta/runtime.yml admits: once in check
mode (nothing written), then for real, then again (nothing changed, nothing written). What is asserted is
the stand-in host's state afterwards.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'standin'))

from windows_hosts import (  # noqa: E402  (after the path is set)
    CCG_COM_CLASSES, COM_CLASS, LEDGER, PLUGINS, SPEC_DIR, StandInHost, credential_spec, domain_joined, host_state,
    outside, outside_the_domain, outside_typed,
)

CORES = ['oldest', 'newest']
REPO = Path(__file__).resolve().parents[2]


def recap(run, what):
    found = re.search(r'%s=(\d+)' % what, run.stdout.split('PLAY RECAP')[-1])
    assert found, run.output
    return int(found.group(1))


def converges(host, applications, specs, core, **role_vars):
    """Check mode writes nothing; the run succeeds; a second run changes and writes nothing."""
    before = host.without_calls()
    checked = host.converge(applications, specs, core, check=True, **role_vars)
    assert checked.rc == 0, checked.output
    assert host.without_calls() == before, 'check mode changed the stand-in host'
    done = host.converge(applications, specs, core, **role_vars)
    assert done.rc == 0, done.output
    after = host.without_calls()
    again = host.converge(applications, specs, core, **role_vars)
    assert again.rc == 0, again.output
    assert recap(again, 'changed') == 0, again.stdout
    assert host.without_calls() == after, 'the second run wrote to the stand-in host'
    return done


SPECS = {name: credential_spec(name) for name in ('WebApp01', 'Batch01')}


# ------------------------------------------------------------------ domain-joined hosts
@pytest.mark.parametrize('core', CORES)
def test_a_domain_joined_host_already_in_the_group_gets_its_spec_files(tmp_path, core):
    host = StandInHost(tmp_path, host_state())
    converges(host, [domain_joined('WebApp01'), domain_joined('Batch01')], SPECS, core)
    assert host.spec_files() == ['gmsa_batch01.json', 'gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    # Compact JSON, so that every ansible-core writes the same bytes (see container_host_plan).
    assert host.file(SPEC_DIR + '\\gmsa_webapp01.json') == json.dumps(json.loads(SPECS['WebApp01']['json']))
    assert host.ledger() == ['gmsa_batch01.json', 'gmsa_webapp01.json']
    assert not [call for call in host.calls('ansible.windows.win_powershell') if call['params']['parameters'].get('RefreshTickets')]


@pytest.mark.parametrize('core', CORES)
def test_one_script_writes_the_folder_and_diff_mode_shows_each_file_that_changes(tmp_path, core):
    host = StandInHost(tmp_path, host_state())
    applications = [domain_joined('WebApp01'), domain_joined('Batch01')]
    checked = host.converge(applications, SPECS, core, check=True, diff=True)
    assert checked.rc == 0 and recap(checked, 'changed') > 0, checked.output
    assert host.spec_files() == [], 'check mode wrote into the folder'
    done = host.converge(applications, SPECS, core, diff=True)
    assert done.rc == 0, done.output
    for name in ('gmsa_webapp01.json', 'gmsa_batch01.json', 'wincontainers-gmsa-files.txt'):
        assert name in checked.stdout and name in done.stdout, name
    writes = [call for call in host.calls('ansible.windows.win_powershell') if 'Files' in call['params']['parameters']]
    assert len(writes) == 2 and [call['check_mode'] for call in writes] == [True, False]
    again = host.converge(applications, SPECS, core, diff=True)
    assert again.rc == 0 and recap(again, 'changed') == 0 and 'gmsa_webapp01.json' not in again.stdout, again.stdout


@pytest.mark.parametrize('core', CORES)
def test_the_smoke_test_runs_every_container_in_one_script(tmp_path, core):
    host = StandInHost(tmp_path, host_state())
    converges(host, [domain_joined('WebApp01'), domain_joined('Batch01')], SPECS, core, container_host_smoke_test=True)
    smoke_tests = [call['params'] for call in host.calls('ansible.windows.win_powershell') if 'Tests' in call['params']['parameters']]
    # Not in check mode; once in each of the two real runs, with both applications.
    assert len(smoke_tests) == 2
    assert [test['application'] for test in smoke_tests[0]['parameters']['Tests']] == ['WebApp01', 'Batch01']


@pytest.mark.parametrize('core', CORES)
def test_a_failed_smoke_test_stops_the_role_naming_the_application(tmp_path, core):
    # Docker's daemon is stopped: its root comes from its configuration, but no container starts.
    state = host_state(services={'docker': {'state': 'stopped', 'path': '"C:\\Program Files\\docker\\dockerd.exe" --run-service'}})
    host = StandInHost(tmp_path, state)
    done = host.converge([domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True)
    assert done.rc != 0
    assert 'WebApp01: nltest /sc_verify in a container with its credential spec failed' in done.stdout, done.stdout
    assert 'docker daemon is not running' in done.stdout
    assert host.spec_files() == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']


@pytest.mark.parametrize('core', CORES)
def test_a_host_added_to_the_group_refreshes_its_tickets_until_the_change_has_replicated(tmp_path, core):
    # The group change was made on another DC: it reaches the DC the host asks after two ticket refreshes.
    state = host_state(ad={'readable': [], 'pending': {'WebApp01': 2}}, tickets=[])
    host = StandInHost(tmp_path, state)
    before = host.without_calls()
    checked = host.converge([domain_joined('WebApp01')], SPECS, core, check=True)
    assert checked.rc == 0 and 'In check mode ctr01 cannot use WebApp01 yet' in checked.stdout, checked.output
    assert host.without_calls() == before
    done = host.converge([domain_joined('WebApp01')], SPECS, core)
    assert done.rc == 0, done.output
    assert host.state['tickets'] == ['WebApp01']
    refreshes = [call for call in host.calls('ansible.windows.win_powershell')
                 if call['params']['parameters'].get('RefreshTickets')]
    assert len(refreshes) == 2
    assert host.spec_files() == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    again = host.converge([domain_joined('WebApp01')], SPECS, core)
    assert again.rc == 0 and recap(again, 'changed') == 0, again.output


@pytest.mark.parametrize('core', CORES)
def test_a_host_never_allowed_stops_after_the_timeout_and_writes_no_spec(tmp_path, core):
    host = StandInHost(tmp_path, host_state(ad={'readable': []}, tickets=[]))
    done = host.converge([domain_joined('WebApp01')], SPECS, core)
    assert done.rc != 0
    assert 'ctr01 still cannot use WebApp01' in done.stdout and 'after 3 s of fresh tickets' in done.stdout
    assert host.spec_files() == []


@pytest.mark.parametrize('core', CORES)
def test_without_ad_web_services_the_host_is_checked_over_ldap(tmp_path, core):
    host = StandInHost(tmp_path, host_state(ad={'adws_reachable': False}))
    done = converges(host, [domain_joined('WebApp01')], SPECS, core)
    assert 'cannot reach AD Web Services' in done.stdout and 'checked over LDAP' in done.stdout
    assert host.spec_files() == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert not [call for call in host.calls('ansible.windows.win_powershell') if call['params']['parameters'].get('RefreshTickets')]


# ------------------------------------------------------------------ Windows features
def without_containers_feature():
    return host_state(features={'Containers': {'installed': False, 'restart_needed': True}})


@pytest.mark.parametrize('core', CORES)
def test_a_feature_that_needs_a_restart_stops_the_role_unless_it_may_restart(tmp_path, core):
    host = StandInHost(tmp_path, without_containers_feature())
    stopped = host.converge([domain_joined('WebApp01')], SPECS, core)
    assert stopped.rc != 0 and 'needs a restart before containers run' in stopped.stdout
    assert host.state['features']['Containers']['installed'] and host.state['reboot_pending']
    assert host.spec_files() == []

    (tmp_path / 'restarting').mkdir()
    restarting = StandInHost(tmp_path / 'restarting', without_containers_feature())
    converges(restarting, [domain_joined('WebApp01')], SPECS, core, container_host_reboot=True)
    assert restarting.state['reboots'] == 1 and not restarting.state['reboot_pending']
    assert restarting.spec_files() == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']


# ------------------------------------------------------------------ hosts outside the domain
def outside_state(**changes):
    return outside_the_domain(host_state(**changes))


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('plugin', sorted(PLUGINS))
def test_an_installed_plugin_is_registered_under_the_protected_ccg_key(tmp_path, core, plugin):
    clsid = PLUGINS[plugin]
    state = outside_state(registry={COM_CLASS.lower() % clsid.lower(): {'path': COM_CLASS % clsid, 'properties': {}}})
    host = StandInHost(tmp_path, state)
    converges(host, [outside('Reports01', plugin)], {'Reports01': credential_spec('Reports01', plugin)}, core)
    registry = host.state['registry']
    assert ('%s\\%s' % (CCG_COM_CLASSES, clsid)).lower() in registry
    # The key is given back to its owner, still closed to Administrators.
    assert registry[CCG_COM_CLASSES.lower()]['owner'] == 'NT SERVICE\\TrustedInstaller'
    assert registry[CCG_COM_CLASSES.lower()]['administrators_may_write'] is False
    assert host.spec_files() == ['gmsa_reports01.json', 'wincontainers-gmsa-files.txt']
    # DNS points at the DCs on the host's own connection, never on the containers' internal switch.
    assert host.state['dns_servers'] == {'Ethernet': ['10.1.0.4'], 'vEthernet (nat)': ['172.20.0.1']}


@pytest.mark.parametrize('core', CORES)
def test_the_typed_plugins_of_the_catalogue_are_registered_each_under_its_clsid(tmp_path, core):
    # One host serving an application per plug-in type: each type's CLSID comes from the catalogue.
    names = {'rancher': 'Rancher01', 'aws_ecs': 'Ecs01', 'azure_key_vault': 'Akv01'}
    state = outside_state(registry={COM_CLASS.lower() % clsid.lower(): {'path': COM_CLASS % clsid, 'properties': {}}
                                    for clsid in PLUGINS.values()})
    host = StandInHost(tmp_path, state)
    converges(host, [outside_typed(name, plugin) for plugin, name in names.items()],
              {name: credential_spec(name, plugin) for plugin, name in names.items()}, core)
    registry = host.state['registry']
    for clsid in PLUGINS.values():
        assert ('%s\\%s' % (CCG_COM_CLASSES, clsid)).lower() in registry, clsid
    assert host.spec_files() == ['gmsa_akv01.json', 'gmsa_ecs01.json', 'gmsa_rancher01.json', 'wincontainers-gmsa-files.txt']


@pytest.mark.parametrize('core', CORES)
def test_a_plugin_input_its_plugin_cannot_read_stops_the_role_before_anything_is_written(tmp_path, core):
    host = StandInHost(tmp_path, outside_state())
    before = host.without_calls()
    bad = dict(outside('Reports01', 'rancher'), plugin={'guid': PLUGINS['rancher'], 'input': 'a:b:c'})
    done = host.converge([bad], {'Reports01': credential_spec('Reports01', 'rancher')}, core)
    assert done.rc != 0 and "plugin.input: 'a:b:c' has 3 parts" in done.stdout, done.output
    assert host.without_calls() == before


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('plugin', sorted(PLUGINS))
def test_a_plugin_with_an_installer_is_installed_then_registered(tmp_path, core, plugin):
    clsid = PLUGINS[plugin]
    installer = '\\\\fs01\\software\\%s-ccg-plugin.msi' % plugin
    state = outside_state(packages={installer.lower(): {'registers': [COM_CLASS % clsid]}})
    host = StandInHost(tmp_path, state)
    converges(host, [outside('Reports01', plugin, installer=installer)],
              {'Reports01': credential_spec('Reports01', plugin)}, core)
    assert host.state['packages'][installer.lower()]['installed'] is True
    assert ('%s\\%s' % (CCG_COM_CLASSES, clsid)).lower() in host.state['registry']


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('plugin,named', [('rancher', "Rancher's Kubernetes-secret plug-in"),
                                          ('aws_ecs', 'the AWS ECS plug-in'),
                                          ('azure_key_vault', 'the Azure Key Vault plug-in')])
def test_a_missing_plugin_without_installer_stops_naming_it_and_what_to_install(tmp_path, core, plugin, named):
    host = StandInHost(tmp_path, outside_state())
    before = host.without_calls()
    done = host.converge([outside('Reports01', plugin)], {'Reports01': credential_spec('Reports01', plugin)}, core)
    assert done.rc != 0
    message = re.search(r'"msg": "(.*)"', done.stdout).group(1)
    assert named in message and PLUGINS[plugin] in message and 'To install it, ' in message, message
    assert host.without_calls() == before, 'a missing plug-in must stop the role before anything is written'


# ------------------------------------------------------------------ container runtimes
@pytest.mark.parametrize('core', CORES)
def test_a_running_docker_with_another_root_gets_the_files_there(tmp_path, core):
    state = host_state(docker={'root': 'D:\\docker'}, directories={'d:\\docker': 'D:\\docker'})
    host = StandInHost(tmp_path, state)
    converges(host, [domain_joined('WebApp01')], SPECS, core)
    assert host.spec_files('D:\\docker\\CredentialSpecs') == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']


@pytest.mark.parametrize('core', CORES)
def test_a_stopped_docker_is_read_from_its_daemon_json(tmp_path, core):
    config = 'C:\\ProgramData\\docker\\config\\daemon.json'
    state = host_state(services={'docker': {'state': 'stopped', 'path': '"C:\\Program Files\\docker\\dockerd.exe" --run-service'}},
                       docker={'root': 'E:\\containers'},
                       directories={'e:\\containers': 'E:\\containers', 'c:\\programdata\\docker\\config': 'C:\\ProgramData\\docker\\config'},
                       files={config.lower(): {'path': config, 'content': '{\n  "data-root": "E:\\\\containers"\n}\n'}})
    host = StandInHost(tmp_path, state)
    converges(host, [domain_joined('WebApp01')], SPECS, core)
    assert host.spec_files('E:\\containers\\CredentialSpecs') == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert host.spec_files() == []


@pytest.mark.parametrize('core', CORES)
def test_a_containerd_node_gets_no_spec_files(tmp_path, core):
    state = host_state(services={'containerd': {'state': 'started', 'path': 'C:\\Program Files\\containerd\\containerd.exe --run-service'}},
                       docker={'installed': False})
    state['services'].pop('docker')
    host = StandInHost(tmp_path, state)
    done = converges(host, [domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True)
    assert 'runs containerd without Docker' in done.stdout
    assert host.state['files'] == {}
    assert not [call for call in host.calls('ansible.windows.win_powershell') if 'Files' in call['params']['parameters']]


# ------------------------------------------------------------------ removal and faults
def with_ledger(state, *names, extra=()):
    for name in names + tuple(extra):
        state['files'][(SPEC_DIR + '\\' + name).lower()] = {'path': SPEC_DIR + '\\' + name, 'content': '{}'}
    state['directories'][SPEC_DIR.lower()] = SPEC_DIR
    state['files'][LEDGER.lower()] = {'path': LEDGER, 'content': '# ledger\n' + ''.join(name + '\n' for name in names)}
    return state


@pytest.mark.parametrize('core', CORES)
def test_removing_one_application_removes_only_its_spec(tmp_path, core):
    state = with_ledger(host_state(), 'gmsa_webapp01.json', 'gmsa_batch01.json', extra=('gmsa_byhand.json',))
    host = StandInHost(tmp_path, state)
    converges(host, [domain_joined('WebApp01')], SPECS, core)
    assert host.spec_files() == ['gmsa_byhand.json', 'gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert host.ledger() == ['gmsa_webapp01.json']


def assert_ledger_names_only_files_there(host):
    present = {name.lower() for name in host.spec_files()}
    assert {name.lower() for name in host.ledger()} <= present, (host.ledger(), host.spec_files())


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('kind', ['refuse', 'drop'])
def test_a_fault_halfway_through_the_spec_files_loses_nothing_and_a_rerun_converges(tmp_path, core, kind):
    state = with_ledger(host_state(), 'gmsa_reports01.json')
    # Inside the one script that writes the folder: the write of this file is refused, or the connection is lost there.
    state['faults'] = [{'path': SPEC_DIR + '\\gmsa_webapp01.json', 'kind': kind}]
    host = StandInHost(tmp_path, state)
    applications = [domain_joined('Batch01'), domain_joined('WebApp01')]
    failed = host.converge(applications, SPECS, core)
    assert failed.rc != 0
    assert 'gmsa_reports01.json' in host.spec_files(), 'another application\'s spec was removed'
    assert 'gmsa_webapp01.json' not in host.spec_files()
    assert_ledger_names_only_files_there(host)
    done = host.converge(applications, SPECS, core)
    assert done.rc == 0, done.output
    assert host.spec_files() == ['gmsa_batch01.json', 'gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert host.ledger() == ['gmsa_batch01.json', 'gmsa_webapp01.json']


@pytest.mark.parametrize('core', CORES)
def test_a_lost_connection_while_removing_stale_files_is_finished_by_a_rerun(tmp_path, core):
    state = with_ledger(host_state(), 'gmsa_webapp01.json', 'gmsa_batch01.json')
    state['faults'] = [{'path': SPEC_DIR + '\\gmsa_batch01.json', 'kind': 'drop'}]
    host = StandInHost(tmp_path, state)
    failed = host.converge([domain_joined('WebApp01')], SPECS, core)
    assert failed.rc != 0
    assert_ledger_names_only_files_there(host)
    done = host.converge([domain_joined('WebApp01')], SPECS, core)
    assert done.rc == 0, done.output
    assert host.spec_files() == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert host.ledger() == ['gmsa_webapp01.json']


# ------------------------------------------------------------------ the read-only facts playbook
@pytest.mark.parametrize('core', CORES)
def test_host_facts_reports_what_the_role_assumes_and_changes_nothing(tmp_path, core):
    host = StandInHost(tmp_path, host_state(ad={'adws_reachable': False}))
    before = host.without_calls()
    done = host.run(REPO / 'playbooks' / 'host_facts.yml', core, '-e', 'gmsa_host_facts_hosts=container_hosts')
    assert done.rc == 0, done.output
    assert recap(done, 'changed') == 0
    assert host.without_calls() == before
    # The default callback prints the message as JSON: a backslash stands doubled.
    for line in (r'CCG\\COMClasses: owner NT SERVICE\\TrustedInstaller, Administrators may not add plug-ins',
                 'dc01.gmsa.test:9389 does not answer', 'docker service Running', r'Docker root: C:\\ProgramData\\docker',
                 'DNS is set on these): Ethernet'):
        assert line in done.stdout, done.stdout
