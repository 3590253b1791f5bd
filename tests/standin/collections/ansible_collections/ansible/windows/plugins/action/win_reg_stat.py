"""Stand-in for ansible.windows.win_reg_stat: whether a registry key of the stand-in host exists."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost, registry_path


class ActionModule(StandInAction):
    module = 'ansible.windows.win_reg_stat'

    def act(self, state, params, check_mode, diff):
        key = WindowsHost(state).registry_key(params['path'])
        if not key:
            return {'changed': False, 'exists': False}
        prefix = registry_path(params['path']).lower() + '\\'
        sub_keys = sorted(entry['path'][len(prefix):] for name, entry in state['registry'].items()
                          if name.startswith(prefix) and '\\' not in name[len(prefix):])
        return {'changed': False, 'exists': True, 'sub_keys': sub_keys, 'properties': key.get('properties', {})}
