"""What the container_host role does on a host, decided by the container_host_plan filter."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.container_host_plan import container_host_plan, ledger_files

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


def test_a_host_serves_the_applications_of_its_groups_only():
    result = plan([WEB, REPORTS, PORTABLE], ['web_hosts', 'windows'])
    assert result['applications'] == ['WebApp01']
    assert result['credential_specs'] == [SPECS['WebApp01']]
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


def test_non_domain_joined_applications_register_their_plug_in_and_point_dns_at_the_dcs():
    result = plan([PORTABLE], ['batch_hosts'], domain_member=False, domain='WORKGROUP', dns_servers=['10.0.0.10', ' 10.0.0.11'])
    assert result['features'] == ['Containers']
    assert result['service_accounts'] == []
    assert result['plugins'] == [{'guid': KUBERNETES_SECRET_PLUGIN, 'installer': None}]
    assert result['dns_servers'] == ['10.0.0.10', '10.0.0.11']
    assert result['problems'] == []


def test_dns_is_left_alone_on_a_joined_host_or_when_asked():
    assert plan([PORTABLE], ['batch_hosts'], dns_servers=['10.0.0.10'])['dns_servers'] == []
    result = plan([PORTABLE], ['batch_hosts'], domain_member=False, manage_dns=False)
    assert result['dns_servers'] == [] and result['problems'] == []


def test_a_host_outside_the_domain_without_dns_servers_is_a_problem():
    problems = plan([PORTABLE], ['batch_hosts'], domain_member=False, dns_servers=[])['problems']
    assert problems and 'container_host_dns_servers' in problems[0]


def test_dns_servers_must_be_addresses():
    with pytest.raises(AnsibleFilterError, match='dc01.contoso.com'):
        plan([PORTABLE], ['batch_hosts'], domain_member=False, dns_servers=['dc01.contoso.com'])


def test_one_plug_in_is_registered_once_with_the_installer_any_application_names():
    other = dict(PORTABLE, name='WebApp01', plugin=dict(PORTABLE['plugin'], installer='\\\\share\\ccg\\plugin.msi'))
    result = plan([PORTABLE, other], ['batch_hosts'], manage_dns=False)
    assert result['plugins'] == [{'guid': KUBERNETES_SECRET_PLUGIN, 'installer': {
        'path': '\\\\share\\ccg\\plugin.msi', 'arguments': None, 'product_id': None}}]


def test_two_installers_for_one_plug_in_are_a_problem():
    first = dict(PORTABLE, plugin=dict(PORTABLE['plugin'], installer='C:\\a.msi'))
    second = dict(PORTABLE, name='WebApp01', plugin=dict(PORTABLE['plugin'], installer={'path': 'C:\\b.exe', 'product_id': 'B'}))
    problems = plan([first, second], ['batch_hosts'], manage_dns=False)['problems']
    assert problems and '2 different installers' in problems[0]


def test_a_plug_in_guid_must_be_a_guid():
    broken = dict(PORTABLE, plugin={'guid': 'E4781092-F116-4B79-B55E-28EB6A224E2Z', 'input': 'x:y'})
    with pytest.raises(AnsibleFilterError, match='Batch01: plugin.guid'):
        plan([broken], ['batch_hosts'], manage_dns=False)


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
    assert ledger_files(result['ledger_before']) == ['contoso_old01.json', 'contoso_webapp01.json']
    assert ledger_files(result['ledger']) == ['contoso_webapp01.json']


def test_an_absent_application_s_file_becomes_stale():
    ledger = plan([WEB], ['web_hosts'])['ledger']
    result = plan([dict(WEB, state='absent')], ['web_hosts'], ledger=ledger)
    assert result['applications'] == [] and result['stale_files'] == ['contoso_webapp01.json']
    assert ledger_files(result['ledger']) == []


def test_only_files_the_ledger_names_can_be_stale():
    result = plan([], ['web_hosts'], ledger='contoso_webapp01.json\n')
    assert result['stale_files'] == ['contoso_webapp01.json']
    assert plan([], ['web_hosts'])['stale_files'] == []


def test_stale_names_compare_without_case():
    assert plan([WEB], ['web_hosts'], ledger='CONTOSO_WEBAPP01.json\n')['stale_files'] == []


def test_a_ledger_line_that_is_not_a_plain_json_file_name_is_ignored():
    text = '..\\..\\Windows\\win.ini\nC:\\x.json\nsub/dir.json\nnotes.txt\n# c.json\n.json\nok.json\n'
    assert ledger_files(text) == ['ok.json']


def test_smoke_tests_name_the_spec_file_and_the_gmsa_domain():
    assert plan([WEB], ['web_hosts'])['smoke_tests'] == [
        {'application': 'WebApp01', 'file_name': 'contoso_webapp01.json', 'domain': 'contoso.com'}]


def test_a_spec_file_name_with_a_path_is_refused():
    specs = {'WebApp01': dict(SPECS['WebApp01'], file_name='..\\evil.json')}
    with pytest.raises(AnsibleFilterError, match='not a plain .json file name'):
        container_host_plan([WEB], specs, ['web_hosts'], True, 'contoso.com')
