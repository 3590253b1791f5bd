"""Stand-in for ansible.windows.win_powershell: the collection's own scripts, each modelled by name.

A script is known by its exact text, read from the collection's files; its parameters are checked against
the script's own param() block, and, where the script's header states a contract for them, against that
contract. A script the stand-in does not know is refused, so a changed script must have its model changed
with it. What the real module does around the script follows its source (ansible.windows 3.3.0
plugins/modules/win_powershell.ps1): a script without [CmdletBinding(SupportsShouldProcess)] is not run in
check mode; $Ansible.Diff is returned as the task's diff; a terminating error fails the task with the error
record in ``error``.
"""

from __future__ import annotations

import json
import ntpath
import re
from pathlib import Path

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import CCG_COM_CLASSES, WindowsHost, windows_path

# Where a plug-in's installer registers its COM class.
COM_CLASS = 'HKLM:\\SOFTWARE\\Classes\\CLSID\\%s'

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
    return changed, [host.gmsa_test(name) for name in params.get('Accounts') or []], {}


def register_ccg_plugins(host, params, check_mode):
    missing = [guid for guid in params.get('Guids') or [] if not host.registry_key('%s\\%s' % (CCG_COM_CLASSES, guid))]
    if missing and not check_mode:
        for guid in missing:
            # The script owns the key for the moment it adds the subkey, and gives it back afterwards.
            host.create_registry_key('%s\\%s' % (CCG_COM_CLASSES, guid), as_owner_of_parent=True)
    return bool(missing), [], {}


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
                    'adapters_with_gateway': [item['connection_name'] for item in interfaces if item.get('default_gateway')]}], {}


# The HRESULT of each .NET exception the models raise.
HRESULTS = {'System.UnauthorizedAccessException': -2147024891}


class ScriptError(Exception):
    """A terminating error in the script: the task fails with its error record."""

    def __init__(self, message, exception_type):
        super().__init__(message)
        self.exception_type = exception_type

    def record(self):
        message = str(self)
        return {'output': message, 'error_details': None, 'target_object': None, 'fully_qualified_error_id': self.exception_type,
                'exception': {'message': message, 'type': self.exception_type, 'help_link': None, 'source': 'mscorlib',
                              'hresult': HRESULTS[self.exception_type], 'inner_exception': None},
                'category_info': {'category': 'NotSpecified', 'category_id': 0, 'activity': '',
                                  'reason': self.exception_type.rsplit('.', 1)[-1], 'target_name': '', 'target_type': ''},
                'script_stack_trace': 'at <ScriptBlock>, <No file>', 'pipeline_iteration_info': []}


# What write_credential_specs.ps1's header allows: a file name in the folder itself, a text or $null.
PLAIN_FILE_NAME = re.compile(r'^[^\\/:*?"<>|]+$')


def records_refused(params, text, records, keys):
    """Why params break a header that asks for the text ``text`` and a list ``records`` of dicts with exactly
    ``keys``, or None."""
    if not isinstance(params.get(text), str) or not params[text]:
        return '%s must be a text that is not empty' % text
    if not isinstance(params.get(records), list):
        return '%s must be a list' % records
    for record in params[records]:
        if not isinstance(record, dict) or set(record) != set(keys):
            return 'each of %s must have exactly %s, not %r' % (records, ', '.join(sorted(keys)), record)
    return None


def credential_spec_files_refused(params):
    """Why the parameters break write_credential_specs.ps1's contract (its header), or None."""
    refused = records_refused(params, 'Folder', 'Files', {'name', 'content'})
    for entry in [] if refused else params['Files']:
        if not isinstance(entry['name'], str) or not PLAIN_FILE_NAME.match(entry['name']) or entry['name'] in ('.', '..'):
            return 'name %r is not a file name in the folder itself' % (entry['name'],)
        if entry['content'] is not None and not isinstance(entry['content'], str):
            return 'content of %s must be a text or null, not %s' % (entry['name'], type(entry['content']).__name__)
    return refused


def write_credential_specs(host, params, check_mode):
    """The steps in order: a file whose bytes differ is written (or removed for a null content); the first refusal
    stops the script, which the real one does with $ErrorActionPreference = 'Stop'."""
    folder = windows_path(params['Folder'])
    changed = not host.is_directory(folder)
    if changed and not check_mode:
        host.make_directory(folder)
    output, before, after = [], {}, {}
    for entry in params['Files']:
        path = ntpath.join(folder, entry['name'])
        old = (host.file(path) or {}).get('content')
        new = entry['content']
        action = 'unchanged' if old == new else 'removed' if new is None else 'written'
        if action != 'unchanged':
            changed = True
            before.setdefault(entry['name'], old)
            after[entry['name']] = new
            if not check_mode:
                try:
                    host.remove_file(path) if new is None else host.write_file(path, new)
                except OSError as error:
                    raise ScriptError(str(error), 'System.UnauthorizedAccessException') from None
        output.append({'name': entry['name'], 'action': action})
    return changed, output, {'before': before, 'after': after} if before else {}


def smoke_tests_refused(params):
    """Why the parameters break smoke_test_credential_specs.ps1's contract (its header), or None."""
    refused = records_refused(params, 'Image', 'Tests', {'application', 'file_name', 'domain'})
    for test in [] if refused else params['Tests']:
        if not all(isinstance(value, str) for value in test.values()):
            return 'application, file_name and domain of each test must be texts, not %r' % (test,)
        if not PLAIN_FILE_NAME.match(test['file_name']):
            return 'file_name %r is not a file name in the CredentialSpecs folder' % (test['file_name'],)
    return refused


def container_identity(host, file_name):
    """Whether a container started with this spec file gets its gMSA, and docker's or nltest's words if not."""
    root = (host.state.get('docker') or {}).get('root', '')
    path = ntpath.join(root, 'CredentialSpecs', file_name)
    found = host.file(path)
    if not found:
        # dockerd resolves file:// names in <Docker root>\CredentialSpecs (windows_facts.yml).
        return False, ('docker: Error response from daemon: invalid credential spec security option - value '
                       'credentialspec=file://%s: open %s: The system cannot find the file specified.' % (file_name, path))
    document = json.loads(found['content'])
    account = document['DomainJoinConfig']['MachineAccountName']
    host_account = document['ActiveDirectoryConfig'].get('HostAccountConfig')
    if host_account:
        guid = host_account['PluginGUID']
        usable = bool(host.registry_key('%s\\%s' % (CCG_COM_CLASSES, guid)) and host.registry_key(COM_CLASS % guid))
    else:
        usable = account in host.state.get('tickets', [])
    if usable:
        return True, 'The command completed successfully'
    return False, 'I_NetLogonControl failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN'


def smoke_test_credential_specs(host, params, check_mode):
    """One container per test, every test run; passed is nltest's exit code 0."""
    service = host.service('docker') or {}
    tests = []
    for test in params['Tests']:
        if service.get('state') != 'started':
            passed, output = False, ('error during connect: this error may indicate that the docker daemon is not '
                                     'running: open //./pipe/docker_engine: The system cannot find the file specified.')
        else:
            passed, output = container_identity(host, test['file_name'])
        tests.append({'application': test['application'], 'passed': passed, 'output': output})
    return False, tests, {}


MODELS = {'test_service_accounts.ps1': test_service_accounts, 'register_ccg_plugins.ps1': register_ccg_plugins,
          'host_facts.ps1': host_facts, 'write_credential_specs.ps1': write_credential_specs,
          'smoke_test_credential_specs.ps1': smoke_test_credential_specs}
# The scripts whose header states what their parameters may hold: why given parameters break it, or None.
CONTRACTS = {'write_credential_specs.ps1': credential_spec_files_refused,
             'smoke_test_credential_specs.ps1': smoke_tests_refused}


class ActionModule(StandInAction):
    module = 'ansible.windows.win_powershell'

    def act(self, state, params, check_mode, diff):
        name = known_scripts().get((params.get('script') or '').rstrip())
        if name not in MODELS:
            return {'failed': True, 'msg': 'stand-in win_powershell: the script is none of the collection\'s modelled scripts'}
        script = params['script']
        refused = binding_error(script_parameters(script), params.get('parameters') or {})
        if not refused and name in CONTRACTS:
            broken = CONTRACTS[name](params.get('parameters') or {})
            refused = broken and 'stand-in win_powershell: %s is given what its header does not allow: %s' % (name, broken)
        if refused:
            return {'failed': True, 'msg': refused}
        if check_mode and 'SupportsShouldProcess' not in script:
            return {'changed': True, 'skipped': True, 'msg': 'skipped, running in check mode'}
        result = {'changed': False, 'output': [], 'result': {}, 'host_out': '', 'host_err': '', 'error': [],
                  'warning': [], 'verbose': [], 'debug': [], 'information': []}
        try:
            result['changed'], result['output'], script_diff = MODELS[name](WindowsHost(state), params.get('parameters') or {}, check_mode)
        except ScriptError as error:
            result.update(failed=True, error=[error.record()])
            return result
        # Ansible.Basic returns the diff only in diff mode and only when the script set one.
        if diff and script_diff:
            result['diff'] = script_diff
        return result
