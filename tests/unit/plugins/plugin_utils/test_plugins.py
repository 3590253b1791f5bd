"""The plug-in catalogue: CLSIDs, typed options -> PluginInput, raw inputs read back, the secrets' formats."""

from __future__ import annotations

import json

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import (
    AWS_ECS,
    AZURE_KEY_VAULT,
    CATALOGUE,
    CUSTOM,
    RANCHER,
    PluginInputError,
    PortableCredentials,
    azure_read_secret,
    azure_secret_value,
    clsid,
    known_plugin,
    plugin_settings,
    read_store_secret,
)

RANCHER_CLSID = '{E4781092-F116-4B79-B55E-28EB6A224E26}'
AWS_CLSID = '{859E1386-BDB4-49E8-85C7-3070B13920E1}'
AZURE_CLSID = '{CCC2A336-D7F3-4818-A213-272B7924213E}'
SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmsa/reports01-ccg'
PARAMETER_ARN = 'arn:aws:ssm:us-east-1:123456789012:parameter/gmsa/reports01-ccg'
SECRET_URI = 'https://contoso-gmsa.vault.azure.net/secrets/reports01-ccg'
OBJECT_ID = '0f1b6d3e-8c2a-4b7e-9d61-3a2f5c8e7b10'
# A password with every character a split could trip over.
HARD_PASSWORD = 'Pa:ss\\wo:rd;=\\"{}'
CREDENTIALS = PortableCredentials('contoso.com', 'Reports01-ccg', HARD_PASSWORD)


def test_the_catalogue_holds_the_plugins_own_clsids():
    assert {name: plugin.clsid for name, plugin in CATALOGUE.items()} == {
        RANCHER: RANCHER_CLSID, AWS_ECS: AWS_CLSID, AZURE_KEY_VAULT: AZURE_CLSID}
    assert known_plugin(AWS_CLSID.lower().strip('{}')).type == AWS_ECS
    assert known_plugin('{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}').type == CUSTOM


@pytest.mark.parametrize('value', ['{GDMA0342-266A-4D1P-831J-20990E82944F}', 'not-a-guid', '', '{E4781092-F116}'])
def test_a_clsid_not_in_hex_is_refused_in_one_line(value):
    with pytest.raises(PluginInputError) as raised:
        clsid(value)
    assert str(raised.value).startswith('plugin.guid: ') and '\n' not in str(raised.value)
    assert 'hexadecimal' in str(raised.value)


def test_the_documentation_sample_is_named_as_such():
    with pytest.raises(PluginInputError, match="documentation's sample"):
        plugin_settings({'type': CUSTOM, 'guid': '{GDMA0342-266A-4D1P-831J-20990E82944F}', 'input': 'x'})


# ------------------------------------------------------------------ typed options -> PluginInput
def test_rancher_input_is_namespace_colon_secret():
    settings = plugin_settings({'type': RANCHER, 'namespace': 'cattle-windows-gmsa-system', 'secret_name': 'reports01-ccg'})
    assert (settings.guid, settings.input) == (RANCHER_CLSID, 'cattle-windows-gmsa-system:reports01-ccg')
    assert settings.store() == {'kind': 'kubernetes_secret', 'namespace': 'cattle-windows-gmsa-system',
                                'name': 'reports01-ccg'}


def test_aws_input_is_a_json_string_not_an_object():
    settings = plugin_settings({'type': AWS_ECS, 'credential_arn': SECRET_ARN})
    assert isinstance(settings.input, str)
    assert json.loads(settings.input) == {'credentialArn': SECRET_ARN}
    assert settings.store() == {'kind': 'aws_secretsmanager', 'region': 'eu-west-1', 'account': '123456789012',
                                'name': 'gmsa/reports01-ccg'}


@pytest.mark.parametrize('arn, name', [(PARAMETER_ARN, '/gmsa/reports01-ccg'),
                                       ('arn:aws:ssm:us-east-1:123456789012:parameter/flat', 'flat')])
def test_an_ssm_parameter_arn_names_the_parameter(arn, name):
    store = plugin_settings({'type': AWS_ECS, 'credential_arn': arn}).store()
    assert store == {'kind': 'aws_ssm_parameter', 'region': 'us-east-1', 'account': '123456789012', 'name': name}


def test_azure_input_is_object_id_and_secret_uri():
    settings = plugin_settings({'type': AZURE_KEY_VAULT, 'object_id': OBJECT_ID.upper(), 'secret_uri': SECRET_URI})
    assert settings.input == 'ObjectId=%s;SecretUri=%s' % (OBJECT_ID, SECRET_URI)
    assert settings.store() == {'kind': 'azure_key_vault', 'vault_uri': 'https://contoso-gmsa.vault.azure.net/',
                                'name': 'reports01-ccg', 'version': None}


# ------------------------------------------------------------------ raw inputs of known CLSIDs
@pytest.mark.parametrize('guid, raw, kind, options', [
    (RANCHER_CLSID, 'gmsa-system:webapp01-ccg', RANCHER, {'namespace': 'gmsa-system', 'secret_name': 'webapp01-ccg'}),
    (AWS_CLSID.lower(), json.dumps({'credentialArn': SECRET_ARN}), AWS_ECS, {'credential_arn': SECRET_ARN}),
    (AWS_CLSID, {'credentialArn': PARAMETER_ARN}, AWS_ECS, {'credential_arn': PARAMETER_ARN}),
    (AZURE_CLSID, 'objectid=%s;secreturi=%s' % (OBJECT_ID, SECRET_URI), AZURE_KEY_VAULT,
     {'object_id': OBJECT_ID, 'secret_uri': SECRET_URI}),
])
def test_a_known_clsid_with_a_raw_input_is_read_as_its_type_and_kept_as_written(guid, raw, kind, options):
    settings = plugin_settings({'guid': guid, 'input': raw})
    assert (settings.type, settings.options) == (kind, options)
    assert settings.input == (raw if isinstance(raw, str) else json.dumps(raw, separators=(',', ':')))


def test_a_custom_plugin_keeps_its_raw_input():
    settings = plugin_settings({'guid': '8019a64c-3f4e-4de3-ad2b-9a544290e2c3', 'input': 'anything at all'})
    assert (settings.type, settings.guid, settings.input, settings.store()) == (
        CUSTOM, '{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}', 'anything at all', None)


# ------------------------------------------------------------------ bad input: one line, naming the field
@pytest.mark.parametrize('value, field, words', [
    ({'type': 'vault'}, 'plugin.type', 'not a plug-in type'),
    ({}, 'plugin.type', 'give the plug-in type'),
    ({'type': RANCHER, 'namespace': 'gmsa-system'}, 'plugin.secret_name', 'needs namespace, secret_name'),
    ({'type': AWS_ECS}, 'plugin.credential_arn', 'needs credential_arn'),
    ({'type': AZURE_KEY_VAULT, 'secret_uri': SECRET_URI}, 'plugin.object_id', 'needs object_id, secret_uri'),
    ({'type': AWS_ECS, 'credential_arn': 'arn:aws:s3:::bucket/key'}, 'plugin.credential_arn', 'not the ARN'),
    ({'type': AWS_ECS, 'credential_arn': 'arn:aws:secretsmanager:eu-west-1:1234:secret:x'}, 'plugin.credential_arn',
     'not the ARN'),
    ({'type': AZURE_KEY_VAULT, 'object_id': OBJECT_ID, 'secret_uri': 'https://evil.example.com/secrets/x'},
     'plugin.secret_uri', 'vault.azure.net'),
    ({'type': AZURE_KEY_VAULT, 'object_id': OBJECT_ID, 'secret_uri': 'http://kv.vault.azure.net/secrets/x'},
     'plugin.secret_uri', 'vault.azure.net'),
    ({'type': AZURE_KEY_VAULT, 'object_id': 'me', 'secret_uri': SECRET_URI}, 'plugin.object_id', 'not an object ID'),
    ({'guid': RANCHER_CLSID, 'input': 'a:b:c'}, 'plugin.input', 'has 3 parts'),
    ({'guid': RANCHER_CLSID, 'input': 'justone'}, 'plugin.input', 'has 1 parts'),
    ({'guid': AWS_CLSID, 'input': 'arn:aws:secretsmanager:x'}, 'plugin.input', 'credentialArn'),
    ({'guid': AWS_CLSID, 'input': {'credentialArn': 'nope'}}, 'plugin.input', 'its credential_arn'),
    ({'guid': AZURE_CLSID, 'input': 'ObjectId=%s;SecretUri=https://kv.example.net/s' % OBJECT_ID}, 'plugin.input',
     'vault.azure.net'),
    ({'type': RANCHER, 'guid': AWS_CLSID, 'namespace': 'a', 'secret_name': 'b'}, 'plugin.guid', 'not the CLSID'),
    ({'type': RANCHER, 'credential_arn': SECRET_ARN}, 'plugin.credential_arn', 'not options of type rancher'),
    ({'type': RANCHER, 'input': 'a:b', 'namespace': 'a', 'secret_name': 'b'}, 'plugin.input', 'not both'),
    ({'type': CUSTOM, 'guid': '8019a64c-3f4e-4de3-ad2b-9a544290e2c3'}, 'plugin.input', 'needs both'),
    ({'guid': '8019a64c-3f4e-4de3-ad2b-9a544290e2c3', 'input': 'x', 'secret_uri': SECRET_URI}, 'plugin.secret_uri',
     'typed plug-in'),
])
def test_bad_plugin_settings_fail_in_one_line_naming_the_field(value, field, words):
    with pytest.raises(PluginInputError) as raised:
        plugin_settings(value)
    message = str(raised.value)
    assert message.startswith(field + ': ') and words in message and '\n' not in message, message


# ------------------------------------------------------------------ the secrets' formats
def test_the_rancher_secret_has_the_three_keys_the_plugin_reads():
    settings = plugin_settings({'type': RANCHER, 'namespace': 'gmsa-system', 'secret_name': 'x'})
    assert settings.secret(CREDENTIALS) == {'domainName': 'contoso.com', 'username': 'Reports01-ccg',
                                            'password': HARD_PASSWORD}


def test_the_aws_secret_is_json_with_username_password_domain_name():
    settings = plugin_settings({'type': AWS_ECS, 'credential_arn': SECRET_ARN})
    value = settings.secret(CREDENTIALS)
    assert json.loads(value) == {'username': 'Reports01-ccg', 'password': HARD_PASSWORD, 'domainName': 'contoso.com'}
    assert read_store_secret(AWS_ECS, value) == CREDENTIALS


def test_the_azure_secret_splits_at_the_first_backslash_and_the_first_colon_after_it():
    value = azure_secret_value(CREDENTIALS)
    assert value == 'contoso.com\\Reports01-ccg:' + HARD_PASSWORD
    # The plug-in's split: a ':' and a '\' in the password stay in the password.
    assert azure_read_secret(value) == CREDENTIALS
    assert read_store_secret(AZURE_KEY_VAULT, value).password == 'Pa:ss\\wo:rd;=\\"{}'


@pytest.mark.parametrize('value', ['no-backslash:pw', 'contoso\\no-colon', '\\user:pw', 'contoso\\:pw'])
def test_an_azure_secret_the_plugin_cannot_split_is_refused(value):
    with pytest.raises(PluginInputError, match='not in the format'):
        read_store_secret(AZURE_KEY_VAULT, value)


def test_a_custom_plugin_has_no_secret_format():
    with pytest.raises(PluginInputError):
        plugin_settings({'guid': '8019a64c-3f4e-4de3-ad2b-9a544290e2c3', 'input': 'x'}).secret(CREDENTIALS)


def test_the_catalogue_is_pure():
    """No Ansible, no LDAP: the filters, the credential_spec module and the tests share it as it is."""
    import ast
    import pathlib

    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils import _plugins

    tree = ast.parse(pathlib.Path(_plugins.__file__).read_text(encoding='utf-8'))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {'__future__', 'json', 're', 'uuid', 'dataclasses', 'typing'}, imported
