"""The kubernetes role against the real definitions: windows-gmsa's CRD, Kubernetes' API models and RBAC.

Two parts. First, every GMSACredentialSpec, ClusterRole, RoleBinding and Secret the role renders for every
inventory under playbooks/inventories is checked: against the CRD schema with no field pruned, the built-in
kinds against the kubernetes client's API models, and the webhook's `use` check (tests/standin/windows-gmsa
names where each comes from). Second, the role runs against the stand-in cluster on the oldest and the newest
ansible-core meta/runtime.yml admits; the cluster's state file is read afterwards. No lab DC is needed.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from types import SimpleNamespace

import pytest
import yaml

from lab_dc import REPO

sys.path.insert(0, str(REPO / 'tests' / 'standin' / 'collections'))

from ansible_collections.standin.common.plugins.plugin_utils._cluster import (  # noqa: E402
    Cluster,
    model_differences,
    prune_and_validate,
)
from standin.clusters import CRD, WEBHOOK, cluster_state  # noqa: E402
from standin.runner import run_playbook  # noqa: E402

INVENTORIES = sorted(path for path in (REPO / 'playbooks' / 'inventories').glob('*') if path.is_dir())
CORES = ('oldest', 'newest')
KUBERNETES_SECRET_PLUGIN = '{E4781092-F116-4B79-B55E-28EB6A224E26}'
SECRET_PASSWORD = 'Portable-User-Pw-9c1e'


def crd_schema(version='v1'):
    return next(item for item in CRD['spec']['versions'] if item['name'] == version)['schema']['openAPIV3Schema']


# ------------------------------------------------------------------ what the role renders
def credential_spec(application):
    """What wincontainers.gmsa.credential_spec returns for the application's gMSA in contoso.com, as far as the
    role reads it: the document as the collection builds it, with HostAccountConfig for hosts outside the domain."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import (
        HostAccountConfig,
        build_credential_spec,
        default_kubernetes_name,
        kubernetes_resources,
    )

    facts = SimpleNamespace(dns_name='contoso.com', netbios_name='CONTOSO', forest_dns_name='contoso.com',
                            sid='S-1-5-21-1111111111-2222222222-3333333333',
                            guid='a4a2e1b4-5b9e-4b6f-9a1e-2f1b3c4d5e6f')
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import plugin_settings

    plugin = application.get('plugin')
    if plugin:
        # The typed form and the raw one, as the service_accounts role hands them to credential_spec.
        plugin = plugin_settings({key: value for key, value in plugin.items() if key not in ('installer', 'deliver')})
    host_account = HostAccountConfig(plugin.guid, plugin.input) if plugin else None
    document = build_credential_spec(facts, application['name'], host_account=host_account)
    name = (application.get('kubernetes') or {}).get('name') or default_kubernetes_name(application['name'])
    resource, cluster_role = kubernetes_resources(name, document)
    return {'file_name': 'contoso_%s.json' % application['name'].lower(), 'json': json.dumps(document),
            'kubernetes': resource, 'kubernetes_rbac': cluster_role}


def credentials(applications):
    return {app['name']: {'domain': 'contoso.com', 'username': '%s-ccg' % app['name'], 'password': SECRET_PASSWORD}
            for app in applications if app.get('domain_joined') is False}


def inventory_applications(inventory):
    """gmsa_applications of the inventory, vault variables left as their template text (the role never reads them)."""
    applications = []
    for path in sorted((inventory / 'group_vars').rglob('*.yml')):
        applications += (yaml.safe_load(path.read_text()) or {}).get('gmsa_applications') or []
    return applications


# A non-domain-joined application beside the inventories' own, so a pruned HostAccountConfig would show.
STANDALONE = {'name': 'Batch01', 'domain_joined': False,
              'plugin': {'guid': KUBERNETES_SECRET_PLUGIN, 'input': 'gmsa-system:batch01-ccg'},
              'kubernetes': {'namespace': 'batch', 'service_accounts': ['batch', 'batch-worker']}}


def rendered(applications):
    from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_plan import kubernetes_plan
    from ansible_collections.wincontainers.gmsa.plugins.filter.kubernetes_secrets import kubernetes_secrets

    specs = {app['name']: credential_spec(app) for app in applications}
    return kubernetes_plan(applications, specs)['apply'] + kubernetes_secrets(applications, credentials(applications))


RENDER_CASES = [(path.name, inventory_applications(path)) for path in INVENTORIES] + [('standalone', [STANDALONE])]


def test_every_inventory_renders_something_to_check():
    kinds = {resource['kind'] for _name, applications in RENDER_CASES for resource in rendered(applications)}
    assert kinds == {'GMSACredentialSpec', 'ClusterRole', 'RoleBinding', 'Secret'}
    specs = [resource for _name, applications in RENDER_CASES for resource in rendered(applications)
             if resource['kind'] == 'GMSACredentialSpec']
    assert any('HostAccountConfig' in spec['credspec']['ActiveDirectoryConfig'] for spec in specs)


@pytest.mark.parametrize('case', RENDER_CASES, ids=lambda case: case[0])
def test_each_rendered_credential_spec_fits_the_crd_schema_with_nothing_pruned(case):
    for resource in rendered(case[1]):
        if resource['kind'] != 'GMSACredentialSpec':
            continue
        assert (resource['apiVersion'], CRD['spec']['names']['kind']) == ('windows.k8s.io/v1', resource['kind'])
        assert re.fullmatch(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*', resource['metadata']['name'])
        body = {key: value for key, value in resource.items() if key not in ('apiVersion', 'kind', 'metadata')}
        kept, pruned, errors = prune_and_validate(body, crd_schema())
        assert (pruned, errors) == ([], []), resource['metadata']['name']
        assert kept == body


@pytest.mark.parametrize('case', RENDER_CASES, ids=lambda case: case[0])
def test_each_rendered_built_in_object_is_what_the_kubernetes_api_models_declare(case):
    models = {'ClusterRole': 'V1ClusterRole', 'RoleBinding': 'V1RoleBinding', 'Secret': 'V1Secret'}
    for resource in rendered(case[1]):
        if resource['kind'] in models:
            assert model_differences(resource, models[resource['kind']]) == [], resource


@pytest.mark.parametrize('case', RENDER_CASES, ids=lambda case: case[0])
def test_the_webhook_lets_the_bound_service_accounts_use_their_spec_and_no_one_else(case):
    """The webhook's LocalSubjectAccessReview: verb use, group windows.k8s.io, resource gmsacredentialspecs, the
    spec's name, in the pod's namespace, for the pod's service account."""
    applications = case[1]
    resources = rendered(applications)
    namespaces = {resource['metadata']['namespace'] for resource in resources if resource['metadata'].get('namespace')}
    cluster = Cluster(cluster_state(namespaces=sorted(namespaces)))
    for resource in resources:
        cluster.apply(resource, 'test')
    specs = [resource['metadata']['name'] for resource in resources if resource['kind'] == 'GMSACredentialSpec']
    for application in applications:
        kubernetes = application.get('kubernetes')
        if not kubernetes:
            continue
        name = credential_spec(application)['kubernetes']['metadata']['name']
        for account in kubernetes.get('service_accounts') or []:
            namespace = kubernetes['namespace']
            assert cluster.allows(account, namespace, 'use', 'windows.k8s.io', 'gmsacredentialspecs', name)
            assert not cluster.allows(account, 'default', 'use', 'windows.k8s.io', 'gmsacredentialspecs', name)
            assert not cluster.allows(account, namespace, 'get', 'windows.k8s.io', 'gmsacredentialspecs', name)
            for other in specs:
                if other != name:
                    assert not cluster.allows(account, namespace, 'use', 'windows.k8s.io', 'gmsacredentialspecs', other)
        assert not cluster.allows('default', kubernetes.get('namespace') or 'default', 'use', 'windows.k8s.io',
                                  'gmsacredentialspecs', name)


# ------------------------------------------------------------------ the role against the stand-in cluster
WEBAPP = {'name': 'WebApp01', 'kubernetes': {'namespace': 'web', 'service_accounts': ['webapp', 'worker']}}
REPORTS = {'name': 'Reports01', 'domain_joined': False,
           'plugin': {'guid': KUBERNETES_SECRET_PLUGIN, 'input': 'gmsa-system:reports01-ccg'},
           'kubernetes': {'namespace': 'reports', 'service_accounts': ['reports'], 'secret_namespace': 'gmsa-system'}}


class StandInCluster:
    """The cluster's state file and runs of the role against it."""

    def __init__(self, tmp_path, core, state=None):
        self.tmp_path, self.core = tmp_path, core
        self.path = tmp_path / 'cluster.json'
        self.path.write_text(json.dumps(cluster_state() if state is None else state))
        self.inventory = tmp_path / 'inventory.yml'
        self.inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
            'ansible_connection': 'local', 'standin_state': str(self.path)}}}}))
        self.playbook = tmp_path / 'kubernetes.yml'
        self.playbook.write_text(yaml.safe_dump([{'name': 'Kubernetes', 'hosts': 'localhost', 'gather_facts': False,
                                                  'roles': [{'role': 'wincontainers.gmsa.kubernetes'}]}]))

    @property
    def state(self):
        return json.loads(self.path.read_text())

    @property
    def objects(self):
        return self.state['objects']

    def run(self, applications, *args, specs=None):
        variables = self.tmp_path / 'vars.json'
        variables.write_text(json.dumps({
            'kubernetes_applications': applications,
            'kubernetes_credential_specs': specs or {app['name']: credential_spec(app) for app in applications},
            'kubernetes_portable_credentials': credentials(applications)}))
        return run_playbook(self.playbook, self.inventory, core=self.core, extra_args=('-e', '@%s' % variables, *args))


def changed(run):
    return run.stats()['changed']


def failure(run):
    """The one failed task's message: one line, no traceback."""
    assert run.rc != 0, run.output
    failed = [result for _task, _host, result in run.results if result.get('failed')]
    assert failed, run.output
    message = failed[-1].get('msg') or next(item['msg'] for item in failed[-1]['results'] if item.get('failed'))
    assert '\n' not in message.strip() and 'Traceback' not in run.output, message
    return message


def ours(objects):
    """The objects the role writes, without the ones the cluster started with."""
    return {key: value for key, value in objects.items()
            if key.split('/')[0] in ('GMSACredentialSpec', 'ClusterRole', 'RoleBinding', 'Secret')}


@pytest.mark.parametrize('core', CORES)
def test_converge_then_nothing_changes_and_check_mode_writes_nothing(tmp_path, core):
    cluster = StandInCluster(tmp_path, core)
    dry = cluster.run([WEBAPP, REPORTS], '--check', '--diff')
    assert dry.rc == 0, dry.output
    assert changed(dry) > 0
    assert ours(cluster.objects) == {}
    assert SECRET_PASSWORD not in dry.output

    done = cluster.run([WEBAPP, REPORTS])
    assert done.rc == 0, done.output
    objects = cluster.objects
    assert sorted(ours(objects)) == [
        'ClusterRole/reports01-gmsa-user', 'ClusterRole/webapp01-gmsa-user',
        'GMSACredentialSpec/reports01', 'GMSACredentialSpec/webapp01',
        'RoleBinding/reports/reports01-gmsa-user', 'RoleBinding/web/webapp01-gmsa-user',
        'Secret/gmsa-system/reports01-ccg']
    spec = objects['GMSACredentialSpec/reports01']
    assert spec['credspec'] == credential_spec(REPORTS)['kubernetes']['credspec']
    assert spec['credspec']['ActiveDirectoryConfig']['HostAccountConfig']['PluginInput'] == 'gmsa-system:reports01-ccg'
    assert [entry['manager'] for entry in spec['metadata']['managedFields']] == ['wincontainers-gmsa']
    secret = objects['Secret/gmsa-system/reports01-ccg']
    assert sorted(secret['data']) == ['domainName', 'password', 'username']
    assert SECRET_PASSWORD not in done.output
    assert Cluster(cluster.state).allows('worker', 'web', 'use', 'windows.k8s.io', 'gmsacredentialspecs', 'webapp01')

    again = cluster.run([WEBAPP, REPORTS])
    assert again.rc == 0 and changed(again) == 0, again.output
    assert cluster.objects == objects
    dry_again = cluster.run([WEBAPP, REPORTS], '--check')
    assert dry_again.rc == 0 and changed(dry_again) == 0, dry_again.output
    assert cluster.objects == objects


@pytest.mark.parametrize('core', CORES)
def test_a_host_account_config_taken_out_of_a_spec_leaves_the_cluster(tmp_path, core):
    """Under the old merge patch it stayed: the patch does not name it, so the server keeps it."""
    cluster = StandInCluster(tmp_path, core)
    assert cluster.run([WEBAPP, REPORTS]).rc == 0
    specs = {app['name']: credential_spec(app) for app in (WEBAPP, REPORTS)}
    without = copy.deepcopy(specs)
    # The role makes the resources from the credential spec's text, as the service_accounts role hands it over.
    document = json.loads(without['Reports01']['json'])
    del document['ActiveDirectoryConfig']['HostAccountConfig']
    without['Reports01']['json'] = json.dumps(document)
    fewer = dict(WEBAPP, kubernetes=dict(WEBAPP['kubernetes'], service_accounts=['webapp']))

    done = cluster.run([fewer, REPORTS], specs=without)
    assert done.rc == 0, done.output
    objects = cluster.objects
    assert 'HostAccountConfig' not in objects['GMSACredentialSpec/reports01']['credspec']['ActiveDirectoryConfig']
    assert objects['GMSACredentialSpec/reports01']['credspec'] == document
    assert [subject['name'] for subject in objects['RoleBinding/web/webapp01-gmsa-user']['subjects']] == ['webapp']


@pytest.mark.parametrize('core', CORES)
def test_two_applications_naming_one_secret_are_refused_before_anything_is_applied(tmp_path, core):
    cluster = StandInCluster(tmp_path, core)
    twin = dict(REPORTS, name='Audit01', kubernetes={'name': 'audit01', 'secret_namespace': 'gmsa-system'})
    done = cluster.run([WEBAPP, REPORTS, twin])
    message = failure(done)
    assert 'Reports01 and Audit01 both name the Secret gmsa-system/reports01-ccg' in message
    assert ours(cluster.objects) == {}
    assert not [call for call in cluster.state.get('calls', []) if call['module'] == 'kubernetes.core.k8s']


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('missing', ['Validating', 'Mutating'])
def test_a_missing_webhook_configuration_stops_the_role_before_anything_is_applied(tmp_path, core, missing):
    others = [kind for kind in ('Validating', 'Mutating') if kind != missing]
    cluster = StandInCluster(tmp_path, core, cluster_state(webhooks=others))
    message = failure(cluster.run([WEBAPP, REPORTS]))
    assert 'no %sWebhookConfiguration holding the webhook %s' % (missing, WEBHOOK) in message
    assert 'install the windows-gmsa admission webhook' in message
    assert ours(cluster.objects) == {}


@pytest.mark.parametrize('core', CORES)
def test_a_crd_that_does_not_serve_v1_stops_the_role(tmp_path, core):
    old_crd = copy.deepcopy(CRD)
    for version in old_crd['spec']['versions']:
        version['served'] = version['name'] != 'v1'
        version['storage'] = version['name'] != 'v1'
    cluster = StandInCluster(tmp_path, core, cluster_state(crd=old_crd))
    message = failure(cluster.run([WEBAPP]))
    assert 'does not serve windows.k8s.io/v1 (it serves v1alpha1)' in message
    assert ours(cluster.objects) == {}

    (tmp_path / 'no-crd').mkdir()
    no_crd = StandInCluster(tmp_path / 'no-crd', core, cluster_state(crd=None))
    message = failure(no_crd.run([WEBAPP]))
    assert 'no GMSACredentialSpec resource type' in message and 'install the windows-gmsa admission webhook' in message


@pytest.mark.parametrize('core', CORES)
def test_state_absent_removes_only_that_application_s_resources(tmp_path, core):
    cluster = StandInCluster(tmp_path, core)
    assert cluster.run([WEBAPP, REPORTS]).rc == 0
    kept = {key: value for key, value in ours(cluster.objects).items() if 'webapp01' in key}

    dry = cluster.run([WEBAPP, dict(REPORTS, state='absent')], '--check')
    assert dry.rc == 0 and changed(dry) > 0, dry.output
    assert len(ours(cluster.objects)) == 7

    done = cluster.run([WEBAPP, dict(REPORTS, state='absent')], specs={'WebApp01': credential_spec(WEBAPP)})
    assert done.rc == 0, done.output
    assert ours(cluster.objects) == kept
    again = cluster.run([WEBAPP, dict(REPORTS, state='absent')], specs={'WebApp01': credential_spec(WEBAPP)})
    assert again.rc == 0 and changed(again) == 0, again.output


# ------------------------------------------------------------------ only what the role made
def foreign_spec(name, dns_name='other.example'):
    """A GMSACredentialSpec as another tool would make it: not the role's credential spec."""
    return {'apiVersion': 'windows.k8s.io/v1', 'kind': 'GMSACredentialSpec', 'metadata': {'name': name},
            'credspec': {'CmsPlugins': ['ActiveDirectory'], 'DomainJoinConfig': {'DnsName': dns_name}}}


def foreign_secret(namespace, name):
    return {'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': name, 'namespace': namespace},
            'stringData': {'username': 'someone-else', 'password': 'Not-The-Role-s-1'}}


def with_objects(state, *made):
    """``state`` with each (object, field manager, how) written by that manager: 'apply' or 'create'."""
    cluster = Cluster(state)
    for resource, manager, how in made:
        if how == 'apply':
            cluster.apply(resource, manager)
        else:
            cluster.create(resource, manager=manager)
    return state


def managers(resource):
    return [entry['manager'] for entry in resource['metadata']['managedFields']]


@pytest.mark.parametrize('core', CORES)
def test_an_object_another_field_manager_made_is_refused_and_left_as_it_was(tmp_path, core):
    state = with_objects(cluster_state(), (foreign_spec('webapp01'), 'kubectl', 'apply'),
                         (foreign_secret('gmsa-system', 'reports01-ccg'), 'rancher-ccg', 'create'))
    cluster = StandInCluster(tmp_path, core, state)
    before = copy.deepcopy(cluster.objects)

    message = failure(cluster.run([WEBAPP, REPORTS]))
    assert message == (
        'these objects exist in the cluster and were not made by the field manager wincontainers-gmsa of this role: '
        'GMSACredentialSpec/webapp01 (field managers: kubectl), Secret/gmsa-system/reports01-ccg (field managers: '
        'rancher-ccg); the role leaves them as they are and applies nothing: delete them, or name them in '
        'kubernetes_take_over to take them over')
    # Read back from the cluster: both as their makers left them, and nothing else applied.
    assert cluster.objects == before
    assert not [call for call in cluster.state['calls'] if call['module'] == 'kubernetes.core.k8s']

    taken = cluster.run([WEBAPP, REPORTS], '-e', json.dumps(
        {'kubernetes_take_over': ['GMSACredentialSpec/webapp01', 'Secret/gmsa-system/reports01-ccg']}))
    assert taken.rc == 0, taken.output
    spec = cluster.objects['GMSACredentialSpec/webapp01']
    assert spec['credspec'] == credential_spec(WEBAPP)['kubernetes']['credspec']
    assert managers(spec) == ['wincontainers-gmsa']
    assert SECRET_PASSWORD not in taken.output and 'Not-The-Role-s-1' not in taken.output


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('key, edit, field', [
    ('GMSACredentialSpec/webapp01', {'credspec': {'DomainJoinConfig': {'DnsName': 'edited.example'}}},
     '"kubectl-edit" using windows.k8s.io/v1 owns .credspec.DomainJoinConfig.DnsName'),
    ('Secret/gmsa-system/reports01-ccg', {'stringData': {'username': 'edited'}},
     '"kubectl-edit" using v1 owns .data.username'),
], ids=['credential spec', 'Secret'])
def test_a_field_another_field_manager_owns_is_not_taken(tmp_path, core, key, edit, field):
    cluster = StandInCluster(tmp_path, core)
    assert cluster.run([WEBAPP, REPORTS]).rc == 0
    # Someone edits a field of an object the role made (kubectl edit: a merge patch under its own manager).
    state = cluster.state
    kind, *where = key.split('/')
    resource = dict(edit, apiVersion=state['objects'][key]['apiVersion'], kind=kind,
                    metadata={'name': where[-1], **({'namespace': where[0]} if len(where) == 2 else {})})
    Cluster(state).patch(resource, manager='kubectl-edit')
    cluster.path.write_text(json.dumps(state))
    edited = copy.deepcopy(cluster.objects[key])

    message = failure(cluster.run([WEBAPP, REPORTS]))
    assert message == ('the API server refused to apply: %s; the role takes no field another field manager owns: have '
                       'that manager give the field up, or name %s in kubernetes_take_over to take it over'
                       % (field, key))
    # Read back: the field keeps the other manager's value, and that manager keeps it.
    assert cluster.objects[key] == edited
    assert 'kubectl-edit' in managers(cluster.objects[key])


@pytest.mark.parametrize('core', CORES)
def test_removal_leaves_an_object_the_role_did_not_make(tmp_path, core):
    cluster = StandInCluster(tmp_path, core)
    assert cluster.run([WEBAPP, REPORTS]).rc == 0
    # The ClusterRole of Reports01's name is now another tool's.
    state = cluster.state
    Cluster(state).delete('ClusterRole', 'reports01-gmsa-user')
    foreign_role = {'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRole',
                    'metadata': {'name': 'reports01-gmsa-user'},
                    'rules': [{'apiGroups': [''], 'resources': ['pods'], 'verbs': ['get']}]}
    with_objects(state, (foreign_role, 'helm', 'apply'))
    cluster.path.write_text(json.dumps(state))
    left_alone = copy.deepcopy(cluster.objects['ClusterRole/reports01-gmsa-user'])

    done = cluster.run([WEBAPP, dict(REPORTS, state='absent')], specs={'WebApp01': credential_spec(WEBAPP)})
    assert done.rc == 0, done.output
    objects = cluster.objects
    assert objects['ClusterRole/reports01-gmsa-user'] == left_alone
    assert sorted(key for key in ours(objects) if 'reports01' in key) == ['ClusterRole/reports01-gmsa-user']
    assert ('left in the cluster, not made by this role: ClusterRole/reports01-gmsa-user (field managers: helm); '
            'delete them yourself, or name them in kubernetes_take_over for the role to remove them') in done.output
