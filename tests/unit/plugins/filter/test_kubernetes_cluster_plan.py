"""Which objects the kubernetes role may apply or remove, by who made them (their managedFields), and the one line of a
refused apply; the objects as kubernetes.core.k8s_info returns them, the answers as the API server gives them."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_apply_failure import kubernetes_apply_failure
from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_cluster_plan import kubernetes_cluster_plan
from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_plan import kubernetes_plan
from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_secrets import kubernetes_secrets

MANAGER = 'wincontainers-gmsa'
PLUGIN = '{E4781092-F116-4B79-B55E-28EB6A224E26}'


def application(name, namespace='web', state='present'):
    return {'name': name, 'state': state, 'domain_joined': False,
            'plugin': {'guid': PLUGIN, 'input': 'gmsa-system:%s-ccg' % name.lower()},
            'kubernetes': {'namespace': namespace, 'service_accounts': [name.lower()], 'secret_namespace': 'gmsa-system'}}


def specs(*names):
    return {name: {'file_name': 'x.json', 'json': json.dumps({'DomainJoinConfig': {'DnsName': 'contoso.com'}})}
            for name in names}


def found(kind, name, *managers, namespace=None, api_version='v1'):
    """An object as k8s_info lists it: its metadata with one managedFields entry per manager."""
    metadata = {'name': name, 'managedFields': [{'manager': manager, 'operation': 'Apply', 'apiVersion': api_version,
                                                 'fieldsType': 'FieldsV1', 'fieldsV1': {}} for manager in managers]}
    if namespace:
        metadata['namespace'] = namespace
    return {'apiVersion': api_version, 'kind': kind, 'metadata': metadata}


def keys(resources):
    return ['/'.join(part for part in (item['kind'], item['metadata'].get('namespace'), item['metadata']['name']) if part)
            for item in resources]


# ------------------------------------------------------------ reading
def test_the_objects_are_read_one_listing_per_kind_and_namespace_however_many_applications():
    for count in (1, 10, 100):
        apps = [application('App%03d' % number) for number in range(count)]
        plan = kubernetes_plan(apps, specs(*(app['name'] for app in apps)))
        assert plan['lookups'] == [
            {'api_version': 'windows.k8s.io/v1', 'kind': 'GMSACredentialSpec'},
            {'api_version': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRole'},
            {'api_version': 'rbac.authorization.k8s.io/v1', 'kind': 'RoleBinding', 'namespace': 'web'},
            {'api_version': 'v1', 'kind': 'Secret', 'namespace': 'gmsa-system'}]


def test_the_secret_of_an_application_still_waiting_for_its_spec_is_read_too():
    """kubernetes_secrets gives it whether or not the credential spec is there yet."""
    plan = kubernetes_plan([application('Web01')], {})
    assert plan['waiting'] == ['Web01'] and plan['secrets'] == ['gmsa-system/web01-ccg']
    assert plan['lookups'] == [{'api_version': 'v1', 'kind': 'Secret', 'namespace': 'gmsa-system'}]


# ------------------------------------------------------------ applying
def test_new_objects_and_the_role_s_own_are_applied_without_forcing_conflicts():
    plan = kubernetes_plan([application('Web01')], specs('Web01'))
    cluster = kubernetes_cluster_plan(plan, [found('GMSACredentialSpec', 'web01', 'kubectl', MANAGER,
                                                   api_version='windows.k8s.io/v1')], MANAGER)
    assert [batch['force'] for batch in cluster['apply']] == [False]
    assert keys(cluster['apply'][0]['resources']) == [
        'GMSACredentialSpec/web01', 'ClusterRole/web01-gmsa-user', 'RoleBinding/web/web01-gmsa-user']
    assert cluster['secrets'] == [{'force': False, 'secrets': ['gmsa-system/web01-ccg']}]
    assert cluster['refused'] == '' and cluster['owners'] == {'GMSACredentialSpec/web01': ['kubectl', MANAGER]}


def test_objects_another_field_manager_made_are_refused_in_one_line():
    plan = kubernetes_plan([application('Web01')], specs('Web01'))
    cluster = kubernetes_cluster_plan(plan, [
        found('ClusterRole', 'web01-gmsa-user', 'helm', 'kubectl-edit', api_version='rbac.authorization.k8s.io/v1'),
        found('Secret', 'web01-ccg', namespace='gmsa-system')], MANAGER)
    assert cluster['refused'] == (
        'these objects exist in the cluster and were not made by the field manager wincontainers-gmsa of this role: '
        'ClusterRole/web01-gmsa-user (field managers: helm, kubectl-edit), Secret/gmsa-system/web01-ccg (field '
        'managers: none); the role leaves them as they are and applies nothing: delete them, or name them in '
        'kubernetes_take_over to take them over')


def test_objects_named_to_take_over_are_applied_with_conflicts_forced():
    plan = kubernetes_plan([application('Web01')], specs('Web01'))
    cluster = kubernetes_cluster_plan(plan, [
        found('ClusterRole', 'web01-gmsa-user', 'helm', api_version='rbac.authorization.k8s.io/v1'),
        found('Secret', 'web01-ccg', 'rancher', namespace='gmsa-system')], MANAGER,
        take_over=['ClusterRole/web01-gmsa-user', 'Secret/gmsa-system/web01-ccg'])
    assert cluster['refused'] == ''
    assert [(batch['force'], keys(batch['resources'])) for batch in cluster['apply']] == [
        (False, ['GMSACredentialSpec/web01', 'RoleBinding/web/web01-gmsa-user']),
        (True, ['ClusterRole/web01-gmsa-user'])]
    assert cluster['secrets'] == [{'force': True, 'secrets': ['gmsa-system/web01-ccg']}]


def test_the_secrets_of_a_batch_are_given_by_name_and_no_others():
    apps = [application('Web01'), application('Web02')]
    credentials = {app['name']: {'domain': 'contoso.com', 'username': '%s-ccg' % app['name'], 'password': 'Pw-1'}
                   for app in apps}
    assert keys(kubernetes_secrets(apps, credentials, secrets=['gmsa-system/web02-ccg'])) == ['Secret/gmsa-system/web02-ccg']
    assert keys(kubernetes_secrets(apps, credentials, secrets=[])) == []
    assert len(kubernetes_secrets(apps, credentials)) == 2


# ------------------------------------------------------------ removing
def test_only_what_the_role_made_or_takes_over_is_removed_and_the_rest_is_named():
    plan = kubernetes_plan([application('Web01', state='absent')], {})
    cluster = kubernetes_cluster_plan(plan, [
        found('Secret', 'web01-ccg', MANAGER, namespace='gmsa-system'),
        found('RoleBinding', 'web01-gmsa-user', 'helm', namespace='web', api_version='rbac.authorization.k8s.io/v1'),
        found('ClusterRole', 'web01-gmsa-user', 'helm', api_version='rbac.authorization.k8s.io/v1'),
    ], MANAGER, take_over=['ClusterRole/web01-gmsa-user'])
    # The GMSACredentialSpec is gone already: nothing to remove.
    assert keys(cluster['remove']) == ['Secret/gmsa-system/web01-ccg', 'ClusterRole/web01-gmsa-user']
    assert cluster['left'] == ('left in the cluster, not made by this role: RoleBinding/web/web01-gmsa-user (field '
                               'managers: helm); delete them yourself, or name them in kubernetes_take_over for the '
                               'role to remove them')
    assert cluster['refused'] == '' and cluster['apply'] == []


def test_the_plan_is_required():
    with pytest.raises(AnsibleFilterError, match='give what wincontainers.gmsa.kubernetes_plan returned'):
        kubernetes_cluster_plan({'apply': []}, [], MANAGER)


# ------------------------------------------------------------ a refused apply
def failed(status):
    """A failed kubernetes.core.k8s result as the module words it: the Status body as Python writes bytes."""
    return {'failed': True, 'msg': 'Failed to apply object: %r' % json.dumps(status).encode('utf-8')}


ONE_CONFLICT = {
    'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure', 'reason': 'Conflict', 'code': 409,
    'message': 'Apply failed with 1 conflict: conflict with "kubectl-edit" using windows.k8s.io/v1: .credspec.DnsName',
    'details': {'causes': [{'reason': 'FieldManagerConflict', 'message': 'conflict with "kubectl-edit" using '
                            'windows.k8s.io/v1', 'field': '.credspec.DnsName'}]}}
OWNERS = {'GMSACredentialSpec/web01': ['kubectl-edit', MANAGER], 'ClusterRole/web01-gmsa-user': [MANAGER]}


def test_a_conflict_names_the_manager_the_field_the_object_and_the_fix():
    assert kubernetes_apply_failure(failed(ONE_CONFLICT), OWNERS) == (
        'the API server refused to apply: "kubectl-edit" using windows.k8s.io/v1 owns .credspec.DnsName; the role '
        'takes no field another field manager owns: have that manager give the field up, or name '
        'GMSACredentialSpec/web01 in kubernetes_take_over to take it over')


def test_several_conflicts_of_a_loop_item_are_one_line():
    status = dict(ONE_CONFLICT, message='Apply failed with 2 conflicts: conflicts with "helm":\n- .rules\n'
                                        'conflicts with "kubectl-edit" using windows.k8s.io/v1:\n- .credspec.DnsName',
                  details={'causes': [
                      {'reason': 'FieldManagerConflict', 'message': 'conflict with "helm"', 'field': '.rules'},
                      ONE_CONFLICT['details']['causes'][0]]})
    result = {'failed': True, 'msg': 'One or more items failed',
              'results': [{'failed': False, 'changed': True}, failed(status)]}
    line = kubernetes_apply_failure(result, dict(OWNERS, **{'ClusterRole/web01-gmsa-user': ['helm', MANAGER]}))
    assert line.startswith('the API server refused to apply: "helm" owns .rules; "kubectl-edit" using '
                           'windows.k8s.io/v1 owns .credspec.DnsName; ')
    assert 'name ClusterRole/web01-gmsa-user, GMSACredentialSpec/web01 in kubernetes_take_over' in line
    assert '\n' not in line


def test_another_failure_is_the_module_s_own_line_or_hidden():
    invalid = failed({'kind': 'Status', 'code': 422, 'reason': 'Invalid',
                      'message': 'Secret "web01-ccg" is invalid: data[pass word]: Invalid value'})
    assert kubernetes_apply_failure(invalid, OWNERS).startswith('Failed to apply object: b\'{"kind": "Status"')
    hidden = kubernetes_apply_failure(invalid, OWNERS, hide_answer=True)
    assert hidden == ('the API server refused a portable user\'s Secret, for another reason than a field another '
                      'field manager owns; its answer is not shown, since it may hold the password')
    assert kubernetes_apply_failure({'failed': True, 'msg': 'Failed to find exact match for x'}, {}) == (
        'Failed to find exact match for x')
