"""Stand-in Windows container hosts for the container_host role: their starting state, and a play against them.

Every behaviour the stand-in models comes from a source named in windows_facts.yml beside this file.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from runner import run_playbook

CCG_COM_CLASSES = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses'
COM_CLASS = 'HKLM:\\SOFTWARE\\Classes\\CLSID\\%s'
DOCKER_ROOT = 'C:\\ProgramData\\docker'
SPEC_DIR = DOCKER_ROOT + '\\CredentialSpecs'
LEDGER = SPEC_DIR + '\\wincontainers-gmsa-files.txt'
DOCKER_PROGRAMS = 'C:\\Program Files\\docker'
DOCKER_CLI = DOCKER_PROGRAMS + '\\docker.exe'
DOCKERD = DOCKER_PROGRAMS + '\\dockerd.exe'
KLIST = 'C:\\Windows\\system32\\klist.exe'
TRUSTED_INSTALLER = 'NT SERVICE\\TrustedInstaller'
# The rules the plug-ins' installers work around: only TrustedInstaller may add a subkey (windows_facts.yml).
COM_CLASSES_RULES = [{'identity': TRUSTED_INSTALLER, 'rights': 'FullControl', 'type': 'Allow'},
                     {'identity': 'NT AUTHORITY\\SYSTEM', 'rights': 'ReadKey', 'type': 'Allow'},
                     {'identity': 'BUILTIN\\Administrators', 'rights': 'ReadKey', 'type': 'Allow'},
                     {'identity': 'BUILTIN\\Users', 'rights': 'ReadKey', 'type': 'Allow'}]

PLUGINS = {
    'rancher': '{E4781092-F116-4B79-B55E-28EB6A224E26}',
    'aws_ecs': '{859E1386-BDB4-49E8-85C7-3070B13920E1}',
    'azure_key_vault': '{CCC2A336-D7F3-4818-A213-272B7924213E}',
}
PLUGIN_INPUTS = {
    'rancher': 'cattle-windows-gmsa-system:reports01-ccg',
    'aws_ecs': json.dumps({'credentialArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:reports01-ccg'}),
    'azure_key_vault': 'ObjectId=2d8a3e1c-0000-4000-8000-000000000001;SecretUri=https://kv01.vault.azure.net/secrets/reports01-ccg',
}

BASE_STATE = {
    'facts': {
        'windows_domain': {'ansible_windows_domain': 'gmsa.test', 'ansible_windows_domain_member': True,
                           'ansible_windows_domain_role': 'Member server'},
        'interfaces': {'ansible_interfaces': [
            {'connection_name': 'Ethernet', 'default_gateway': '10.1.0.1', 'interface_index': 4,
             'interface_name': 'Microsoft Hyper-V Network Adapter', 'dns_domain': None, 'macaddress': '00:15:5D:01:02:03',
             'mtu': 1500, 'speed': 10000},
            {'connection_name': 'vEthernet (nat)', 'default_gateway': None, 'interface_index': 9,
             'interface_name': 'Hyper-V Virtual Ethernet Adapter', 'dns_domain': None, 'macaddress': '00:15:5D:0A:0B:0C',
             'mtu': 1500, 'speed': 10000}]},
    },
    'os_build': 20348,
    'directories': {'c:\\programdata': 'C:\\ProgramData', 'c:\\programdata\\docker': DOCKER_ROOT,
                    'c:\\program files': 'C:\\Program Files', 'c:\\program files\\docker': DOCKER_PROGRAMS},
    'files': {path.lower(): {'path': path, 'content': '(program)'} for path in (DOCKER_CLI, DOCKERD, KLIST)},
    # The folders of the WinRM service's PATH, where a program named without its folder is looked for.
    'winrm_path': ['C:\\Windows\\system32', 'C:\\Windows', DOCKER_PROGRAMS],
    'registry': {CCG_COM_CLASSES.lower(): {'path': CCG_COM_CLASSES, 'properties': {}, 'owner': TRUSTED_INSTALLER,
                                           'access': COM_CLASSES_RULES}},
    'features': {'Containers': {'installed': True}, 'RSAT-AD-PowerShell': {'installed': True}, 'Hyper-V': {'installed': False}},
    'services': {'docker': {'state': 'started', 'path': '"%s" --run-service' % DOCKERD}},
    'docker': {'installed': True, 'root': DOCKER_ROOT},
    'dns_servers': {'Ethernet': ['10.1.0.1'], 'vEthernet (nat)': ['172.20.0.1']},
    'ad': {'gmsas': ['WebApp01', 'Reports01', 'Batch01'], 'readable': ['WebApp01', 'Batch01'], 'pending': {},
           'adws_reachable': True},
    'tickets': ['WebApp01', 'Batch01'],
    'packages': {},
}


def host_state(**changes):
    """The base state with top-level sections replaced or merged (a dict merges one level deep)."""
    state = copy.deepcopy(BASE_STATE)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(state.get(key), dict):
            state[key].update(value)
        else:
            state[key] = value
    return state


def with_installer(state, path, plugin, share_readers=()):
    """A plug-in's installer at ``path`` on the host or on a share that ``share_readers`` may read; it registers the
    plug-in's COM class when it runs."""
    package = '%s-ccg-plugin.msi' % plugin
    state['files'][path.lower()] = {'path': path, 'content': package}
    state['packages'][package] = {'registers': [COM_CLASS % PLUGINS[plugin]]}
    if path.startswith('\\\\'):
        share = '\\'.join(path.split('\\')[:4])
        state.setdefault('shares', {})[share.lower()] = {'readers': list(share_readers)}
    return state


def with_com_classes(state, *plugins):
    """The plug-ins installed: their COM classes registered (not yet listed under CCG\\COMClasses)."""
    for plugin in plugins:
        path = COM_CLASS % PLUGINS[plugin]
        state['registry'][path.lower()] = {'path': path, 'properties': {}}
    return state


def outside_the_domain(state):
    state['facts']['windows_domain'] = {'ansible_windows_domain': 'WORKGROUP', 'ansible_windows_domain_member': False,
                                        'ansible_windows_domain_role': 'Stand-alone server'}
    return state


def credential_spec(name, plugin=None):
    """What wincontainers.gmsa.credential_spec returns for a gMSA of gmsa.test, as far as the role reads it."""
    document = {'CmsPlugins': ['ActiveDirectory'],
                'DomainJoinConfig': {'Sid': 'S-1-5-21-1-2-3', 'MachineAccountName': name, 'Guid': '0b9fa4a4-0000-4000-8000-000000000000',
                                     'DnsTreeName': 'gmsa.test', 'DnsName': 'gmsa.test', 'NetBiosName': 'GMSA'},
                'ActiveDirectoryConfig': {'GroupManagedServiceAccounts': [{'Name': name, 'Scope': 'gmsa.test'},
                                                                          {'Name': name, 'Scope': 'GMSA'}]}}
    if plugin:
        document['ActiveDirectoryConfig']['HostAccountConfig'] = {
            'PortableCcgVersion': '1', 'PluginGUID': PLUGINS[plugin], 'PluginInput': PLUGIN_INPUTS[plugin]}
    return {'file_name': 'gmsa_%s.json' % name.lower(), 'json': json.dumps(document, indent=4)}


# The same plug-ins in the typed form of the data model (plugin.type and its options); they make PLUGIN_INPUTS.
TYPED_PLUGINS = {
    'rancher': {'type': 'rancher', 'namespace': 'cattle-windows-gmsa-system', 'secret_name': 'reports01-ccg'},
    'aws_ecs': {'type': 'aws_ecs',
                'credential_arn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:reports01-ccg'},
    'azure_key_vault': {'type': 'azure_key_vault', 'object_id': '2d8a3e1c-0000-4000-8000-000000000001',
                        'secret_uri': 'https://kv01.vault.azure.net/secrets/reports01-ccg'},
}


def domain_joined(name):
    return {'name': name, 'container_hosts': 'container_hosts'}


def outside(name, plugin, installer=None):
    application = {'name': name, 'container_hosts': 'container_hosts', 'domain_joined': False,
                   'plugin': {'guid': PLUGINS[plugin], 'input': PLUGIN_INPUTS[plugin]}}
    if installer:
        application['plugin']['installer'] = installer
    return application


def outside_typed(name, plugin):
    return {'name': name, 'container_hosts': 'container_hosts', 'domain_joined': False,
            'plugin': dict(TYPED_PLUGINS[plugin])}


class StandInHost:
    """One stand-in host, its inventory and a play of the container_host role against it."""

    def __init__(self, folder, state, name='ctr01'):
        self.folder = Path(folder)
        self.name = name
        self.state_file = self.folder / ('%s.json' % name)
        self.state_file.write_text(json.dumps(state, indent=1, sort_keys=True))
        (self.folder / 'inventory.yml').write_text(yaml.safe_dump({'all': {'children': {'container_hosts': {'hosts': {name: {
            'ansible_connection': 'standin.common.host', 'ansible_shell_type': 'powershell',
            'standin_state': str(self.state_file)}}}}}}))

    @property
    def state(self):
        return json.loads(self.state_file.read_text())

    def without_calls(self):
        """The state without its record of executions, nor what passes on a host by itself: time, and its event
        logs (the canary's containers log to them and take a few seconds each; neither is a change the role made)."""
        state = self.state
        for passing in ('calls', 'clock', 'events'):
            state.pop(passing, None)
        return state

    def calls(self, module=None):
        return [call for call in self.state.get('calls', []) if module in (None, call['module'])]

    def converge(self, applications, specs, core='newest', check=False, diff=False, **role_vars):
        variables = {'container_host_applications': applications, 'container_host_credential_specs': specs,
                     'container_host_ticket_timeout': 3, 'container_host_ticket_retry_delay': 1,
                     'container_host_dns_servers': ['10.1.0.4']}
        variables.update(role_vars)
        (self.folder / 'vars.yml').write_text(yaml.safe_dump(variables))
        (self.folder / 'play.yml').write_text(yaml.safe_dump([{
            'name': 'Container hosts', 'hosts': 'container_hosts', 'gather_facts': False,
            'roles': [{'role': 'wincontainers.gmsa.container_host'}]}]))
        return self.run(self.folder / 'play.yml', core, '-e', '@%s' % (self.folder / 'vars.yml'),
                        *(['--check'] if check else []), *(['--diff'] if diff else []))

    def run(self, playbook, core, *args):
        return run_playbook(playbook, self.folder / 'inventory.yml', core=core, extra_args=args, callback='default')

    def file(self, path):
        found = self.state['files'].get(path.lower())
        return found and found['content']

    def spec_files(self, folder=SPEC_DIR):
        prefix = folder.lower() + '\\'
        return sorted(entry['path'][len(prefix):] for key, entry in self.state['files'].items() if key.startswith(prefix))

    def ledger(self, path=LEDGER):
        text = self.file(path) or ''
        return sorted(line for line in text.splitlines() if line and not line.startswith('#'))
