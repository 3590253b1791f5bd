"""The container_host and kubernetes roles without Windows hosts or a cluster.

The container_host role needs Windows hosts over WinRM and the kubernetes role a cluster, neither of which
exists here; these tests check what can be checked without them: the playbook syntax, the roles' argument
specs against the example inventories, and the kubernetes role's manifest mode, which runs for real.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lab_dc import REPO

COLLECTIONS = REPO / 'tests' / 'output' / 'collections'
ROLES = ('container_host', 'kubernetes')
INVENTORIES = sorted(path for path in (REPO / 'playbooks' / 'inventories').glob('*') if path.is_dir())
EXAMPLE_VARS = Path(__file__).resolve().parent / 'files' / 'roles_example_vars.yml'


def ansible_playbook(playbook, *args, cwd):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), str(playbook), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, check=False)


def write(path, document):
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_a_play_with_both_roles_passes_the_syntax_check(tmp_path):
    playbook = write(tmp_path / 'roles.yml', [
        {'name': 'Container hosts', 'hosts': 'container_hosts', 'gather_facts': False,
         'roles': [{'role': 'wincontainers.gmsa.container_host'}]},
        {'name': 'Kubernetes', 'hosts': 'localhost', 'gather_facts': False,
         'roles': [{'role': 'wincontainers.gmsa.kubernetes'}]},
    ])
    done = ansible_playbook(playbook, '--syntax-check', cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def validation_playbook(tmp_path):
    """Every host of the inventory: its own role variables and gmsa_applications against each role's spec."""
    tasks = []
    for role in ROLES:
        spec = REPO / 'roles' / role / 'meta' / 'argument_specs.yml'
        tasks.append({
            'name': 'Validate the %s variables' % role,
            'ansible.builtin.validate_argument_spec': {
                'argument_spec': "{{ (lookup('ansible.builtin.file', '%s') | from_yaml).argument_specs.main.options }}" % spec,
                'provided_arguments': (
                    "{{ hostvars[inventory_hostname] | dict2items | selectattr('key', 'match', '^%s_')"
                    " | items2dict | combine({'%s_applications': gmsa_applications | default([])}) }}" % (role, role)),
            },
        })
    # Windows hosts are not contacted: the validation runs on the controller.
    return write(tmp_path / 'validate.yml', [{'name': 'Validate', 'hosts': 'all', 'gather_facts': False,
                                              'vars': {'ansible_connection': 'local'}, 'tasks': tasks}])


def vault_stand_ins(inventory):
    """A value for every vault_* variable the inventory names: the tests have no vault."""
    names = {name for path in inventory.rglob('*.yml') for name in re.findall(r'\bvault_\w+', path.read_text())}
    return json.dumps({name: 'stand-in for the vault' for name in sorted(names)})


@pytest.mark.parametrize('inventory', INVENTORIES + [EXAMPLE_VARS], ids=lambda path: path.name)
def test_the_example_inventories_pass_the_roles_argument_specs(tmp_path, inventory):
    if inventory == EXAMPLE_VARS:
        args = ('-i', 'localhost,', '-c', 'local', '-e', '@%s' % inventory)
    else:
        args = ('-i', str(inventory), '-e', vault_stand_ins(inventory))
    done = ansible_playbook(validation_playbook(tmp_path), *args, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'Validation of arguments failed' not in done.stdout


def test_a_broken_application_fails_the_argument_spec(tmp_path):
    broken = yaml.safe_load(EXAMPLE_VARS.read_text())
    broken['gmsa_applications'][0]['state'] = 'gone'
    broken['gmsa_applications'][1]['plugin']['guids'] = 'typo'
    done = ansible_playbook(validation_playbook(tmp_path), '-i', 'localhost,', '-c', 'local',
                            '-e', '@%s' % write(tmp_path / 'broken.yml', broken), cwd=tmp_path)
    assert done.returncode != 0
    assert 'state' in done.stdout and 'gone' in done.stdout
    assert 'guids' in done.stdout


# The kubernetes role's manifest mode, for real on localhost.

SECRET_PASSWORD = 'Never-In-A-Manifest-7f3a'


def credential_spec(name, plugin_input=None):
    """What wincontainers.gmsa.credential_spec returns for a gMSA of gmsa.test, as far as the role reads it; with
    ``plugin_input``, for hosts outside the domain."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import kubernetes_resources

    document = {'CmsPlugins': ['ActiveDirectory'],
                'DomainJoinConfig': {'DnsName': 'gmsa.test', 'NetBiosName': 'GMSA', 'MachineAccountName': name}}
    if plugin_input:
        document['ActiveDirectoryConfig'] = {'HostAccountConfig': {
            'PortableCcgVersion': '1', 'PluginGUID': CUSTOM_PLUGIN, 'PluginInput': plugin_input}}
    resource, cluster_role = kubernetes_resources(name.lower(), document)
    return {'file_name': 'gmsa_%s.json' % name.lower(), 'json': json.dumps(document),
            'kubernetes': resource, 'kubernetes_rbac': cluster_role}


def kubernetes_run(tmp_path, output_dir, applications, specs=None):
    variables = write(tmp_path / 'vars.yml', {
        'ansible_python_interpreter': sys.executable,
        'kubernetes_output_dir': str(output_dir),
        'kubernetes_applications': applications,
        'kubernetes_credential_specs': specs or {name: credential_spec(name) for name in ('WebApp01', 'Reports01')},
        'kubernetes_portable_credentials': {
            'Reports01': {'domain': 'gmsa.test', 'username': 'Reports01-ccg', 'password': SECRET_PASSWORD}},
    })
    playbook = write(tmp_path / 'kubernetes.yml', [{
        'name': 'Kubernetes manifests', 'hosts': 'localhost', 'gather_facts': False,
        'roles': [{'role': 'wincontainers.gmsa.kubernetes'}]}])
    return ansible_playbook(playbook, '-i', 'localhost,', '-c', 'local', '-e', '@%s' % variables, '-v', cwd=tmp_path)


WEBAPP = {'name': 'WebApp01', 'container_hosts': 'webapp01_hosts',
          'kubernetes': {'namespace': 'web', 'service_accounts': ['webapp', 'worker']}}
REPORTS = {'name': 'Reports01', 'container_hosts': 'reports01_hosts', 'domain_joined': False,
           'plugin': {'guid': '{E4781092-F116-4B79-B55E-28EB6A224E26}', 'input': 'gmsa-system:reports01-ccg'},
           'kubernetes': {'secret_namespace': 'gmsa-system'}}
NO_KUBERNETES = {'name': 'Batch01', 'container_hosts': 'batch_hosts'}
# A plug-in that takes the portable user's password in its input (the documentation's sample CLSID).
CUSTOM_PLUGIN = '{CFCA0441-511D-4B2A-862E-20348A78760B}'
CARRYING_INPUT = 'user=batch01-ccg;password=In-The-Input-4b1d'


def test_manifest_mode_writes_each_application_s_resources_without_the_secret(tmp_path):
    output = tmp_path / 'kubernetes'
    done = kubernetes_run(tmp_path, output, [WEBAPP, REPORTS, NO_KUBERNETES])
    assert done.returncode == 0, done.stdout + done.stderr

    assert sorted(path.name for path in output.iterdir()) == ['reports01.yml', 'webapp01.yml']
    webapp = list(yaml.safe_load_all((output / 'webapp01.yml').read_text()))
    assert [(item['kind'], item['metadata']['name']) for item in webapp] == [
        ('GMSACredentialSpec', 'webapp01'), ('ClusterRole', 'webapp01-gmsa-user'), ('RoleBinding', 'webapp01-gmsa-user')]
    assert webapp[0]['apiVersion'] == 'windows.k8s.io/v1'
    assert webapp[0]['credspec']['DomainJoinConfig']['MachineAccountName'] == 'WebApp01'
    assert webapp[1]['rules'] == [{'apiGroups': ['windows.k8s.io'], 'resources': ['gmsacredentialspecs'],
                                   'verbs': ['use'], 'resourceNames': ['webapp01']}]
    assert webapp[2]['metadata']['namespace'] == 'web'
    assert webapp[2]['roleRef'] == {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole',
                                    'name': 'webapp01-gmsa-user'}
    assert [subject['name'] for subject in webapp[2]['subjects']] == ['webapp', 'worker']
    assert oct((output / 'webapp01.yml').stat().st_mode & 0o777) == '0o644'

    reports = list(yaml.safe_load_all((output / 'reports01.yml').read_text()))
    assert [item['kind'] for item in reports] == ['GMSACredentialSpec', 'ClusterRole']
    for path in output.iterdir():
        assert 'Secret' not in path.read_text() and SECRET_PASSWORD not in path.read_text()
    assert SECRET_PASSWORD not in done.stdout + done.stderr
    assert 'gmsa-system/reports01-ccg are not written' in done.stdout

    again = kubernetes_run(tmp_path, output, [WEBAPP, REPORTS, NO_KUBERNETES])
    assert again.returncode == 0 and 'changed=0' in again.stdout, again.stdout + again.stderr

    # remove.yml hands the role the application with state absent: its manifest goes, the others stay.
    removed = kubernetes_run(tmp_path, output, [WEBAPP, dict(REPORTS, state='absent')])
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert sorted(path.name for path in output.iterdir()) == ['webapp01.yml']


def test_a_manifest_whose_plug_in_input_carries_a_credential_is_readable_by_its_owner_only(tmp_path):
    """As the credential spec file of the same spec is (wincontainers.gmsa.credential_spec dest)."""
    output = tmp_path / 'kubernetes'
    batch = {'name': 'Batch01', 'domain_joined': False, 'plugin': {'guid': CUSTOM_PLUGIN, 'input': CARRYING_INPUT},
             'kubernetes': {}}
    specs = {'WebApp01': credential_spec('WebApp01'), 'Batch01': credential_spec('Batch01', CARRYING_INPUT),
             'Reports01': credential_spec('Reports01', 'gmsa-system:reports01-ccg')}
    done = kubernetes_run(tmp_path, output, [WEBAPP, REPORTS, batch], specs)
    assert done.returncode == 0, done.stdout + done.stderr
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in output.iterdir()}
    assert modes == {'batch01.yml': 0o600, 'webapp01.yml': 0o644, 'reports01.yml': 0o644}
    assert CARRYING_INPUT in (output / 'batch01.yml').read_text()
