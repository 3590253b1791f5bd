"""The stand-in's models of the collection's PowerShell scripts hold to what each script's header says.

No PowerShell runs here, so the stand-in models write_credential_specs.ps1 and smoke_test_credential_specs.ps1
from their headers (tests/standin/windows_facts.yml); these tests pin the model to the header and make sure
that parameters the header does not allow are refused.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / 'standin'
sys.path.insert(0, str(STANDIN / 'collections'))

from ansible_collections.standin.common.plugins.plugin_utils._state import ConnectionLost  # noqa: E402
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost  # noqa: E402

# Loaded by its path: the real ansible.windows wins the import of its name.
_PATH = STANDIN / 'collections' / 'ansible_collections' / 'ansible' / 'windows' / 'plugins' / 'action' / 'win_powershell.py'
_SPEC = importlib.util.spec_from_file_location('standin_win_powershell', _PATH)
models = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(models)

FOLDER = 'C:\\ProgramData\\docker\\CredentialSpecs'


def host(files=None, folder=True):
    state = {'directories': {'c:\\programdata': 'C:\\ProgramData', 'c:\\programdata\\docker': 'C:\\ProgramData\\docker'},
             'files': {}}
    if folder:
        state['directories'][FOLDER.lower()] = FOLDER
    for name, content in (files or {}).items():
        state['files'][(FOLDER + '\\' + name).lower()] = {'path': FOLDER + '\\' + name, 'content': content}
    return WindowsHost(state)


def contents(windows_host):
    return {entry['path'].rsplit('\\', 1)[-1]: entry['content'] for entry in windows_host.state['files'].values()}


def write(windows_host, files, check_mode=False):
    return models.write_credential_specs(windows_host, {'Folder': FOLDER, 'Files': files}, check_mode)


def test_only_files_that_differ_are_written_and_a_null_content_removes():
    target = host({'a.json': '{"a": 1}', 'b.json': 'old', 'gone.json': '{}'})
    changed, output, diff = write(target, [{'name': 'a.json', 'content': '{"a": 1}'}, {'name': 'b.json', 'content': 'new'},
                                           {'name': 'gone.json', 'content': None}, {'name': 'never.json', 'content': None}])
    assert changed and [item['action'] for item in output] == ['unchanged', 'written', 'removed', 'unchanged']
    assert contents(target) == {'a.json': '{"a": 1}', 'b.json': 'new'}
    assert diff == {'before': {'b.json': 'old', 'gone.json': '{}'}, 'after': {'b.json': 'new', 'gone.json': None}}


def test_a_file_written_twice_keeps_its_first_before_and_its_last_after():
    target = host({'ledger.txt': 'one\n'})
    _changed, _output, diff = write(target, [{'name': 'ledger.txt', 'content': 'two\n'}, {'name': 'ledger.txt', 'content': 'three\n'}])
    assert diff == {'before': {'ledger.txt': 'one\n'}, 'after': {'ledger.txt': 'three\n'}}
    assert contents(target) == {'ledger.txt': 'three\n'}


def test_check_mode_reports_the_same_and_makes_nothing_not_even_the_folder():
    target = host(folder=False)
    before = json.dumps(target.state, sort_keys=True)
    changed, output, _diff = write(target, [{'name': 'a.json', 'content': '{}'}], check_mode=True)
    assert changed and output == [{'name': 'a.json', 'action': 'written'}]
    assert json.dumps(target.state, sort_keys=True) == before


def test_nothing_to_change_is_no_change_and_no_diff():
    assert write(host({'a.json': '{}'}), [{'name': 'a.json', 'content': '{}'}])[::2] == (False, {})


def test_the_first_refused_write_stops_the_script_and_what_came_before_stays():
    target = host()
    target.state['faults'] = [{'path': FOLDER + '\\b.json', 'kind': 'refuse'}]
    with pytest.raises(models.ScriptError, match='denied'):
        write(target, [{'name': 'a.json', 'content': 'a'}, {'name': 'b.json', 'content': 'b'}, {'name': 'c.json', 'content': 'c'}])
    assert contents(target) == {'a.json': 'a'}


def test_a_connection_lost_at_one_file_keeps_the_files_before_it():
    target = host()
    target.state['faults'] = [{'path': FOLDER + '\\b.json', 'kind': 'drop'}]
    with pytest.raises(ConnectionLost):
        write(target, [{'name': 'a.json', 'content': 'a'}, {'name': 'b.json', 'content': 'b'}])
    assert contents(target) == {'a.json': 'a'} and target.state['faults'] == []


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
    assert refused in models.credential_spec_files_refused(params)


def test_parameters_the_header_allows_pass():
    assert models.credential_spec_files_refused({'Folder': FOLDER, 'Files': [{'name': 'a.json', 'content': None}]}) is None
    assert models.smoke_tests_refused({'Image': 'mcr.microsoft.com/windows/servercore:ltsc2022', 'Tests': [
        {'application': 'WebApp01', 'file_name': 'a.json', 'domain': 'gmsa.test'}]}) is None


@pytest.mark.parametrize('tests,refused', [
    ([{'application': 'WebApp01', 'file_name': 'a.json'}], 'exactly application, domain, file_name'),
    ([{'application': 'WebApp01', 'file_name': 'sub\\a.json', 'domain': 'gmsa.test'}], 'not a file name'),
    ([{'application': 1, 'file_name': 'a.json', 'domain': 'gmsa.test'}], 'must be texts'),
])
def test_smoke_tests_the_header_does_not_allow_are_refused(tests, refused):
    assert refused in models.smoke_tests_refused({'Image': 'servercore', 'Tests': tests})


def test_every_modelled_script_with_a_contract_is_one_of_the_collection_s_scripts():
    assert set(models.CONTRACTS) <= set(models.MODELS) <= set(models.known_scripts().values())
