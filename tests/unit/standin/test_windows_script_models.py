"""The stand-in's models of the collection's PowerShell scripts (tests/standin): each is held to its script's text,
and runs its body with Windows PowerShell's error semantics against the stand-in host's state.

No PowerShell runs here. A model names the script line of every statement it emulates, with a piece of that line's
text, and the SHA-256 of the script's text: a script that changes without its model fails here.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / 'standin'
sys.path.insert(0, str(STANDIN / 'collections'))
sys.path.insert(0, str(STANDIN))

from ansible_collections.standin.common.plugins.plugin_utils._powershell import (  # noqa: E402
    Failure, PowerShell, PSCustomObject, Stop, converted,
)
from ansible_collections.standin.common.plugins.plugin_utils._scripts import (  # noqa: E402
    canary, digest, host_facts, models, register_ccg_plugins, set_dns_servers, test_service_accounts,
    write_credential_specs,
)
from ansible_collections.standin.common.plugins.plugin_utils._state import ConnectionLost  # noqa: E402
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost  # noqa: E402
from windows_hosts import (  # noqa: E402
    CCG_COM_CLASSES, COM_CLASSES_RULES, PLUGINS, SPEC_DIR, credential_spec, host_state, outside_the_domain,
    with_com_classes,
)

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = {path.name: path for folder in (REPO / 'roles' / 'container_host' / 'files', REPO / 'playbooks' / 'files')
           for path in folder.glob('*.ps1')}
MODELS = sorted(models().values(), key=lambda model: model.SCRIPT)


def run(model, state, params=None, check_mode=False):
    """(failed, the PowerShell run) of a model, as the stand-in win_powershell runs it."""
    ps = PowerShell(WindowsHost(state), check_mode, True)
    try:
        model.run(ps, params or {})
    except Stop as stop:
        ps.errors.append(stop.record)
        return True, ps
    return False, ps


def last_error(ps):
    return ps.errors[-1]['exception']['message']


def refusing(message, exception_type='System.Exception'):
    """An action Windows refuses."""
    def action():
        raise Failure(message, exception_type)
    return action


# ------------------------------------------------------------------ each model is held to its script
def test_every_script_of_the_collection_has_a_model_and_every_model_a_script():
    assert {model.SCRIPT for model in MODELS} == set(SCRIPTS)


@pytest.mark.parametrize('model', MODELS, ids=lambda model: model.SCRIPT)
def test_a_model_is_of_its_script_s_text_as_it_is(model):
    assert model.SHA256 == digest(SCRIPTS[model.SCRIPT].read_text()), (
        '%s changed: change its model (%s) with it, then its SHA256' % (model.SCRIPT, model.__name__))


def modelled_lines(model):
    """(line, piece of text) of every statement the model emulates: the calls ps.<statement>(line, text, ...)."""
    tree = ast.parse(Path(model.__file__).read_text())
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                and node.func.value.id == 'ps' and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, int) and isinstance(node.args[1], ast.Constant)):
            yield node.args[0].value, node.args[1].value


@pytest.mark.parametrize('model', MODELS, ids=lambda model: model.SCRIPT)
def test_each_statement_of_a_model_names_a_line_of_its_script_that_holds_it(model):
    lines = SCRIPTS[model.SCRIPT].read_text().splitlines()
    named = list(modelled_lines(model))
    assert len(named) >= 8, 'a model emulates its script statement by statement'
    wrong = [(line, text) for line, text in named if line > len(lines) or text not in lines[line - 1]]
    assert not wrong, ['line %d is %r, not %r' % (line, lines[line - 1] if line <= len(lines) else '', text)
                       for line, text in wrong]


# ------------------------------------------------------------------ Windows PowerShell's error semantics
def test_without_stop_a_failing_cmdlet_adds_an_error_record_and_the_script_goes_on():
    ps = PowerShell(WindowsHost({}))
    ps.cmdlet(1, 'New-Item', refusing('Requested registry access is not allowed.'))
    ps.run(2, 'next')
    assert ps.lines == [1, 2] and last_error(ps) == 'Requested registry access is not allowed.'


def test_under_stop_a_failing_cmdlet_ends_the_script():
    ps = PowerShell(WindowsHost({}))
    ps.stop_on_errors(1, "$ErrorActionPreference = 'Stop'")
    with pytest.raises(Stop):
        ps.cmdlet(2, 'New-Item', refusing('refused'))


def test_a_method_s_exception_in_a_try_without_catch_runs_finally_and_the_script_goes_on():
    ps = PowerShell(WindowsHost({}))
    done = []

    def body():
        ps.method(2, '$key.SetAccessControl($acl)',
                  refusing('Attempted to perform an unauthorized operation.', 'System.UnauthorizedAccessException'),
                  'SetAccessControl', 1)
        done.append('after the method, in the try block')

    ps.try_(1, 'try {', body, finally_=lambda: done.append('finally'))
    ps.run(5, 'after the try statement')
    assert done == ['finally'] and ps.lines[-1] == 5
    assert last_error(ps) == ('Exception calling "SetAccessControl" with "1" argument(s): "Attempted to perform an '
                              'unauthorized operation."')


def test_a_method_called_on_null_ends_its_statement():
    ps = PowerShell(WindowsHost({}))
    assert ps.method(1, '$key.Close()', lambda: ps.on(None).Close(), 'Close') is None
    assert last_error(ps) == 'You cannot call a method on a null-valued expression.'


def test_error_action_stop_of_the_task_is_the_script_s_starting_preference():
    assert PowerShell(WindowsHost({}), error_action='stop').preference == 'Stop'


def test_under_stop_a_native_program_s_stderr_through_2_1_ends_the_script():
    ps = PowerShell(WindowsHost({}))
    ps.preference = 'Stop'
    with pytest.raises(Stop):
        ps.native(1, '& docker 2>&1', lambda: (1, [], ['error during connect']), merged_stderr=True)
    with ps.function_scope():
        ps.preference = 'Continue'
        assert ps.native(2, '& docker 2>&1', lambda: (1, [], ['error during connect']), merged_stderr=True) == ['error during connect']
    assert ps.preference == 'Stop' and ps.last_exit_code == 1


@pytest.mark.parametrize('depth,plugins', [(2, '{A} {B}'), (3, ['{A}', '{B}'])])
def test_output_deeper_than_depth_becomes_its_text(depth, plugins):
    output = [PSCustomObject(ccg_com_classes={'plugins': ['{A}', '{B}'], 'exists': True})]
    assert converted(output, depth) == [{'ccg_com_classes': {'plugins': plugins, 'exists': True}}]


# ------------------------------------------------------------------ register_ccg_plugins.ps1
def plugin_state(**changes):
    return with_com_classes(outside_the_domain(host_state(**changes)), 'rancher')


def com_classes(state):
    return state['registry'][CCG_COM_CLASSES.lower()]


def listed(state):
    return ('%s\\%s' % (CCG_COM_CLASSES, PLUGINS['rancher'])).lower() in state['registry']


JOURNAL = 'c:\\programdata\\wincontainers-gmsa\\comclasses.sddl'
GUIDS = {'Guids': [PLUGINS['rancher']]}


def test_the_plugin_is_listed_and_the_key_gets_its_owner_and_rules_back():
    state = plugin_state()
    failed, ps = run(register_ccg_plugins, state, GUIDS)
    assert not failed and ps.ansible['Changed'] and ps.errors == []
    assert listed(state) and JOURNAL not in state['files']
    assert com_classes(state)['owner'] == 'NT SERVICE\\TrustedInstaller' and com_classes(state)['access'] == COM_CLASSES_RULES
    failed, ps = run(register_ccg_plugins, state, GUIDS)
    assert not failed and not ps.ansible['Changed']


def test_check_mode_says_what_would_change_and_changes_nothing():
    state = plugin_state()
    before = json.dumps(state, sort_keys=True)
    failed, ps = run(register_ccg_plugins, state, GUIDS, check_mode=True)
    assert not failed and ps.ansible['Changed'] and json.dumps(state, sort_keys=True) == before


@pytest.mark.parametrize('fault,message', [
    ({'faults': [{'path': ('%s\\%s' % (CCG_COM_CLASSES, PLUGINS['rancher'])).lower(), 'kind': 'refuse'}]},
     'Requested registry access is not allowed.'),
    ({'privileges': {'SeTakeOwnershipPrivilege': False}},
     'this account does not hold SeTakeOwnershipPrivilege (ERROR_NOT_ALL_ASSIGNED)'),
])
def test_a_refusal_fails_in_one_line_and_leaves_the_key_as_it_was(fault, message):
    state = plugin_state(**fault)
    before = json.dumps({key: state[key] for key in ('registry', 'files')}, sort_keys=True)
    failed, ps = run(register_ccg_plugins, state, GUIDS)
    assert failed
    assert last_error(ps).startswith('Listing the ccg.exe plug-ins under HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\'
                                     'COMClasses failed: ') and message in last_error(ps)
    assert json.dumps({key: state[key] for key in ('registry', 'files')}, sort_keys=True) == before


def test_a_missing_comclasses_key_fails_naming_it():
    state = plugin_state()
    del state['registry'][CCG_COM_CLASSES.lower()]
    failed, ps = run(register_ccg_plugins, state, GUIDS)
    assert failed and 'COMClasses is missing: this host has no ccg.exe' in last_error(ps)


def test_a_run_cut_off_is_finished_by_the_next_from_the_journal():
    state = plugin_state(faults=[{'path': ('%s\\%s' % (CCG_COM_CLASSES, PLUGINS['rancher'])).lower(), 'kind': 'drop'}])
    with pytest.raises(ConnectionLost):
        run(register_ccg_plugins, state, GUIDS)
    assert com_classes(state)['owner'] == 'BUILTIN\\Administrators' and JOURNAL in state['files']
    failed, ps = run(register_ccg_plugins, state, GUIDS)
    assert not failed and listed(state) and JOURNAL not in state['files']
    assert com_classes(state)['owner'] == 'NT SERVICE\\TrustedInstaller' and com_classes(state)['access'] == COM_CLASSES_RULES


# ------------------------------------------------------------------ test_service_accounts.ps1
@pytest.mark.parametrize('name,value', [('Web(01)$', 'Web\\2801\\29$'), ('a*b\\c', 'a\\2ab\\5cc'), ('WebApp01$', 'WebApp01$')])
def test_the_ldap_filter_value_is_escaped_as_rfc_4515_says(name, value):
    assert test_service_accounts.ldap_filter_value(name) == value


def test_an_unescaped_parenthesis_breaks_the_filter_and_an_escaped_one_finds_the_gmsa():
    host = WindowsHost({'ad': {'gmsas': ['Web(01)']}})
    with pytest.raises(Failure, match='search filter is invalid'):
        test_service_accounts.search(host, 'Web(01)$')
    assert test_service_accounts.search(host, test_service_accounts.ldap_filter_value('Web(01)$')) == 'Web(01)'


def test_without_ad_web_services_a_gmsa_is_tested_over_ldap():
    state = host_state(ad={'gmsas': ['Web(01)'], 'adws_reachable': False}, tickets=['Web(01)'])
    failed, ps = run(test_service_accounts, state, {'Accounts': ['Web(01)']})
    assert not failed and not ps.ansible['Changed']
    assert ps.output == [{'name': 'Web(01)', 'usable': True, 'method': 'LDAP', 'reason': '',
                          'adws': test_service_accounts.ADWS_DOWN}]


# ------------------------------------------------------------------ write_credential_specs.ps1
FOLDER = SPEC_DIR


def folder_state(files=None, folder=True):
    state = {'directories': {'c:\\programdata': 'C:\\ProgramData', 'c:\\programdata\\docker': 'C:\\ProgramData\\docker'},
             'files': {}}
    if folder:
        state['directories'][FOLDER.lower()] = FOLDER
    for name, content in (files or {}).items():
        state['files'][(FOLDER + '\\' + name).lower()] = {'path': FOLDER + '\\' + name, 'content': content}
    return WindowsHost(state).state


def contents(state):
    return {entry['path'].rsplit('\\', 1)[-1]: entry['content'] for entry in state['files'].values()}


def write(state, files, check_mode=False):
    failed, ps = run(write_credential_specs, state, {'Folder': FOLDER, 'Files': files}, check_mode)
    return failed, ps.ansible['Changed'], ps.output, ps.ansible['Diff'], ps


def test_only_files_that_differ_are_written_and_a_null_content_removes():
    state = folder_state({'a.json': '{"a": 1}', 'b.json': 'old', 'gone.json': '{}'})
    failed, changed, output, diff, _ps = write(state, [
        {'name': 'a.json', 'content': '{"a": 1}'}, {'name': 'b.json', 'content': 'new'},
        {'name': 'gone.json', 'content': None}, {'name': 'never.json', 'content': None}])
    assert not failed and changed and [item['action'] for item in output] == ['unchanged', 'written', 'removed', 'unchanged']
    assert contents(state) == {'a.json': '{"a": 1}', 'b.json': 'new'}
    assert diff == {'before': {'b.json': 'old', 'gone.json': '{}'}, 'after': {'b.json': 'new', 'gone.json': None}}


def test_a_file_of_other_bytes_is_written_again_as_utf_8_without_a_bom():
    state = folder_state({'a.json': '{}'})
    state['files'][(FOLDER + '\\a.json').lower()]['encoding'] = 'utf-16'
    _failed, changed, output, _diff, _ps = write(state, [{'name': 'a.json', 'content': '{}'}])
    assert changed and output[0]['action'] == 'written' and 'encoding' not in state['files'][(FOLDER + '\\a.json').lower()]


def test_check_mode_reports_the_same_and_makes_nothing_not_even_the_folder():
    state = folder_state(folder=False)
    before = json.dumps(state, sort_keys=True)
    _failed, changed, output, _diff, _ps = write(state, [{'name': 'a.json', 'content': '{}'}], check_mode=True)
    assert changed and output == [{'name': 'a.json', 'action': 'written'}]
    assert json.dumps(state, sort_keys=True) == before


def test_the_first_refused_write_fails_the_script_in_one_line_and_what_came_before_stays():
    state = folder_state()
    state['faults'] = [{'path': (FOLDER + '\\b.json').lower(), 'kind': 'refuse'}]
    files = [{'name': 'a.json', 'content': 'a'}, {'name': 'b.json', 'content': 'b'}, {'name': 'c.json', 'content': 'c'}]
    failed, _changed, _output, _diff, ps = write(state, files)
    assert failed and last_error(ps) == ('Writing the credential spec files in %s failed: Exception calling "WriteAllBytes" '
                                         'with "2" argument(s): "Access to the path \'%s\\b.json\' is denied."' % (FOLDER, FOLDER))
    assert contents(state) == {'a.json': 'a'}


def test_a_connection_lost_at_one_file_keeps_the_files_before_it():
    state = folder_state()
    state['faults'] = [{'path': (FOLDER + '\\b.json').lower(), 'kind': 'drop'}]
    with pytest.raises(ConnectionLost):
        write(state, [{'name': 'a.json', 'content': 'a'}, {'name': 'b.json', 'content': 'b'}])
    assert contents(state) == {'a.json': 'a'} and state['faults'] == []


@pytest.mark.parametrize('params,refused', [
    ({'Files': []}, 'Folder'),
    ({'Folder': FOLDER, 'Files': {'name': 'a.json', 'content': ''}}, 'Files must be a list'),
    ({'Folder': FOLDER, 'Files': [{'name': 'a.json'}]}, 'exactly content, name'),
    ({'Folder': FOLDER, 'Files': [{'name': 'a.json', 'content': '', 'mode': '0644'}]}, 'exactly content, name'),
    ({'Folder': FOLDER, 'Files': [{'name': '..\\win.ini', 'content': ''}]}, 'not a file name in the folder'),
    ({'Folder': FOLDER, 'Files': [{'name': 'C:\\x.json', 'content': ''}]}, 'not a file name in the folder'),
    ({'Folder': FOLDER, 'Files': [{'name': 'a.json', 'content': {'a': 1}}]}, 'text or null'),
])
def test_parameters_the_header_does_not_allow_are_refused(params, refused):
    assert refused in write_credential_specs.refused(params)


# ------------------------------------------------------------------ host_facts.ps1
@pytest.mark.parametrize('encoding,text,root', [
    ('utf-8-bom', '{"data-root": "E:\\\\d"}', 'E:\\d'), ('utf-16', '{"graph": "F:\\\\d"}', 'F:\\d'), ('utf-8', ' \r\n', None)])
def test_host_facts_reads_daemon_json_as_dockerd_does(encoding, text, root):
    state = host_state()
    state['files']['c:\\programdata\\docker\\config\\daemon.json'] = {
        'path': host_facts.DAEMON_JSON, 'content': text, 'encoding': encoding}
    failed, ps = run(host_facts, state)
    assert not failed and ps.output[0]['runtime']['daemon_json_data_root'] == root


def test_host_facts_fails_in_one_line_on_a_daemon_json_that_is_not_json():
    state = host_state()
    state['files']['c:\\programdata\\docker\\config\\daemon.json'] = {'path': host_facts.DAEMON_JSON, 'content': '{"data-root": '}
    failed, ps = run(host_facts, state)
    assert failed and last_error(ps).startswith("Reading the host's facts failed: Invalid JSON primitive")


# ------------------------------------------------------------------ set_dns_servers.ps1
def test_the_dns_servers_are_set_and_the_diff_is_what_they_replace():
    state = host_state()
    failed, ps = run(set_dns_servers, state, {'Adapters': ['Ethernet'], 'Servers': ['10.1.0.4', '10.1.0.5']})
    assert not failed and ps.ansible['Changed']
    assert ps.ansible['Diff'] == {'before': {'Ethernet': '10.1.0.1'}, 'after': {'Ethernet': '10.1.0.4, 10.1.0.5'}}
    assert state['dns_servers']['Ethernet'] == ['10.1.0.4', '10.1.0.5']


def test_an_adapter_that_is_not_there_fails_in_one_line():
    failed, ps = run(set_dns_servers, host_state(), {'Adapters': ['Wi-Fi'], 'Servers': ['10.1.0.4']})
    assert failed and last_error(ps).startswith('Setting the DNS servers failed: No matching MSFT_DNSClientServerAddress')


# ------------------------------------------------------------------ canary.ps1
def canary_params(tests, image='mcr.microsoft.com/windows/servercore:ltsc2022', isolation='process'):
    return {'Tests': tests, 'Image': image, 'Isolation': isolation, 'Docker': 'C:\\Program Files\\docker\\docker.exe'}


def spec_state(**changes):
    state = host_state(**changes)
    state['directories'][SPEC_DIR.lower()] = SPEC_DIR
    spec = credential_spec('WebApp01')
    state['files'][(SPEC_DIR + '\\' + spec['file_name']).lower()] = {'path': SPEC_DIR + '\\' + spec['file_name'],
                                                                     'content': spec['json']}
    return state


WEBAPP = {'application': 'WebApp01', 'file_name': 'gmsa_webapp01.json', 'hostname_prefix': 'webapp',
          'command': 'nltest /sc_verify:gmsa.test & echo ::sc_verify !errorlevel! gmsa.test & klist get krbtgt & echo '
                     '::krbtgt !errorlevel! krbtgt & klist get host/WebApp01.gmsa.test & echo ::service_ticket '
                     '!errorlevel! host/WebApp01.gmsa.test'}


def test_the_canary_runs_each_check_in_a_container_with_a_host_name_of_its_own():
    failed, ps = run(canary, spec_state(), canary_params([WEBAPP, WEBAPP]))
    assert not failed and not ps.ansible['Changed']
    first, second = ps.output
    assert first['hostname'] != second['hostname'] and first['hostname'].startswith('webapp-') and len(first['hostname']) == 15
    assert first['exit_code'] == 0 and '::sc_verify 0 gmsa.test' in first['output'] and '::service_ticket 0' in first['output']
    assert ps.ansible['Result']['events'] == [] and ps.ansible['Result']['ccg_log'] is True


def test_a_container_with_the_host_name_of_another_of_its_gmsa_loses_the_secure_channel():
    state = spec_state(containers=[{'hostname': 'webapp-00000000', 'gmsa': 'WebApp01'}])
    container_state = json.loads(json.dumps(state))
    from ansible_collections.standin.common.plugins.plugin_utils._docker import docker_run
    exit_code, output = docker_run(WindowsHost(container_state), 'gmsa_webapp01.json', 'webapp-00000000', 'process',
                                   'mcr.microsoft.com/windows/servercore:ltsc2022', WEBAPP['command'])
    assert '::sc_verify 1 gmsa.test' in output and '::krbtgt 0 krbtgt' in output
    assert [event['id'] for event in container_state['events']] == [5720]


def test_a_process_isolated_container_of_another_build_does_not_start():
    failed, ps = run(canary, spec_state(os_build=17763), canary_params([WEBAPP]))
    assert not failed and ps.output[0]['exit_code'] == 125 and '(0xc0370101)' in ps.output[0]['output']


def test_the_canary_fails_in_one_line_without_docker_exe():
    state = spec_state()
    del state['files']['c:\\program files\\docker\\docker.exe']
    failed, ps = run(canary, state, canary_params([WEBAPP]))
    assert failed and last_error(ps).startswith('The canary failed: docker.exe is not at C:\\Program Files\\docker\\docker.exe')


def test_only_the_events_since_the_canary_started_are_read():
    state = spec_state(events=[{'log': 'System', 'provider': 'NETLOGON', 'id': 5720, 'level': 'Error', 'time': 1,
                                'message': 'an old one'}])
    failed, ps = run(canary, state, canary_params([WEBAPP]))
    assert not failed and ps.ansible['Result']['events'] == []


@pytest.mark.parametrize('params,refused', [
    (canary_params([WEBAPP], isolation='auto'), 'Isolation must be process or hyperv'),
    (canary_params([dict(WEBAPP, hostname_prefix='webapplication')]), 'hostname_prefix'),
    (canary_params([{'application': 'WebApp01'}]), 'exactly application, command, file_name, hostname_prefix'),
])
def test_canary_parameters_the_header_does_not_allow_are_refused(params, refused):
    assert refused in canary.refused(params)
