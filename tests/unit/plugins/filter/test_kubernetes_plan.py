"""The Kubernetes resources and manifests the kubernetes role applies or writes, and the portable users' Secrets."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_plan import kubernetes_plan
from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_secrets import kubernetes_secrets

WEB = {'name': 'WebApp01', 'kubernetes': {'namespace': 'web', 'service_accounts': ['webapp', 'worker']}}
BATCH = {'name': 'Batch01', 'domain_joined': False,
         'plugin': {'guid': '{E4781092-F116-4B79-B55E-28EB6A224E26}', 'input': 'gmsa-system:batch01-ccg'},
         'kubernetes': {'secret_namespace': 'gmsa-system'}}
NO_KUBERNETES = {'name': 'Reports01'}


def spec(name):
    """The hand-over of the service_accounts role: the file name and the text of the credential spec."""
    return {'file_name': 'contoso_%s.json' % name, 'json': json.dumps({'DomainJoinConfig': {'DnsName': 'contoso.com'}})}


SPECS = {'WebApp01': spec('webapp01'), 'Batch01': spec('batch01'), 'Reports01': spec('reports01')}
CREDENTIALS = {'Batch01': {'domain': 'contoso.com', 'username': 'Batch01-ccg', 'password': 'S3cret!pw'}}


def test_each_application_gets_its_spec_its_role_and_a_binding_for_its_service_accounts():
    plan = kubernetes_plan([WEB, NO_KUBERNETES], SPECS)
    kinds = [(resource['kind'], resource['metadata']['name']) for resource in plan['apply']]
    assert kinds == [('GMSACredentialSpec', 'webapp01'), ('ClusterRole', 'webapp01-gmsa-user'),
                     ('RoleBinding', 'webapp01-gmsa-user')]
    binding = plan['apply'][2]
    assert binding['metadata']['namespace'] == 'web'
    assert binding['roleRef'] == {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': 'webapp01-gmsa-user'}
    assert binding['subjects'] == [{'kind': 'ServiceAccount', 'name': 'webapp', 'namespace': 'web'},
                                   {'kind': 'ServiceAccount', 'name': 'worker', 'namespace': 'web'}]


def test_no_service_accounts_no_binding():
    plan = kubernetes_plan([BATCH], SPECS)
    assert [resource['kind'] for resource in plan['apply']] == ['GMSACredentialSpec', 'ClusterRole']


def test_service_accounts_need_a_namespace():
    with pytest.raises(AnsibleFilterError, match='WebApp01: kubernetes.namespace'):
        kubernetes_plan([dict(WEB, kubernetes={'service_accounts': ['webapp']})], SPECS)


def test_manifest_files_hold_the_same_resources_and_no_secret():
    plan = kubernetes_plan([WEB, BATCH], SPECS)
    files = {item['file_name']: list(yaml.safe_load_all(item['content'])) for item in plan['files']}
    assert sorted(files) == ['batch01.yml', 'webapp01.yml']
    assert files['webapp01.yml'] == plan['apply'][:3]
    assert 'Secret' not in str(plan['files']) and 'S3cret' not in str(plan)
    assert plan['secrets'] == ['gmsa-system/batch01-ccg']


def test_a_manifest_is_kept_as_its_credential_spec_file_is():
    carrying = {'DomainJoinConfig': {'DnsName': 'contoso.com'}, 'ActiveDirectoryConfig': {'HostAccountConfig': {
        'PortableCcgVersion': '1', 'PluginGUID': '{CFCA0441-511D-4B2A-862E-20348A78760B}',
        'PluginInput': 'user=batch01-ccg;password=S3cret!pw'}}}
    specs = dict(SPECS, Batch01=dict(spec('batch01'), json=json.dumps(carrying)))
    modes = {item['file_name']: item['mode'] for item in kubernetes_plan([WEB, BATCH], specs)['files']}
    assert modes == {'webapp01.yml': '0644', 'batch01.yml': '0600'}


def test_an_application_without_a_credential_spec_waits():
    plan = kubernetes_plan([WEB], {})
    assert plan['waiting'] == ['WebApp01'] and plan['apply'] == [] and plan['files'] == []


def test_an_absent_application_s_resources_and_secret_are_removed_by_name_in_reverse_order():
    plan = kubernetes_plan([dict(WEB, state='absent'), dict(BATCH, state='absent')], {})
    assert [(r['kind'], r['metadata'].get('namespace'), r['metadata']['name']) for r in plan['remove']] == [
        ('Secret', 'gmsa-system', 'batch01-ccg'),
        ('ClusterRole', None, 'batch01-gmsa-user'),
        ('GMSACredentialSpec', None, 'batch01'),
        ('RoleBinding', 'web', 'webapp01-gmsa-user'),
        ('ClusterRole', None, 'webapp01-gmsa-user'),
        ('GMSACredentialSpec', None, 'webapp01'),
    ]
    assert plan['stale_files'] == ['webapp01.yml', 'batch01.yml'] and plan['apply'] == []


def test_an_absent_application_uses_its_own_kubernetes_name():
    plan = kubernetes_plan([{'name': 'WebApp01', 'state': 'absent', 'kubernetes': {'name': 'web-main'}}], {})
    assert [r['metadata']['name'] for r in plan['remove']] == ['web-main-gmsa-user', 'web-main']


def test_the_secret_carries_what_the_plug_in_reads():
    assert kubernetes_secrets([WEB, BATCH, NO_KUBERNETES], CREDENTIALS) == [{
        'apiVersion': 'v1', 'kind': 'Secret', 'type': 'Opaque',
        'metadata': {'name': 'batch01-ccg', 'namespace': 'gmsa-system'},
        'stringData': {'domainName': 'contoso.com', 'username': 'Batch01-ccg', 'password': 'S3cret!pw'},
    }]


def test_other_plug_ins_and_absent_applications_get_no_secret():
    azure = dict(BATCH, plugin={'guid': 'CCC2A336-D7F3-4818-A213-272B7924213E',
                                'input': 'ObjectId=0f1b6d3e-8c2a-4b7e-9d61-3a2f5c8e7b10;'
                                         'SecretUri=https://kv01.vault.azure.net/secrets/batch01'})
    not_delivered = dict(BATCH, name='Rancher01', plugin=dict(BATCH['plugin'], input='gmsa-system:rancher01', deliver=False))
    assert kubernetes_secrets([not_delivered], CREDENTIALS) == []
    assert kubernetes_secrets([azure, dict(BATCH, state='absent')], CREDENTIALS) == []


def test_missing_credentials_are_named_without_any_secret():
    with pytest.raises(AnsibleFilterError, match='Batch01: gmsa_portable_credentials lacks password') as error:
        kubernetes_secrets([BATCH], {'Batch01': {'domain': 'contoso.com', 'username': 'Batch01-ccg'}})
    assert 'S3cret' not in str(error.value)


def test_the_plug_in_input_and_the_secret_namespace_must_agree():
    with pytest.raises(AnsibleFilterError, match='secret_namespace is other'):
        kubernetes_secrets([dict(BATCH, kubernetes={'secret_namespace': 'other'})], CREDENTIALS)
    with pytest.raises(AnsibleFilterError, match='<namespace>:<secret name>'):
        kubernetes_secrets([dict(BATCH, plugin=dict(BATCH['plugin'], input='batch01-ccg'))], CREDENTIALS)


@pytest.mark.parametrize('twin_state', ['present', 'absent'])
def test_two_applications_naming_one_secret_are_refused_naming_both_and_the_secret(twin_state):
    """The last applied would win, and removing one would delete the Secret the other still reads."""
    twin = dict(BATCH, name='Audit01', state=twin_state, kubernetes={'name': 'audit01'})
    for render in (lambda: kubernetes_plan([BATCH, twin], SPECS),
                   lambda: kubernetes_secrets([BATCH, twin], dict(CREDENTIALS, Audit01=CREDENTIALS['Batch01']))):
        with pytest.raises(AnsibleFilterError) as refused:
            render()
        assert str(refused.value) == ('Batch01 and Audit01 both name the Secret gmsa-system/batch01-ccg in plugin.input; '
                                      'give each application a Secret of its own')
