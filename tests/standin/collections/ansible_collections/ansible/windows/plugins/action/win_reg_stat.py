"""Stand-in for ansible.windows.win_reg_stat: whether a registry key of the stand-in host exists."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(StandInAction):
    module = 'ansible.windows.win_reg_stat'

    def act(self, state, params, check_mode, diff):
        host = WindowsHost(state)
        key = host.registry_key(params['path'])
        if not key:
            return {'changed': False, 'exists': False}
        return {'changed': False, 'exists': True, 'sub_keys': host.sub_keys(params['path']), 'properties': key.get('properties', {})}
