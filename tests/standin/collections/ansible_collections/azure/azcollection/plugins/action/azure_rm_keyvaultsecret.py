"""Stand-in for azure.azcollection.azure_rm_keyvaultsecret: sets or deletes a secret of a stand-in Key Vault."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._key_vault import KeyVault


class ActionModule(StandInAction):
    module = 'azure.azcollection.azure_rm_keyvaultsecret'

    def act(self, state, params, check_mode, diff):
        vault = KeyVault(state, params['keyvault_uri'])
        if not vault.exists:
            return vault.unreachable()
        name = params['secret_name']
        current = vault.current(name)
        if params['state'] == 'absent':
            changed = current is not None
            if changed and not check_mode:
                vault.delete(name)
            return {'changed': changed, 'state': {'secret_id': vault.secret_id(name, current['version'])} if current else {}}
        # As the real module compares: only the value; content_type and tags alone change nothing.
        changed = current is None or bool(params['secret_value']) and current['value'] != params['secret_value']
        if not changed:
            return {'changed': False, 'state': {'secret_id': vault.secret_id(name, current['version'])}}
        if check_mode:
            return {'changed': True, 'state': {}}
        secret_id = vault.set(name, params['secret_value'], params.get('content_type'), params.get('tags'))
        # The real module also returns the value in state.secret_value, which it does not document: not here.
        return {'changed': True, 'state': {'secret_id': secret_id}}
