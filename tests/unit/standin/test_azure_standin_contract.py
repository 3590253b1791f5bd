"""The stand-in Key Vault modules are held to azure.azcollection's documented interface (tests/standin).

No Key Vault emulator runs here, so what the service_accounts role hands azure_rm_keyvaultsecret is checked
against the real module's documented argument spec, task by task as the role writes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
STANDIN = REPO / 'tests' / 'standin'
sys.path.insert(0, str(STANDIN))
sys.path.insert(0, str(STANDIN / 'collections'))

from runner import module_docs_file  # noqa: E402  (after the path is set)
from ansible_collections.standin.common.plugins.plugin_utils._module_docs import (  # noqa: E402
    ModuleDocs, StandInArgumentError,
)

SECRET = 'azure.azcollection.azure_rm_keyvaultsecret'
SECRET_INFO = 'azure.azcollection.azure_rm_keyvaultsecret_info'


@pytest.fixture(autouse=True)
def real_docs(monkeypatch):
    monkeypatch.setenv('STANDIN_MODULE_DOCS', str(module_docs_file()))
    ModuleDocs.of.cache_clear()


def role_task_arguments(tasks_file, module):
    """The arguments of the role's task of ``module``, with each template replaced by a plausible value."""
    tasks = yaml.safe_load((REPO / 'roles' / 'service_accounts' / 'tasks' / tasks_file).read_text())
    task = next(task for task in tasks if module in task)
    return {key: ('current' if key == 'version' else 'https://kv01.vault.azure.net/' if 'uri' in key else 'x')
            if isinstance(value, str) and '{{' in value else value for key, value in task[module].items()}


@pytest.mark.parametrize('tasks_file, module', [('deliver.yml', SECRET), ('store_credentials.yml', SECRET_INFO)])
def test_the_role_s_key_vault_tasks_pass_the_real_module_s_argument_spec(tasks_file, module):
    params = ModuleDocs.of(module).validated(role_task_arguments(tasks_file, module))
    assert params


@pytest.mark.parametrize('module, args, refused', [
    (SECRET, {'keyvault_uri': 'https://kv01.vault.azure.net/', 'secret_name': 'x', 'value': 'y'}, 'value'),
    (SECRET, {'keyvault_uri': 'https://kv01.vault.azure.net/', 'secret_name': 'x', 'state': 'gone'}, 'state'),
    (SECRET_INFO, {'vault_uri': 'https://kv01.vault.azure.net/', 'secret_name': 'x'}, 'secret_name'),
])
def test_what_the_real_module_refuses_the_stand_in_refuses(module, args, refused):
    with pytest.raises(StandInArgumentError, match=refused):
        ModuleDocs.of(module).validated(args)


def test_only_documented_results_and_check_mode_as_the_source_declares():
    docs = ModuleDocs.of(SECRET)
    docs.check_return({'changed': True, 'state': {'secret_id': 'https://kv01.vault.azure.net/secrets/x/1'}})
    # The real module also returns state.secret_value, undocumented: the stand-in may not.
    with pytest.raises(AssertionError, match='state.secret_value'):
        docs.check_return({'changed': True, 'state': {'secret_id': 'i', 'secret_value': 'v'}})
    assert docs.supports_check_mode is True
    assert ModuleDocs.of(SECRET_INFO).supports_check_mode is True
