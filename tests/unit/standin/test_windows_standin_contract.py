"""The stand-in Windows modules are held to the real modules' documented interface (tests/standin).

A stand-in that took any option or returned anything would hide the very mistakes it is there to catch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / 'standin'
sys.path.insert(0, str(STANDIN))
sys.path.insert(0, str(STANDIN / 'collections'))

from runner import module_docs_file  # noqa: E402  (after the path is set)
from ansible_collections.standin.common.plugins.plugin_utils._module_docs import (  # noqa: E402
    ModuleDocs, StandInArgumentError,
)


@pytest.fixture(autouse=True)
def real_docs(monkeypatch):
    monkeypatch.setenv('STANDIN_MODULE_DOCS', str(module_docs_file()))
    ModuleDocs.of.cache_clear()


@pytest.mark.parametrize('module,args,refused', [
    ('ansible.windows.win_copy', {'dest': 'C:\\x.json', 'contents': '{}'}, 'contents'),
    ('ansible.windows.win_file', {'path': 'C:\\x', 'state': 'folder'}, 'folder'),
    ('ansible.windows.win_stat', {'path': 'C:\\x', 'get_checksum': 'sometimes'}, 'get_checksum'),
    ('ansible.windows.win_feature', {'name': 'Containers', 'include_management_tools': 'maybe'}, 'include_management_tools'),
    ('ansible.windows.win_feature_info', {'names': ['Hyper-V']}, 'names'),
    ('ansible.windows.win_powershell', {'script': '1', 'depth': 'deep'}, 'depth'),
    ('ansible.windows.win_copy', {'content': '{}'}, 'dest'),
])
def test_what_the_real_module_refuses_the_stand_in_refuses(module, args, refused):
    with pytest.raises(StandInArgumentError, match=refused):
        ModuleDocs.of(module).validated(args)


def test_arguments_reach_the_stand_in_as_the_real_module_sees_them():
    params = ModuleDocs.of('ansible.windows.win_stat').validated({'dest': 'C:\\x', 'get_checksum': 'no'})
    assert params['path'] == 'C:\\x' and params['get_checksum'] is False and params['checksum_algorithm'] == 'sha1'


def test_a_result_key_the_real_module_does_not_document_is_refused():
    docs = ModuleDocs.of('ansible.windows.win_feature')
    docs.check_return({'changed': True, 'reboot_required': False, 'exitcode': 'Success'})
    with pytest.raises(AssertionError, match='success'):
        docs.check_return({'changed': True, 'success': True})
    with pytest.raises(AssertionError, match='services.pid'):
        ModuleDocs.of('ansible.windows.win_service_info').check_return({'services': [{'name': 'docker', 'pid': 4}]})


def test_check_mode_support_is_read_from_the_real_module_s_source():
    assert ModuleDocs.of('ansible.windows.win_command').supports_check_mode is False
    assert ModuleDocs.of('ansible.windows.win_copy').supports_check_mode is True
    assert ModuleDocs.of('ansible.windows.win_powershell').supports_check_mode is True
