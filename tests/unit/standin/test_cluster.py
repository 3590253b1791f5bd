"""The stand-in cluster's validators and writes, and that the stand-in kubernetes.core.k8s refuses what the real
module refuses: a stand-in that let a mistake through would make the role's tests prove nothing."""

from __future__ import annotations

import copy
import json
import sys

import pytest
import yaml

from lab_dc import REPO

sys.path.insert(0, str(REPO / 'tests' / 'standin' / 'collections'))

from ansible_collections.standin.common.plugins.plugin_utils._cluster import (  # noqa: E402
    APIError,
    Cluster,
    model_differences,
    prune_and_validate,
    rule_allows,
)
from ansible_collections.standin.common.plugins.plugin_utils._module_docs import ModuleDocs  # noqa: E402
from standin.runner import module_docs_file, run_playbook  # noqa: E402

CRD = yaml.safe_load((REPO / 'tests' / 'standin' / 'windows-gmsa' / 'gmsa-crd.yml').read_text())
SCHEMA = CRD['spec']['versions'][1]['schema']['openAPIV3Schema']
SPEC = {'apiVersion': 'windows.k8s.io/v1', 'kind': 'GMSACredentialSpec', 'metadata': {'name': 'webapp01'},
        'credspec': {'CmsPlugins': ['ActiveDirectory'],
                     'ActiveDirectoryConfig': {'GroupManagedServiceAccounts': [{'Name': 'WebApp01', 'Scope': 'contoso.com'}],
                                               'HostAccountConfig': {'PluginGUID': 'x', 'PluginInput': 'y',
                                                                     'PortableCcgVersion': '1'}}}}


def cluster():
    state = {}
    server = Cluster(state)
    server.create(CRD)
    server.create({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'web'}})
    return server


def test_unknown_fields_of_a_custom_resource_are_pruned_and_wrong_types_refused():
    body = {'credspec': dict(SPEC['credspec'], Extra='x'), 'status': {}}
    kept, pruned, errors = prune_and_validate(body, SCHEMA)
    assert sorted(pruned) == ['credspec.Extra', 'status'] and errors == []
    assert kept == {'credspec': SPEC['credspec']}
    _kept, _pruned, errors = prune_and_validate({'credspec': {'CmsPlugins': 'ActiveDirectory'}}, SCHEMA)
    assert errors == ['credspec.CmsPlugins: Invalid value: "string": credspec.CmsPlugins in body must be of type '
                      'array: "string"']


def test_the_api_models_find_unknown_fields_wrong_types_and_missing_required_ones():
    role = {'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRole', 'metadata': {'name': 'r'},
            'rules': [{'apiGroups': ['windows.k8s.io'], 'resources': ['gmsacredentialspecs'], 'verbs': ['use']}]}
    assert model_differences(role, 'V1ClusterRole') == []
    wrong = copy.deepcopy(role)
    wrong['rules'][0]['resourceName'] = ['webapp01']
    assert model_differences(wrong, 'V1ClusterRole') == ['rules[0].resourceName: field not declared in schema']
    wrong['rules'][0]['verbs'] = 'use'
    assert 'verbs' in model_differences(wrong, 'V1ClusterRole')[0]
    wrong['rules'][0]['verbs'] = [7]
    assert model_differences(wrong, 'V1ClusterRole')
    binding = {'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'RoleBinding', 'metadata': {'name': 'b'}}
    assert 'roleRef' in model_differences(binding, 'V1RoleBinding')[0]


def test_a_custom_resource_is_served_only_by_a_served_version_and_stored_pruned():
    server = cluster()
    stored = server.create(dict(SPEC, credspec=dict(SPEC['credspec'], Extra='x')))
    assert 'Extra' not in stored['credspec']
    with pytest.raises(APIError, match='must be of type object'):
        server.create({'apiVersion': 'windows.k8s.io/v1', 'kind': 'GMSACredentialSpec', 'metadata': {'name': 'b'},
                       'credspec': 'text'})
    with pytest.raises(APIError, match='namespaces "other" not found'):
        server.create({'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': 's', 'namespace': 'other'}})


def test_a_merge_patch_keeps_what_it_does_not_name_and_server_side_apply_removes_it():
    server = cluster()
    server.create(SPEC)
    without = copy.deepcopy(SPEC)
    del without['credspec']['ActiveDirectoryConfig']['HostAccountConfig']
    patched = server.patch(without)
    assert 'HostAccountConfig' in patched['credspec']['ActiveDirectoryConfig']

    applied = cluster()
    applied.apply(SPEC, 'wincontainers-gmsa')
    assert 'HostAccountConfig' not in applied.apply(without, 'wincontainers-gmsa')['credspec']['ActiveDirectoryConfig']
    # A field another manager owns too stays: that manager still wants it.
    shared = cluster()
    shared.create(SPEC)
    shared.apply(SPEC, 'wincontainers-gmsa')
    assert 'HostAccountConfig' in shared.apply(without, 'wincontainers-gmsa')['credspec']['ActiveDirectoryConfig']


def test_server_side_apply_conflicts_unless_forced_and_a_dry_run_stores_nothing():
    server = cluster()
    server.apply(SPEC, 'someone-else')
    changed = copy.deepcopy(SPEC)
    changed['credspec']['CmsPlugins'] = ['Other']
    with pytest.raises(APIError, match='conflict with "someone-else": .credspec.CmsPlugins'):
        server.apply(changed, 'wincontainers-gmsa')
    before = json.dumps(server.state, sort_keys=True)
    assert server.apply(changed, 'wincontainers-gmsa', force=True, dry_run=True)['credspec']['CmsPlugins'] == ['Other']
    assert json.dumps(server.state, sort_keys=True) == before


def test_a_conflict_is_the_api_server_s_409_with_a_cause_per_field():
    """Worded as apimachinery's managedfields conflict.go words it: an update's manager with the apiVersion it wrote."""
    server = cluster()
    server.create(SPEC)                       # an update, recorded under the Python client's manager
    server.apply(dict(SPEC, credspec={'DomainJoinConfig': {'DnsName': 'a'}}), 'kubectl')
    changed = copy.deepcopy(SPEC)
    changed['credspec']['CmsPlugins'] = ['Other']
    changed['credspec']['DomainJoinConfig'] = {'DnsName': 'b'}
    with pytest.raises(APIError) as raised:
        server.apply(changed, 'wincontainers-gmsa')
    status = json.loads(raised.value.status())
    assert (status['code'], status['reason']) == (409, 'Conflict')
    assert status['details']['causes'] == [
        {'reason': 'FieldManagerConflict', 'message': 'conflict with "OpenAPI-Generator" using windows.k8s.io/v1',
         'field': '.credspec.CmsPlugins'},
        {'reason': 'FieldManagerConflict', 'message': 'conflict with "kubectl"', 'field': '.credspec.DomainJoinConfig.DnsName'}]
    assert status['message'] == ('Apply failed with 2 conflicts: conflicts with "OpenAPI-Generator" using '
                                 'windows.k8s.io/v1:\n- .credspec.CmsPlugins\nconflicts with "kubectl":\n'
                                 '- .credspec.DomainJoinConfig.DnsName')


def test_rbac_rules_match_verb_group_resource_and_resource_name():
    rule = {'apiGroups': ['windows.k8s.io'], 'resources': ['gmsacredentialspecs'], 'verbs': ['use'],
            'resourceNames': ['webapp01']}
    assert rule_allows(rule, 'use', 'windows.k8s.io', 'gmsacredentialspecs', 'webapp01')
    assert not rule_allows(rule, 'use', 'windows.k8s.io', 'gmsacredentialspecs', 'reports01')
    assert not rule_allows(rule, 'use', '', 'gmsacredentialspecs', 'webapp01')
    assert rule_allows(dict(rule, resourceNames=[], verbs=['*']), 'use', 'windows.k8s.io', 'gmsacredentialspecs', 'x')


# ------------------------------------------------------------------ the stand-in module against the real documentation
def test_an_undocumented_return_key_is_refused(monkeypatch):
    monkeypatch.setenv('STANDIN_MODULE_DOCS', str(module_docs_file()))
    ModuleDocs.of.cache_clear()
    docs = ModuleDocs.of('kubernetes.core.k8s')
    docs.check_return({'changed': True, 'result': dict(SPEC)}, objects=('result',))
    with pytest.raises(AssertionError, match='returns method'):
        docs.check_return({'changed': True, 'method': 'apply', 'result': {}}, objects=('result',))
    with pytest.raises(AssertionError, match='not an API object'):
        docs.check_return({'changed': True, 'result': {'name': 'webapp01'}}, objects=('result',))


@pytest.mark.parametrize('arguments, refusal', [
    ({'definition': SPEC, 'server_side_apply': {'field_manager': 'x', 'force_conflict': True}}, 'force_conflict'),
    ({'definition': SPEC, 'apply': 'sometimes'}, 'apply'),
    ({'definition': SPEC, 'state': 'replaced'}, 'state'),
    ({'definition': SPEC, 'apply': True}, 'client-side apply'),
])
def test_a_wrong_option_or_type_fails_the_stand_in_k8s(tmp_path, arguments, refusal):
    state = tmp_path / 'cluster.json'
    state.write_text(json.dumps(cluster().state))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local',
                                                                         'standin_state': str(state)}}}}))
    playbook = tmp_path / 'playbook.yml'
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False,
                                         'tasks': [{'name': 'Apply', 'kubernetes.core.k8s': arguments}]}]))
    done = run_playbook(playbook, inventory)
    assert done.rc != 0
    message = done.results[-1][2]['msg']
    assert refusal in message, message
    assert 'GMSACredentialSpec/webapp01' not in json.loads(state.read_text())['objects']


def test_k8s_info_leaves_out_the_hidden_fields(tmp_path):
    server = cluster()
    server.create({'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': 's', 'namespace': 'web'},
                   'stringData': {'password': 'Hidden-Pw-1'}})
    state = tmp_path / 'cluster.json'
    state.write_text(json.dumps(server.state))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local',
                                                                         'standin_state': str(state)}}}}))
    playbook = tmp_path / 'playbook.yml'
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'Read', 'kubernetes.core.k8s_info': {'kind': 'Secret', 'namespace': 'web',
                                                      'hidden_fields': ['data', 'metadata.managedFields']}}]}]))
    done = run_playbook(playbook, inventory)
    assert done.rc == 0, done.output
    [secret] = done.results[-1][2]['resources']
    assert 'data' not in secret and 'managedFields' not in secret['metadata'] and secret['metadata']['name'] == 's'
    assert 'Hidden-Pw-1' not in done.output and 'SGlkZGVuLVB3LTE' not in done.output
