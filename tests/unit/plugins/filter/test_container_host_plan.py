"""What the container_host role does on a host, decided by the container_host_plan filter."""

from __future__ import annotations

import base64
import codecs
import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.container_host_plan import (
    container_host_plan, container_host_runtime, ledger_files,
)

KUBERNETES_SECRET_PLUGIN = '{E4781092-F116-4B79-B55E-28EB6A224E26}'


def spec(name, domain='contoso.com'):
    document = {'DomainJoinConfig': {'DnsName': domain, 'MachineAccountName': name}}
    return {'file_name': 'contoso_%s.json' % name.lower(), 'json': json.dumps(document, indent=4) + '\n'}


WEB = {'name': 'WebApp01', 'container_hosts': 'web_hosts'}
REPORTS = {'name': 'Reports01', 'container_hosts': 'report_hosts'}
PORTABLE = {'name': 'Batch01', 'container_hosts': 'batch_hosts', 'domain_joined': False,
            'plugin': {'guid': 'e4781092-f116-4b79-b55e-28eb6a224e26', 'input': 'gmsa-system:batch01-ccg'}}
SPECS = {app['name']: spec(app['name']) for app in (WEB, REPORTS, PORTABLE)}


def plan(applications, groups, domain_member=True, domain='contoso.com', **options):
    return container_host_plan(applications, SPECS, groups, domain_member, domain, **options)


def file_of(name):
    """The spec file as the plan writes it: compact JSON, the same bytes whichever ansible-core writes it."""
    return {'file_name': SPECS[name]['file_name'], 'json': json.dumps(json.loads(SPECS[name]['json']))}


def test_a_host_serves_the_applications_of_its_groups_only():
    result = plan([WEB, REPORTS, PORTABLE], ['web_hosts', 'windows'])
    assert result['applications'] == ['WebApp01']
    assert result['credential_specs'] == [file_of('WebApp01')]
    assert result['problems'] == []


def test_domain_joined_applications_need_the_ad_module_and_a_test_of_each_gmsa():
    result = plan([WEB, REPORTS], ['web_hosts', 'report_hosts'])
    assert result['features'] == ['Containers', 'RSAT-AD-PowerShell']
    assert result['service_accounts'] == ['WebApp01', 'Reports01']
    assert result['plugins'] == [] and result['dns_servers'] == []


def test_a_host_outside_any_domain_cannot_serve_a_domain_joined_application():
    problems = plan([WEB], ['web_hosts'], domain_member=False, domain='WORKGROUP')['problems']
    assert len(problems) == 1
    assert 'not joined' in problems[0] and 'WebApp01' in problems[0] and 'microsoft.ad.membership' in problems[0]


def test_a_host_joined_to_another_domain_cannot_serve_a_domain_joined_application():
    problems = plan([WEB], ['web_hosts'], domain='fabrikam.com')['problems']
    assert problems and 'fabrikam.com' in problems[0] and 'contoso.com' in problems[0]
    assert plan([WEB], ['web_hosts'], domain='CONTOSO.COM')['problems'] == []


def test_non_domain_joined_applications_register_their_plug_in_and_point_dns_at_the_dcs_when_asked():
    result = plan([PORTABLE], ['batch_hosts'], domain_member=False, domain='WORKGROUP', dns_servers=['10.0.0.10', ' 10.0.0.11'],
                  interfaces=INTERFACES[:2], set_dns=True)
    assert result['features'] == ['Containers']
    assert result['service_accounts'] == []
    [plugin] = result['plugins']
    assert (plugin['guid'], plugin['installer']) == (KUBERNETES_SECRET_PLUGIN, None)
    assert plugin['name'] == "Rancher's Kubernetes-secret plug-in (CCGRKC)"
    assert 'rancher-gmsa-plugin-installer' in plugin['missing'] and KUBERNETES_SECRET_PLUGIN in plugin['missing']
    assert result['dns_servers'] == ['10.0.0.10', '10.0.0.11']
    assert result['dns_adapters'] == ['Ethernet']
    assert result['problems'] == []


def test_dns_is_left_alone_unless_asked_and_always_on_a_joined_host():
    # On a managed Kubernetes node the DCs would replace the cloud's resolver.
    result = plan([PORTABLE], ['batch_hosts'], domain_member=False, dns_servers=['10.0.0.10'], interfaces=INTERFACES)
    assert result['dns_servers'] == [] and result['problems'] == []
    assert plan([PORTABLE], ['batch_hosts'], dns_servers=['10.0.0.10'], set_dns=True)['dns_servers'] == []


INTERFACES = [{'connection_name': 'Ethernet', 'default_gateway': '10.1.0.1'},
              {'connection_name': 'vEthernet (nat)', 'default_gateway': None},
              {'connection_name': 'vEthernet (Ethernet)', 'default_gateway': '10.1.0.1'}]


def test_dns_goes_to_the_adapters_with_a_gateway_or_those_named():
    # HNS moves a Kubernetes node's own connection to a vEthernet adapter, which keeps the gateway.
    outside = {'domain_member': False, 'dns_servers': ['10.0.0.10'], 'set_dns': True}
    assert plan([PORTABLE], ['batch_hosts'], interfaces=INTERFACES, **outside)['dns_adapters'] == [
        'Ethernet', 'vEthernet (Ethernet)']
    assert plan([PORTABLE], ['batch_hosts'], interfaces=INTERFACES, adapters=['Ethernet 2'], **outside)['dns_adapters'] == [
        'Ethernet 2']
    problems = plan([PORTABLE], ['batch_hosts'], interfaces=INTERFACES[1:2], **outside)['problems']
    assert problems and 'container_host_dns_adapters' in problems[0]


def test_a_plug_in_the_collection_does_not_know_is_named_by_its_clsid():
    other = dict(PORTABLE, plugin={'guid': '8019A64C-3F4E-4DE3-AD2B-9A544290E2C3', 'input': 'x'})
    [plugin] = plan([other], ['batch_hosts'], set_dns=False)['plugins']
    assert plugin['name'] == 'the ccg.exe plug-in {8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}'


def test_setting_dns_without_dns_servers_is_a_problem():
    problems = plan([PORTABLE], ['batch_hosts'], domain_member=False, dns_servers=[], set_dns=True)['problems']
    assert problems and 'container_host_dns_servers' in problems[0]


def test_dns_servers_must_be_addresses():
    with pytest.raises(AnsibleFilterError, match='dc01.contoso.com'):
        plan([PORTABLE], ['batch_hosts'], domain_member=False, dns_servers=['dc01.contoso.com'], set_dns=True)


def test_one_plug_in_is_registered_once_with_the_installer_any_application_names():
    other = dict(PORTABLE, name='WebApp01', plugin=dict(PORTABLE['plugin'], installer='C:\\ccg\\plugin.msi'))
    result = plan([PORTABLE, other], ['batch_hosts'])
    assert [(plugin['guid'], plugin['installer']) for plugin in result['plugins']] == [(KUBERNETES_SECRET_PLUGIN, {
        'path': 'C:\\ccg\\plugin.msi', 'arguments': None, 'product_id': None, 'source': None})]


def test_an_installer_on_a_share_runs_from_its_copy_on_the_host_and_needs_the_share_s_credentials():
    shared = dict(PORTABLE, plugin=dict(PORTABLE['plugin'], installer='\\\\fs01\\ccg\\plugin.msi'))
    result = plan([shared], ['batch_hosts'], share_credentials=True)
    assert result['plugins'][0]['installer'] == {'path': 'C:\\ProgramData\\wincontainers-gmsa\\installers\\plugin.msi',
                                                 'source': '\\\\fs01\\ccg\\plugin.msi', 'arguments': None, 'product_id': None}
    assert result['problems'] == []
    [problem] = plan([shared], ['batch_hosts'])['problems']
    assert 'the second hop' in problem and 'container_host_share_user' in problem


def test_two_installers_for_one_plug_in_are_a_problem():
    first = dict(PORTABLE, plugin=dict(PORTABLE['plugin'], installer='C:\\a.msi'))
    second = dict(PORTABLE, name='WebApp01', plugin=dict(PORTABLE['plugin'], installer={'path': 'C:\\b.exe', 'product_id': 'B'}))
    problems = plan([first, second], ['batch_hosts'], set_dns=False)['problems']
    assert problems and '2 different installers' in problems[0]


def test_a_plug_in_guid_must_be_a_guid():
    broken = dict(PORTABLE, plugin={'guid': 'E4781092-F116-4B79-B55E-28EB6A224E2Z', 'input': 'x:y'})
    with pytest.raises(AnsibleFilterError, match='Batch01: plugin.guid'):
        plan([broken], ['batch_hosts'], set_dns=False)


def test_an_application_without_its_credential_spec_is_a_problem():
    result = container_host_plan([WEB], {}, ['web_hosts'], True, 'contoso.com')
    assert result['credential_specs'] == []
    assert result['problems'] and 'WebApp01: no credential spec' in result['problems'][0]


def test_the_ledger_names_every_file_written():
    ledger = plan([WEB, REPORTS], ['web_hosts', 'report_hosts'])['ledger']
    assert ledger_files(ledger) == ['contoso_reports01.json', 'contoso_webapp01.json']
    assert ledger.startswith('# ')


def test_files_in_the_ledger_that_no_application_wants_are_stale():
    ledger = '# header\ncontoso_webapp01.json\ncontoso_old01.json\n\n'
    result = plan([WEB], ['web_hosts'], ledger=ledger)
    assert result['stale_files'] == ['contoso_old01.json']
    # Written once the files are there, so it names nothing that is not: the old names and the new files.
    assert ledger_files(result['ledger_written']) == ['contoso_old01.json', 'contoso_webapp01.json']
    assert ledger_files(result['ledger']) == ['contoso_webapp01.json']


def test_an_absent_application_s_file_becomes_stale():
    ledger = plan([WEB], ['web_hosts'])['ledger']
    result = plan([dict(WEB, state='absent')], ['web_hosts'], ledger=ledger)
    assert result['applications'] == [] and result['stale_files'] == ['contoso_webapp01.json']
    assert ledger_files(result['ledger']) == []


def test_the_folder_is_written_in_one_step_list_whose_order_keeps_the_ledger_true():
    ledger = '# header\ncontoso_webapp01.json\ncontoso_old01.json\n'
    result = plan([WEB, REPORTS], ['web_hosts', 'report_hosts'], ledger=ledger)
    steps = result['spec_folder_files']
    assert [step['name'] for step in steps] == [
        'contoso_webapp01.json', 'contoso_reports01.json',   # the specs first,
        'wincontainers-gmsa-files.txt',                       # then the ledger grows,
        'contoso_old01.json',                                 # the stale file goes (content null),
        'wincontainers-gmsa-files.txt']                       # and the ledger forgets it.
    assert steps[0]['content'] == file_of('WebApp01')['json'] and steps[3]['content'] is None
    assert steps[2]['content'] == result['ledger_written'] and steps[4]['content'] == result['ledger']


def test_without_stale_files_the_ledger_is_written_once():
    steps = plan([WEB], ['web_hosts'])['spec_folder_files']
    assert [step['name'] for step in steps] == ['contoso_webapp01.json', 'wincontainers-gmsa-files.txt']
    assert ledger_files(steps[1]['content']) == ['contoso_webapp01.json']


def test_only_files_the_ledger_names_can_be_stale():
    result = plan([], ['web_hosts'], ledger='contoso_webapp01.json\n')
    assert result['stale_files'] == ['contoso_webapp01.json']
    assert plan([], ['web_hosts'])['stale_files'] == []


def test_stale_names_compare_without_case():
    assert plan([WEB], ['web_hosts'], ledger='CONTOSO_WEBAPP01.json\n')['stale_files'] == []


def test_a_ledger_line_that_is_not_a_plain_json_file_name_is_ignored():
    text = '..\\..\\Windows\\win.ini\nC:\\x.json\nsub/dir.json\nnotes.txt\n# c.json\n.json\nok.json\n'
    assert ledger_files(text) == ['ok.json']


def test_the_canary_runs_a_container_per_application_with_its_spec_file_and_an_spn_of_its_own():
    canary = plan([WEB, dict(REPORTS, container_hosts='web_hosts', spns=['HTTP/reports.contoso.com'])], ['web_hosts'],
                  distribution_version='10.0.20348.2340')['canary']
    assert (canary['image'], canary['isolation'], canary['problem']) == ('mcr.microsoft.com/windows/servercore:ltsc2022',
                                                                         'process', None)
    web, reports = canary['tests']
    assert (web['application'], web['file_name'], web['hostname_prefix']) == ('WebApp01', 'contoso_webapp01.json', 'webapp')
    assert web['command'].startswith('nltest /sc_verify:contoso.com & echo ::sc_verify !errorlevel! contoso.com & ')
    assert web['command'].endswith('klist get host/WebApp01.contoso.com & echo ::service_ticket !errorlevel! '
                                   'host/WebApp01.contoso.com')
    assert 'klist get HTTP/reports.contoso.com' in reports['command']


def test_a_spec_file_name_with_a_path_is_refused():
    specs = {'WebApp01': dict(SPECS['WebApp01'], file_name='..\\evil.json')}
    with pytest.raises(AnsibleFilterError, match='not a plain .json file name'):
        container_host_plan([WEB], specs, ['web_hosts'], True, 'contoso.com')


# ---------------------------------------------------------------- the container runtime
DOCKER = {'name': 'docker', 'state': 'started', 'path': '"C:\\Program Files\\docker\\dockerd.exe" --run-service'}
CONTAINERD = {'name': 'containerd', 'state': 'started', 'path': 'C:\\Program Files\\containerd\\containerd.exe'}


def test_a_running_docker_is_asked_and_its_answer_wins():
    first = container_host_runtime([DOCKER])
    assert first['engine'] == 'docker' and first['ask_docker'] and first['read_config']
    runtime = container_host_runtime([DOCKER], docker_info={'rc': 0, 'stdout': 'D:\\docker\r\n'},
                                     daemon_config=slurped('{"data-root": "E:\\\\other"}'))
    assert runtime['spec_dir'] == 'D:\\docker\\CredentialSpecs'
    assert runtime['ledger_path'] == 'D:\\docker\\CredentialSpecs\\wincontainers-gmsa-files.txt'


def slurped(text, encoding='utf-8', bom=b''):
    """daemon.json as ansible.windows.slurp hands it over: its bytes, base64."""
    return base64.b64encode(bom + text.encode(encoding)).decode('ascii')


def test_a_stopped_docker_is_read_from_its_configuration():
    stopped = dict(DOCKER, state='stopped')
    assert not container_host_runtime([stopped])['ask_docker']
    runtime = container_host_runtime([stopped], docker_info={'rc': 1, 'stdout': ''},
                                     daemon_config=slurped('{"data-root": "E:\\\\containers"}'))
    assert runtime['docker_root'] == 'E:\\containers'
    # Older releases called it graph; without either the default root.
    assert container_host_runtime([stopped], daemon_config=slurped('{"graph": "F:\\\\d"}'))['docker_root'] == 'F:\\d'
    assert container_host_runtime([stopped], daemon_config=slurped('{}'))['docker_root'] == 'C:\\ProgramData\\docker'


@pytest.mark.parametrize('encoded,root', [
    (slurped('{"data-root": "E:\\\\d"}', bom=codecs.BOM_UTF8), 'E:\\d'),                  # Notepad
    (slurped('{"data-root": "E:\\\\d"}\r\n', 'utf-16-le', codecs.BOM_UTF16_LE), 'E:\\d'),  # Out-File, > of PowerShell 5.1
    (slurped('{"data-root": "E:\\\\d"}', 'utf-16-be', codecs.BOM_UTF16_BE), 'E:\\d'),
    (slurped(' \r\n\t'), 'C:\\ProgramData\\docker'),                                       # blank: no setting
])
def test_daemon_json_is_read_as_dockerd_reads_it(encoded, root):
    assert container_host_runtime([dict(DOCKER, state='stopped')], daemon_config=encoded)['docker_root'] == root


def test_docker_exe_is_the_one_beside_the_service_s_dockerd_exe():
    assert container_host_runtime([DOCKER])['docker_cli'] == 'C:\\Program Files\\docker\\docker.exe'
    unquoted = dict(DOCKER, path='D:\\Docker\\dockerd.exe --run-service')
    assert container_host_runtime([unquoted])['docker_cli'] == 'D:\\Docker\\docker.exe'
    assert container_host_runtime([CONTAINERD])['docker_cli'] == ''


def test_the_service_command_line_names_the_root_or_the_configuration_file():
    flagged = dict(DOCKER, state='stopped', path='"C:\\Program Files\\docker\\dockerd.exe" --run-service --data-root "G:\\docker"')
    runtime = container_host_runtime([flagged])
    assert runtime['docker_root'] == 'G:\\docker' and not runtime['read_config']
    configured = dict(DOCKER, path='dockerd.exe --run-service --config-file=D:\\cfg\\daemon.json')
    assert container_host_runtime([configured])['config_file'] == 'D:\\cfg\\daemon.json'


def test_the_inventory_s_docker_root_is_taken_as_it_is():
    runtime = container_host_runtime([DOCKER], docker_root='H:\\d')
    assert runtime['spec_dir'] == 'H:\\d\\CredentialSpecs' and not runtime['ask_docker'] and not runtime['read_config']


def test_a_broken_daemon_json_is_one_clear_line():
    with pytest.raises(AnsibleFilterError, match='daemon.json is not JSON'):
        container_host_runtime([dict(DOCKER, state='stopped')], daemon_config=slurped('{"data-root": '))


def test_a_containerd_node_reads_no_spec_files_and_a_host_without_runtime_is_a_problem():
    runtime = container_host_runtime([CONTAINERD])
    assert runtime['engine'] == 'containerd' and runtime['spec_dir'] == '' and not runtime['ask_docker']
    result = plan([WEB], ['web_hosts'], runtime=runtime)
    assert result['credential_specs'] == [] and result['canary']['tests'] == [] and result['problems'] == []
    problems = plan([WEB], ['web_hosts'], runtime=container_host_runtime([]))['problems']
    assert problems and 'no container runtime' in problems[0]


def test_in_check_mode_an_application_whose_gmsa_is_still_to_be_made_waits():
    result = container_host_plan([WEB, REPORTS], {'Reports01': SPECS['Reports01']}, ['web_hosts', 'report_hosts'], True,
                                 'contoso.com', check_mode=True)
    assert result['waiting'] == ['WebApp01'] and result['problems'] == []
    assert [spec['file_name'] for spec in result['credential_specs']] == ['contoso_reports01.json']
