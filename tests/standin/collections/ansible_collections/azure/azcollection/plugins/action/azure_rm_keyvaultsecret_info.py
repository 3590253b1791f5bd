"""Stand-in for azure.azcollection.azure_rm_keyvaultsecret_info: reads a secret of a stand-in Key Vault."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._key_vault import KeyVault


def _secret(vault, entry):
    return {'sid': vault.secret_id(entry['name'], entry['version']), 'version': entry['version'],
            'secret': entry['value'], 'tags': entry['tags'], 'content_type': entry['content_type'],
            'attributes': {'enabled': True}}


class ActionModule(StandInAction):
    module = 'azure.azcollection.azure_rm_keyvaultsecret_info'

    def act(self, state, params, check_mode, diff):
        vault = KeyVault(state, params['vault_uri'])
        if not vault.exists:
            return vault.unreachable()
        if not params.get('name'):
            return {'changed': False, 'secrets': [_secret(vault, versions[-1]) for versions in vault.vault['secrets'].values()]}
        versions = vault.versions(params['name'])
        if params['version'] == 'all':
            return {'changed': False, 'secrets': [_secret(vault, entry) for entry in versions]}
        if params['version'] != 'current':
            versions = [entry for entry in versions if entry['version'] == params['version']]
        # A secret that is not there is an empty list, not a failure (the real module logs and returns []).
        return {'changed': False, 'secrets': [_secret(vault, versions[-1])] if versions else []}
