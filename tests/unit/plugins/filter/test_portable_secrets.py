"""The portable identity in each plug-in's store format, and read back from it."""

from __future__ import annotations

import base64
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.portable_secrets import (
    portable_credentials_from_store,
    portable_secrets,
)

SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmsa/aws01-ccg'
PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter/gmsa/ssm01-ccg'
PASSWORD = 'Pw:with\\both:9a'


def app(name, **plugin):
    return {'name': name, 'domain_joined': False, 'plugin': dict(plugin, deliver=plugin.get('deliver', True))}


AWS = app('Aws01', type='aws_ecs', credential_arn=SECRET_ARN)
SSM = app('Ssm01', type='aws_ecs', credential_arn=PARAMETER_ARN)
AKV = app('Akv01', type='azure_key_vault', object_id='2d8a3e1c-0000-4000-8000-000000000001',
          secret_uri='https://kv01.vault.azure.net/secrets/akv01-ccg')
RANCHER = app('Rkc01', type='rancher', namespace='gmsa-system', secret_name='rkc01-ccg')


def credentials(*names):
    return {name: {'domain': 'contoso.com', 'username': name + '-ccg', 'password': PASSWORD} for name in names}


def test_each_cloud_store_gets_the_format_its_plugin_reads():
    entries = portable_secrets([AWS, SSM, AKV, RANCHER], credentials('Aws01', 'Ssm01', 'Akv01', 'Rkc01'))
    by_name = {entry['application']: entry for entry in entries}
    assert sorted(by_name) == ['Akv01', 'Aws01', 'Ssm01']   # Rancher's Secret is the kubernetes role's
    aws = by_name['Aws01']
    assert (aws['kind'], aws['region'], aws['name']) == ('aws_secretsmanager', 'eu-west-1', 'gmsa/aws01-ccg')
    assert json.loads(aws['value']) == aws['document'] == {
        'username': 'Aws01-ccg', 'password': PASSWORD, 'domainName': 'contoso.com'}
    assert (by_name['Ssm01']['kind'], by_name['Ssm01']['name']) == ('aws_ssm_parameter', '/gmsa/ssm01-ccg')
    akv = by_name['Akv01']
    assert (akv['vault_uri'], akv['name']) == ('https://kv01.vault.azure.net/', 'akv01-ccg')
    assert akv['value'] == 'contoso.com\\Akv01-ccg:' + PASSWORD


def test_nothing_is_delivered_without_deliver_or_for_an_absent_application():
    quiet = app('Aws02', type='aws_ecs', credential_arn=SECRET_ARN.replace('aws01', 'aws02'), deliver=False)
    gone = dict(AKV, state='absent')
    assert portable_secrets([quiet, gone], {}) == []


def test_two_applications_naming_one_secret_are_refused():
    twin = dict(AWS, name='Aws09')
    with pytest.raises(AnsibleFilterError, match='Aws01 and Aws09 both name the secret gmsa/aws01-ccg'):
        portable_secrets([AWS, twin], credentials('Aws01', 'Aws09'))


def test_missing_credentials_are_named_without_a_value():
    with pytest.raises(AnsibleFilterError, match='Aws01: gmsa_portable_credentials lacks password'):
        portable_secrets([AWS], {'Aws01': {'domain': 'contoso.com', 'username': 'Aws01-ccg'}})


@pytest.mark.parametrize('plugin_type, value', [
    ('aws_ecs', json.dumps({'username': 'u', 'password': PASSWORD, 'domainName': 'contoso.com'})),
    ('azure_key_vault', 'contoso.com\\u:' + PASSWORD),
    ('rancher', {key: base64.b64encode(text.encode()).decode()
                 for key, text in (('username', 'u'), ('password', PASSWORD), ('domainName', 'contoso.com'))}),
])
def test_the_store_is_read_back_as_the_plugin_splits_it(plugin_type, value):
    assert portable_credentials_from_store(value, plugin_type) == {
        'domain': 'contoso.com', 'username': 'u', 'password': PASSWORD}


def test_a_store_value_the_plugin_cannot_read_fails_without_showing_it():
    with pytest.raises(AnsibleFilterError) as raised:
        portable_credentials_from_store('contoso.com-Secret-9a-no-separator', 'azure_key_vault')
    assert 'Secret-9a' not in str(raised.value) and '<domain>\\<user>:<password>' in str(raised.value)
