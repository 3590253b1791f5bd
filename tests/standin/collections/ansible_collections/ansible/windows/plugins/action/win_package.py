"""Stand-in for ansible.windows.win_package: an installer of the stand-in host, and the registry keys it writes."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(StandInAction):
    module = 'ansible.windows.win_package'

    def act(self, state, params, check_mode, diff):
        if params['state'] != 'present':
            return {'failed': True, 'msg': 'stand-in win_package: only state=present is modelled'}
        package = (state.get('packages') or {}).get(str(params['path']).lower())
        if package is None:
            return {'failed': True, 'msg': "the file at the path '%s' cannot be reached" % params['path']}
        if package.get('installed'):
            return {'changed': False, 'rc': 0, 'reboot_required': False}
        if not check_mode:
            host = WindowsHost(state)
            for key in package.get('registers', []):
                host.create_registry_key(key)
            package['installed'] = True
        return {'changed': True, 'rc': 0, 'reboot_required': False}
