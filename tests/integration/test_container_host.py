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
    CCG_COM_CLASSES, COM_CLASS, COM_CLASSES_RULES, DOCKER_CLI, LEDGER, PLUGINS, SPEC_DIR, TRUSTED_INSTALLER, StandInHost,
    credential_spec, domain_joined, host_state, outside, outside_the_domain, outside_typed, with_com_classes,
    with_installer,
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


def real_calls(host, parameter):
    """The win_powershell executions outside check mode of the script that takes ``parameter``."""
    return [call['params'] for call in host.calls('ansible.windows.win_powershell')
            if parameter in call['params']['parameters'] and not call['check_mode']]


@pytest.mark.parametrize('core', CORES)
def test_the_smoke_test_runs_the_canary_s_containers_in_one_script(tmp_path, core):
    host = StandInHost(tmp_path, host_state())
    done = converges(host, [domain_joined('WebApp01'), domain_joined('Batch01')], SPECS, core, container_host_smoke_test=True)
    canaries = real_calls(host, 'Tests')
    # Once in each of the two real runs (win_powershell does not run it in check mode), with both applications.
    assert len(canaries) == 2
    assert [test['application'] for test in canaries[0]['parameters']['Tests']] == ['WebApp01', 'Batch01']
    assert re.search(r'WebApp01 +\| webapp-[0-9a-f]{8} +\| ok +\| ok +\| ok +\| -', done.stdout), done.stdout


@pytest.mark.parametrize('core', CORES)
def test_a_failed_smoke_test_stops_the_role_naming_the_application_and_the_fix(tmp_path, core):
    # Docker's daemon is stopped: its root comes from its configuration, but no container starts.
    state = host_state(services={'docker': {'state': 'stopped', 'path': '"C:\\Program Files\\docker\\dockerd.exe" --run-service'}})
    host = StandInHost(tmp_path, state)
    done = host.converge([domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True)
    assert done.rc != 0
    assert re.search(r'WebApp01 +\| not started +\| - +\| - +\| - +\| start the docker service', done.stdout), done.stdout
    assert 'The canary found 1 failed check(s) on ctr01' in done.stdout
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


def com_classes(host):
    return host.state['registry'][CCG_COM_CLASSES.lower()]


def assert_given_back(host):
    """CCG\\COMClasses has its owner and rules again, and no journal of a run cut off is left."""
    assert com_classes(host)['owner'] == TRUSTED_INSTALLER
    assert com_classes(host)['access'] == COM_CLASSES_RULES
    assert host.file('C:\\ProgramData\\wincontainers-gmsa\\COMClasses.sddl') is None


def listed(host, plugin):
    return ('%s\\%s' % (CCG_COM_CLASSES, PLUGINS[plugin])).lower() in host.state['registry']


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('plugin', sorted(PLUGINS))
def test_an_installed_plugin_is_listed_under_the_protected_key_which_gets_its_owner_and_rules_back(tmp_path, core, plugin):
    host = StandInHost(tmp_path, with_com_classes(outside_state(), plugin))
    converges(host, [outside('Reports01', plugin)], {'Reports01': credential_spec('Reports01', plugin)}, core)
    assert listed(host, plugin)
    # Exactly the owner and rules it had: SetAccessControl of an unchanged RegistrySecurity would have written nothing.
    assert_given_back(host)
    assert host.spec_files() == ['gmsa_reports01.json', 'wincontainers-gmsa-files.txt']
    # DNS is left alone unless asked (container_host_set_dns).
    assert host.state['dns_servers'] == {'Ethernet': ['10.1.0.1'], 'vEthernet (nat)': ['172.20.0.1']}


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
    installer = 'C:\\Installers\\%s-ccg-plugin.msi' % plugin
    host = StandInHost(tmp_path, with_installer(outside_state(), installer, plugin))
    converges(host, [outside('Reports01', plugin, installer=installer)],
              {'Reports01': credential_spec('Reports01', plugin)}, core)
    assert host.state['packages']['%s-ccg-plugin.msi' % plugin]['installed'] is True
    assert listed(host, plugin)


SHARE_INSTALLER = '\\\\fs01\\software\\rancher-ccg-plugin.msi'
LOCAL_COPY = 'C:\\ProgramData\\wincontainers-gmsa\\installers\\rancher-ccg-plugin.msi'


@pytest.mark.parametrize('core', CORES)
def test_an_installer_on_a_share_without_credentials_for_it_stops_the_role_before_anything_is_written(tmp_path, core):
    # Over WinRM the share is a second hop: a host outside the domain has no identity for it at all.
    host = StandInHost(tmp_path, with_installer(outside_state(), SHARE_INSTALLER, 'rancher', ['GMSA\\svc-install']))
    before = host.without_calls()
    done = host.converge([outside('Reports01', 'rancher', installer=SHARE_INSTALLER)],
                         {'Reports01': credential_spec('Reports01', 'rancher')}, core)
    assert done.rc != 0
    assert 'is on a network share, which the host cannot read over WinRM (the second hop)' in done.stdout, done.stdout
    assert 'container_host_share_user' in done.stdout
    assert host.without_calls() == before


@pytest.mark.parametrize('core', CORES)
def test_an_installer_on_a_share_is_copied_onto_the_host_with_the_share_s_credentials_then_run(tmp_path, core):
    host = StandInHost(tmp_path, with_installer(outside_state(), SHARE_INSTALLER, 'rancher', ['GMSA\\svc-install']))
    done = converges(host, [outside('Reports01', 'rancher', installer=SHARE_INSTALLER)],
                     {'Reports01': credential_spec('Reports01', 'rancher')}, core,
                     container_host_share_user='GMSA\\svc-install', container_host_share_password='Share-Pw-1')
    assert 'Share-Pw-1' not in done.output and 'Share-Pw-1' not in host.state_file.read_text()
    assert host.file(LOCAL_COPY) == 'rancher-ccg-plugin.msi'
    installs = [call['params']['path'] for call in host.calls('ansible.windows.win_package') if not call['check_mode']]
    assert installs == [LOCAL_COPY]
    assert host.state['packages']['rancher-ccg-plugin.msi']['installed'] is True and listed(host, 'rancher')


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
    assert 'runs containerd without Docker' in done.stdout and 'no canary runs here' in done.stdout
    assert not [path for path in host.state['files'] if path.startswith('c:\\programdata')]
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
                 'dc01.gmsa.test:9389 does not answer', 'docker service Running',
                 r"docker.exe C:\\Program Files\\docker\\docker.exe (on the WinRM service's PATH)",
                 r'Docker root: C:\\ProgramData\\docker', 'DNS is set on these when asked): Ethernet', 'Windows build: 20348'):
        assert line in done.stdout, done.stdout


@pytest.mark.parametrize('core', CORES)
def test_host_facts_lists_every_plugin_it_finds(tmp_path, core):
    # Three levels down in the script's output: win_powershell's default depth of 2 would hand them over as one text.
    state = outside_state()
    for plugin in ('rancher', 'aws_ecs'):
        path = '%s\\%s' % (CCG_COM_CLASSES, PLUGINS[plugin])
        state['registry'][path.lower()] = {'path': path, 'properties': {}}
    host = StandInHost(tmp_path, state)
    done = host.run(REPO / 'playbooks' / 'host_facts.yml', core, '-e', 'gmsa_host_facts_hosts=container_hosts')
    assert done.rc == 0, done.output
    assert 'plug-ins: %s, %s' % (PLUGINS['aws_ecs'], PLUGINS['rancher']) in done.stdout, done.stdout


# ------------------------------------------------------------------ the plug-in key, when Windows refuses
JOURNAL = 'C:\\ProgramData\\wincontainers-gmsa\\COMClasses.sddl'


def plugin_host(tmp_path, **changes):
    return StandInHost(tmp_path, with_com_classes(outside_state(**changes), 'rancher'))


def register(host, core, **role_vars):
    return host.converge([outside('Reports01', 'rancher')], {'Reports01': credential_spec('Reports01', 'rancher')}, core,
                         **role_vars)


def change_state(host, **changes):
    host.state_file.write_text(json.dumps(dict(host.state, **changes)))


SUBKEY = ('%s\\%s' % (CCG_COM_CLASSES, PLUGINS['rancher'])).lower()


def lists_and_gives_back(host, core):
    """A run lists the plug-in and gives the key back its owner and rules."""
    done = register(host, core)
    assert done.rc == 0 and listed(host, 'rancher'), done.output
    assert_given_back(host)


def fails_as_it_was_then_converges(host, core, line, repair=None):
    """The role stops on the script's one line, the key is as it was and nothing is written after it; once Windows
    lets it (``repair``), a re-run lists the plug-in and gives the key back."""
    failed = register(host, core)
    assert failed.rc != 0
    assert line in failed.stdout, failed.stdout
    assert not listed(host, 'rancher')
    assert_given_back(host)
    assert host.spec_files() == [], 'the credential specs were written although the plug-in is not listed'
    if repair:
        repair()
    lists_and_gives_back(host, core)


@pytest.mark.parametrize('core', CORES)
def test_a_refused_registry_write_fails_the_task_in_one_line_and_leaves_the_key_as_it_was(tmp_path, core):
    host = plugin_host(tmp_path)
    change_state(host, faults=[{'path': SUBKEY, 'kind': 'refuse'}])
    fails_as_it_was_then_converges(host, core, '"msg": "ctr01: Listing the ccg.exe plug-ins under HKLM:\\\\SYSTEM\\\\'
                                   'CurrentControlSet\\\\Control\\\\CCG\\\\COMClasses failed: Requested registry access is '
                                   'not allowed."')


@pytest.mark.parametrize('core', CORES)
def test_a_privilege_the_account_does_not_hold_fails_the_task_before_the_key_is_touched(tmp_path, core):
    # AdjustTokenPrivileges returns true all the same; only ERROR_NOT_ALL_ASSIGNED says so.
    host = plugin_host(tmp_path, privileges={'SeRestorePrivilege': False})
    fails_as_it_was_then_converges(host, core, 'this account does not hold SeRestorePrivilege (ERROR_NOT_ALL_ASSIGNED)',
                                   repair=lambda: change_state(host, privileges={}))


@pytest.mark.parametrize('core', CORES)
def test_a_host_without_ccg_exe_fails_the_task_naming_the_missing_key(tmp_path, core):
    host = plugin_host(tmp_path)
    registry = host.state['registry']
    change_state(host, registry={path: key for path, key in registry.items() if path != CCG_COM_CLASSES.lower()})
    failed = register(host, core)
    assert failed.rc != 0
    assert 'COMClasses is missing: this host has no ccg.exe' in failed.stdout, failed.stdout
    assert CCG_COM_CLASSES.lower() not in host.state['registry'] and host.spec_files() == []
    # The Containers feature brings ccg.exe and its key: the next run lists the plug-in.
    change_state(host, registry=registry)
    lists_and_gives_back(host, core)


@pytest.mark.parametrize('core', CORES)
def test_a_connection_lost_while_the_key_is_taken_is_finished_by_the_next_run(tmp_path, core):
    host = plugin_host(tmp_path)
    change_state(host, faults=[{'path': SUBKEY, 'kind': 'drop'}])
    lost = register(host, core)
    assert lost.rc != 0 and 'the connection to the host was lost' in lost.stdout, lost.stdout
    # Cut off while Administrators own the key: its old owner and rules wait in the journal.
    assert com_classes(host)['owner'] == 'BUILTIN\\Administrators'
    assert host.file(JOURNAL)
    lists_and_gives_back(host, core)
    again = register(host, core)
    assert again.rc == 0 and recap(again, 'changed') == 0, again.stdout


@pytest.mark.parametrize('core', CORES)
def test_a_connection_lost_before_the_script_ran_changes_nothing_and_a_rerun_converges(tmp_path, core):
    host = plugin_host(tmp_path)
    change_state(host, faults=[{'module': 'ansible.windows.win_powershell', 'matches': 'Guids', 'kind': 'drop'}])
    lost = register(host, core)
    assert lost.rc != 0
    assert not listed(host, 'rancher')
    assert_given_back(host)
    lists_and_gives_back(host, core)


# ------------------------------------------------------------------ DNS, only when asked
@pytest.mark.parametrize('core', CORES)
def test_dns_is_set_only_when_asked_and_the_diff_shows_what_it_replaces(tmp_path, core):
    host = plugin_host(tmp_path)
    converges(host, [outside('Reports01', 'rancher')], {'Reports01': credential_spec('Reports01', 'rancher')}, core)
    assert host.state['dns_servers'] == {'Ethernet': ['10.1.0.1'], 'vEthernet (nat)': ['172.20.0.1']}
    checked = register(host, core, container_host_set_dns=True, check=True, diff=True)
    assert checked.rc == 0 and host.state['dns_servers']['Ethernet'] == ['10.1.0.1'], checked.output
    done = register(host, core, container_host_set_dns=True, diff=True)
    assert done.rc == 0, done.output
    for run in (checked, done):
        assert re.search(r'-\s*"Ethernet": "10\.1\.0\.1"', run.stdout) and re.search(r'\+\s*"Ethernet": "10\.1\.0\.4"', run.stdout), run.stdout
    # Never the containers' internal switch, which has no gateway.
    assert host.state['dns_servers'] == {'Ethernet': ['10.1.0.4'], 'vEthernet (nat)': ['172.20.0.1']}
    again = register(host, core, container_host_set_dns=True)
    assert again.rc == 0 and recap(again, 'changed') == 0, again.stdout


# ------------------------------------------------------------------ Docker as the WinRM service finds it
@pytest.mark.parametrize('core', CORES)
def test_docker_is_asked_by_its_full_path_when_winrm_s_path_does_not_have_it(tmp_path, core):
    # A recent install: the WinRM service's PATH has no Docker folder yet.
    state = host_state(docker={'root': 'D:\\docker'}, directories={'d:\\docker': 'D:\\docker'},
                       winrm_path=['C:\\Windows\\system32', 'C:\\Windows'])
    host = StandInHost(tmp_path, state)
    converges(host, [domain_joined('WebApp01')], SPECS, core)
    assert host.spec_files('D:\\docker\\CredentialSpecs') == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert host.spec_files() == []


DAEMON_JSON = 'C:\\ProgramData\\docker\\config\\daemon.json'


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('encoding,text,root', [
    ('utf-8-bom', '{"data-root": "E:\\\\containers"}\r\n', 'E:\\containers'),     # Notepad's UTF-8
    ('utf-16', '{\r\n  "data-root": "E:\\\\containers"\r\n}\r\n', 'E:\\containers'),  # Out-File and > of PowerShell 5.1
    ('utf-8', '  \r\n', 'C:\\ProgramData\\docker'),                               # blank: dockerd reads no setting
])
def test_a_daemon_json_dockerd_reads_is_read_as_dockerd_reads_it(tmp_path, core, encoding, text, root):
    state = host_state(services={'docker': {'state': 'stopped', 'path': '"C:\\Program Files\\docker\\dockerd.exe" --run-service'}},
                       docker={'root': root},
                       directories={'e:\\containers': 'E:\\containers', 'c:\\programdata\\docker\\config': 'C:\\ProgramData\\docker\\config'})
    state['files'][DAEMON_JSON.lower()] = {'path': DAEMON_JSON, 'content': text, 'encoding': encoding}
    host = StandInHost(tmp_path, state)
    converges(host, [domain_joined('WebApp01')], SPECS, core)
    assert host.spec_files(root + '\\CredentialSpecs') == ['gmsa_webapp01.json', 'wincontainers-gmsa-files.txt']


@pytest.mark.parametrize('core', CORES)
def test_a_smoke_test_without_docker_exe_fails_saying_so(tmp_path, core):
    state = host_state()
    del state['files'][DOCKER_CLI.lower()]
    host = StandInHost(tmp_path, state)
    done = host.converge([domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True)
    assert done.rc != 0
    assert ('ctr01: The canary failed: docker.exe is not at C:\\\\Program Files\\\\docker\\\\docker.exe (beside the docker '
            "service's dockerd.exe), so no container can start") in done.stdout, done.stdout


# ------------------------------------------------------------------ the smoke test's containers
@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('build,tag', [(17763, 'ltsc2019'), (20348, 'ltsc2022'), (26100, 'ltsc2025')])
def test_the_smoke_test_runs_the_image_of_the_host_s_build(tmp_path, core, build, tag):
    host = StandInHost(tmp_path, host_state(os_build=build))
    done = host.converge([domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True)
    assert done.rc == 0, done.output
    [canary] = real_calls(host, 'Tests')
    assert canary['parameters']['Image'] == 'mcr.microsoft.com/windows/servercore:' + tag
    assert canary['parameters']['Isolation'] == 'process'


@pytest.mark.parametrize('core', CORES)
def test_an_image_of_another_build_runs_with_hyper_v_or_stops_saying_why(tmp_path, core):
    image = 'mcr.microsoft.com/windows/servercore:ltsc2022'
    host = StandInHost(tmp_path, host_state(os_build=17763))
    stopped = host.converge([domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True,
                            container_host_canary_image=image)
    assert stopped.rc != 0 and 'which process isolation refuses, and the host has no Hyper-V' in stopped.stdout, stopped.stdout
    (tmp_path / 'hyperv').mkdir()
    hyperv = StandInHost(tmp_path / 'hyperv', host_state(os_build=17763, features={'Hyper-V': {'installed': True}}))
    done = hyperv.converge([domain_joined('WebApp01')], SPECS, core, container_host_smoke_test=True,
                           container_host_canary_image=image)
    assert done.rc == 0, done.output
    assert real_calls(hyperv, 'Tests')[0]['parameters']['Isolation'] == 'hyperv'


HOSTNAME = re.compile(r'^[a-z0-9]{1,6}-[0-9a-f]{8}$')


@pytest.mark.parametrize('core', CORES)
def test_each_smoke_test_container_has_a_host_name_of_its_own(tmp_path, core):
    # The application's own containers answer to the gMSA's name, as Microsoft's examples run them: a container of
    # the same gMSA with the same host name would take their secure channel (NETLOGON 5720).
    state = host_state(ad={'gmsas': ['WebApp01', 'Batch01', 'Web(01)'], 'readable': ['WebApp01', 'Batch01', 'Web(01)'],
                           'spns': {'Web(01)': ['host/Web(01)', 'host/web01.gmsa.test']}},
                       tickets=['WebApp01', 'Batch01', 'Web(01)'],
                       containers=[{'hostname': 'webapp01', 'gmsa': 'WebApp01'}, {'hostname': 'batch01', 'gmsa': 'Batch01'}])
    host = StandInHost(tmp_path, state)
    specs = dict(SPECS, **{'Web(01)': credential_spec('Web(01)')})
    applications = [domain_joined('WebApp01'), domain_joined('Batch01'),
                    dict(domain_joined('Web(01)'), dns_hostname='web01.gmsa.test')]
    first = host.converge(applications, specs, core, container_host_smoke_test=True)
    second = host.converge(applications, specs, core, container_host_smoke_test=True)
    assert first.rc == 0 and second.rc == 0, first.output + second.output
    names = re.findall(r'\| ([a-z0-9]{1,6}-[0-9a-f]{8}) ', first.stdout + second.stdout)
    assert len(names) == 6 and len(set(names)) == 6 and all(HOSTNAME.match(name) and len(name) <= 15 for name in names), names
    assert not [event for event in host.state.get('events', []) if event['id'] == 5720]


# ------------------------------------------------------------------ the gMSA test over LDAP
@pytest.mark.parametrize('core', CORES)
def test_a_gmsa_whose_name_has_parentheses_is_found_over_ldap(tmp_path, core):
    # Parentheses may stand in a gMSA's name; unescaped in an LDAP filter they break it (RFC 4515).
    state = host_state(ad={'gmsas': ['Web(01)'], 'readable': ['Web(01)'], 'adws_reachable': False}, tickets=['Web(01)'])
    host = StandInHost(tmp_path, state)
    done = converges(host, [dict(domain_joined('Web(01)'), dns_hostname='web01.gmsa.test')],
                     {'Web(01)': credential_spec('Web(01)')}, core)
    assert 'checked over LDAP' in done.stdout
    assert host.spec_files() == ['gmsa_web(01).json', 'wincontainers-gmsa-files.txt']
