from __future__ import annotations

import json

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import (
    AdditionalAccount,
    build_credential_spec,
    check_kubernetes_name,
    credential_spec_json,
    default_kubernetes_name,
    file_mode,
    file_name,
    kubernetes_resources,
    non_string_leaves,
    parse_additional_accounts,
    parse_host_account_config,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import DomainFacts

FACTS = DomainFacts(dn='DC=corp,DC=contoso,DC=com', dns_name='corp.contoso.com', netbios_name='CORP',
                    forest_dns_name='contoso.com', sid='S-1-5-21-1-2-3', guid='7c9a2b7e-1e1f-4a5c-9f43-2b8f6b3a9d10',
                    configuration_dn='CN=Configuration,DC=contoso,DC=com',
                    schema_dn='CN=Schema,CN=Configuration,DC=contoso,DC=com', root_domain_dn='DC=contoso,DC=com',
                    domain_controller='dc1.corp.contoso.com', domain_controller_dn='CN=DC1,...')


def test_document_matches_what_new_credentialspec_writes():
    document = build_credential_spec(FACTS, 'WebApp01')
    assert list(document) == ['CmsPlugins', 'DomainJoinConfig', 'ActiveDirectoryConfig']
    assert list(document['DomainJoinConfig']) == ['Sid', 'MachineAccountName', 'Guid', 'DnsTreeName', 'DnsName',
                                                  'NetBiosName']
    assert document['DomainJoinConfig'] == {
        'Sid': 'S-1-5-21-1-2-3', 'MachineAccountName': 'WebApp01', 'Guid': '7c9a2b7e-1e1f-4a5c-9f43-2b8f6b3a9d10',
        'DnsTreeName': 'contoso.com', 'DnsName': 'corp.contoso.com', 'NetBiosName': 'CORP'}
    assert document['ActiveDirectoryConfig'] == {'GroupManagedServiceAccounts': [
        {'Name': 'WebApp01', 'Scope': 'corp.contoso.com'}, {'Name': 'WebApp01', 'Scope': 'CORP'}]}
    assert 'HostAccountConfig' not in document['ActiveDirectoryConfig']


def test_additional_accounts_are_listed_once_in_their_domain():
    extra = parse_additional_accounts(['Reports01$', {'name': 'Batch01', 'domain': 'EMEA.contoso.com'}])
    assert extra == [AdditionalAccount('Reports01'), AdditionalAccount('Batch01', 'emea.contoso.com')]
    accounts = build_credential_spec(FACTS, 'WebApp01', extra)['ActiveDirectoryConfig']['GroupManagedServiceAccounts']
    assert accounts[2:] == [{'Name': 'Reports01', 'Scope': 'corp.contoso.com'},
                            {'Name': 'Batch01', 'Scope': 'emea.contoso.com'}]


@pytest.mark.parametrize('value, field', [
    ([''], r'additional_accounts\[0\]'),
    ([{'name': 'x', 'forest': 'y'}], r'additional_accounts\[0\]: unknown keys forest'),
    ([{'name': 'x', 'domain': ''}], r'additional_accounts\[0\]\.domain'),
    ([{'domain': 'emea.contoso.com'}], r'additional_accounts\[0\]\.name'),
])
def test_bad_additional_accounts_name_the_item(value, field):
    with pytest.raises(ADInputError, match=field):
        parse_additional_accounts(value)


AKV_INPUT = 'ObjectId=0f1b6d3e-8c2a-4b7e-9d61-3a2f5c8e7b10;SecretUri=https://kv01.vault.azure.net/secrets/webapp01-ccg'
ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmsa/webapp01-ccg'
# Cloud Foundry's plug-in: real, not in the catalogue, and it takes the credential in its input.
CUSTOM_CLSID = '8019a64c-3f4e-4de3-ad2b-9a544290e2c3'


def test_plugin_guid_is_written_in_braces_upper_case():
    for written in ('ccc2a336-d7f3-4818-a213-272b7924213e', '{CCC2A336-D7F3-4818-A213-272B7924213E}'):
        config = parse_host_account_config({'plugin_guid': written, 'plugin_input': AKV_INPUT, 'portable_ccg_version': '1'})
        assert config.plugin_guid == '{CCC2A336-D7F3-4818-A213-272B7924213E}'


@pytest.mark.parametrize('guid', ['', 'not-a-guid', '{E4781092-F116-4B79-B55E-28EB6A22}', 'GGGGGGGG-F116-4B79-B55E-28EB6A224E26'])
def test_invalid_plugin_guid_names_the_field(guid):
    with pytest.raises(ADInputError, match='host_account_config.plugin_guid'):
        parse_host_account_config({'plugin_guid': guid, 'plugin_input': 'x', 'portable_ccg_version': '1'})


def test_host_account_config_leaves_are_strings_and_json_input_is_text():
    config = parse_host_account_config({'plugin_guid': '859E1386-BDB4-49E8-85C7-3070B13920E1',
                                        'plugin_input': {'credentialArn': ARN}, 'portable_ccg_version': 1})
    document = build_credential_spec(FACTS, 'WebApp01', host_account=config)
    assert document['ActiveDirectoryConfig']['HostAccountConfig'] == {
        'PortableCcgVersion': '1', 'PluginGUID': '{859E1386-BDB4-49E8-85C7-3070B13920E1}',
        'PluginInput': '{"credentialArn":"%s"}' % ARN}
    assert non_string_leaves(document) == []


def test_non_string_leaves_are_found():
    assert non_string_leaves({'a': {'b': 1}, 'c': ['x', None]}) == ['credspec.a.b', 'credspec.c[1]']


@pytest.mark.parametrize('plugin_input, secret', [
    ('ObjectId=1;SecretUri=https://v.vault.azure.net/secrets/s', False),
    ('default:gmsa-portable', False),
    ('{"credentialArn":"arn:aws:secretsmanager:x"}', False),
    ('user=svc;password=Hunter2', True),
    ('pwd=Hunter2', True),
])
def test_a_spec_whose_input_carries_a_credential_is_readable_by_its_owner_only(plugin_input, secret):
    config = parse_host_account_config({'plugin_guid': CUSTOM_CLSID, 'plugin_input': plugin_input,
                                        'portable_ccg_version': '1'})
    assert file_mode(build_credential_spec(FACTS, 'WebApp01', host_account=config)) == (0o600 if secret else 0o644)


def test_a_spec_without_a_plug_in_is_readable_by_all():
    assert file_mode(build_credential_spec(FACTS, 'WebApp01')) == 0o644


@pytest.mark.parametrize('guid, plugin_input, expected', [
    ('e4781092-f116-4b79-b55e-28eb6a224e26', 'a:b:c', "host_account_config.plugin_input: 'a:b:c' has 3 parts"),
    ('859E1386-BDB4-49E8-85C7-3070B13920E1', {'credentialArn': 'arn:aws:x'}, 'host_account_config.plugin_input: its'),
    ('CCC2A336-D7F3-4818-A213-272B7924213E', 'ObjectId=1;SecretUri=https://v.vault.azure.net/secrets/s',
     'host_account_config.plugin_input: its object_id'),
    ('{GDMA0342-266A-4D1P-831J-20990E82944F}', 'x', "host_account_config.plugin_guid: '{GDMA0342"),
])
def test_a_known_plugin_s_input_is_checked_as_the_plugin_reads_it(guid, plugin_input, expected):
    with pytest.raises(ADInputError) as raised:
        parse_host_account_config({'plugin_guid': guid, 'plugin_input': plugin_input, 'portable_ccg_version': '1'})
    assert str(raised.value).startswith(expected) and '\n' not in str(raised.value), str(raised.value)


def test_file_name_and_json_text():
    assert file_name(FACTS, 'WebApp01') == 'corp_webapp01.json'
    text = credential_spec_json(build_credential_spec(FACTS, 'WebApp01'))
    assert text.endswith('\n') and json.loads(text)['DomainJoinConfig']['NetBiosName'] == 'CORP'


def test_kubernetes_names():
    assert default_kubernetes_name('WebApp_01') == 'webapp-01'
    assert check_kubernetes_name('webapp01') == 'webapp01'
    for bad in ('WebApp01', '-web', 'web_app', 'a' * 254):
        with pytest.raises(ADInputError, match='kubernetes_name'):
            check_kubernetes_name(bad)


def test_kubernetes_resources_reference_each_other():
    spec, role = kubernetes_resources('webapp01', {'CmsPlugins': ['ActiveDirectory']})
    assert (spec['apiVersion'], spec['kind'], spec['metadata']['name']) == ('windows.k8s.io/v1', 'GMSACredentialSpec', 'webapp01')
    assert spec['credspec'] == {'CmsPlugins': ['ActiveDirectory']}
    assert role['kind'] == 'ClusterRole'
    assert role['rules'] == [{'apiGroups': ['windows.k8s.io'], 'resources': ['gmsacredentialspecs'],
                              'verbs': ['use'], 'resourceNames': ['webapp01']}]
