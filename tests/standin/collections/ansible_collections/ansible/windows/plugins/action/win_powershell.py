"""Stand-in for ansible.windows.win_powershell: the collection's own scripts, each modelled by name.

A script is known by its exact text, read from the collection's files; its parameters are checked against
the script's own param() block. A script the stand-in does not know is refused, so a changed script must
have its model changed with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import CCG_COM_CLASSES, WindowsHost

REPO = Path(__file__).resolve().parents[8]
SCRIPT_FOLDERS = (REPO / 'roles' / 'container_host' / 'files', REPO / 'playbooks' / 'files')


def known_scripts():
    # lookup('file') strips the trailing new line.
    return {path.read_text().rstrip(): path.name for folder in SCRIPT_FOLDERS if folder.is_dir() for path in folder.glob('*.ps1')}


def script_parameters(text):
    """Parameter name -> its declared type ('switch', 'string[]', ...) from the script's param() block."""
    block = re.search(r'^param\s*\((.*?)\)\s*$', text, re.M | re.S | re.I)
    return {name: kind.lower() for kind, name in re.findall(r'(?:\[([\w\[\]]+)\])?\s*\$(\w+)', block.group(1))} if block else {}


def binding_error(declared, given):
    """PowerShell's refusal of a parameter, as the real host would give it, or None."""
    for name, value in given.items():
        if name not in declared:
            return 'A parameter cannot be found that matches parameter name \'%s\'.' % name
        # A string bound to a [switch] is true whatever it says ("False" included): refuse it here.
        if declared[name] == 'switch' and not isinstance(value, bool):
            return 'Cannot convert value %r to type System.Management.Automation.SwitchParameter.' % (value,)
    return None


def test_service_accounts(host, params, check_mode):
    changed = False
    if params.get('RefreshTickets') and not check_mode:
        host.refresh_tickets()
        changed = True
    return changed, [host.gmsa_test(name) for name in params.get('Accounts') or []]


def register_ccg_plugins(host, params, check_mode):
    missing = [guid for guid in params.get('Guids') or [] if not host.registry_key('%s\\%s' % (CCG_COM_CLASSES, guid))]
    if missing and not check_mode:
        for guid in missing:
            # The script owns the key for the moment it adds the subkey, and gives it back afterwards.
            host.create_registry_key('%s\\%s' % (CCG_COM_CLASSES, guid), as_owner_of_parent=True)
    return bool(missing), []


def host_facts(host, params, check_mode):
    state = host.state
    key = host.registry_key(CCG_COM_CLASSES)
    prefix = CCG_COM_CLASSES.lower() + '\\'
    ccg = {'exists': False}
    if key:
        ccg = {'exists': True, 'owner': key.get('owner', 'BUILTIN\\Administrators'),
               'administrators_may_write': key.get('administrators_may_write', True),
               'plugins': sorted(entry['path'].rsplit('\\', 1)[-1] for name, entry in state['registry'].items()
                                 if name.startswith(prefix))}
    member = ((state.get('facts') or {}).get('windows_domain') or {}).get('ansible_windows_domain_member')
    ad = state.get('ad') or {}
    adws = {'checked': bool(member)}
    if member:
        adws.update(domain_controller=ad.get('domain_controller', 'dc01.gmsa.test'), reachable=ad.get('adws_reachable', True))
    docker = host.service('docker')
    config = host.file('C:\\ProgramData\\docker\\config\\daemon.json')
    running = bool(docker) and docker.get('state') == 'started'
    runtime = {'docker_service': ('Running' if running else 'Stopped') if docker else None,
               'containerd_service': bool(host.service('containerd')),
               'docker_cli': bool((state.get('docker') or {}).get('installed')),
               'docker_root': state['docker']['root'] if running and state['docker'].get('installed') else None,
               'daemon_json_data_root': json.loads(config['content']).get('data-root') if config else None}
    interfaces = ((state.get('facts') or {}).get('interfaces') or {}).get('ansible_interfaces') or []
    return False, [{'ccg_com_classes': ccg, 'adws': adws, 'runtime': runtime,
                    'adapters_with_gateway': [item['connection_name'] for item in interfaces if item.get('default_gateway')]}]


MODELS = {'test_service_accounts.ps1': test_service_accounts, 'register_ccg_plugins.ps1': register_ccg_plugins,
          'host_facts.ps1': host_facts}


class ActionModule(StandInAction):
    module = 'ansible.windows.win_powershell'

    def act(self, state, params, check_mode, diff):
        name = known_scripts().get((params.get('script') or '').rstrip())
        if name not in MODELS:
            return {'failed': True, 'msg': 'stand-in win_powershell: the script is none of the collection\'s modelled scripts'}
        script = params['script']
        refused = binding_error(script_parameters(script), params.get('parameters') or {})
        if refused:
            return {'failed': True, 'msg': refused}
        if check_mode and 'SupportsShouldProcess' not in script:
            return {'changed': True, 'skipped': True, 'msg': 'skipped, running in check mode'}
        changed, output = MODELS[name](WindowsHost(state), params.get('parameters') or {}, check_mode)
        return {'changed': changed, 'output': output, 'result': {}, 'host_out': '', 'host_err': '', 'error': [],
                'warning': [], 'verbose': [], 'debug': [], 'information': []}
