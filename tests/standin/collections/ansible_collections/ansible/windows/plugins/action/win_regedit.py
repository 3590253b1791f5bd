"""Stand-in for ansible.windows.win_regedit: creating a key, refused under a protected parent."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost, registry_path


class ActionModule(StandInAction):
    module = 'ansible.windows.win_regedit'

    def act(self, state, params, check_mode, diff):
        if params['state'] != 'present' or params.get('name'):
            return {'failed': True, 'msg': 'stand-in win_regedit: only creating a key is modelled'}
        host = WindowsHost(state)
        path = registry_path(params['path'])
        if host.registry_key(path):
            return {'changed': False, 'data_changed': False, 'data_type_changed': False}
        if not check_mode:
            try:
                host.create_registry_key(path)
            except Failure as error:
                return {'failed': True, 'msg': 'failed to create registry key at %s: %s' % (path, error)}
        return {'changed': True, 'data_changed': False, 'data_type_changed': False}
