"""Stand-in for ansible.windows.win_package: an installer of the stand-in host, and the registry keys it writes.

The installer is a file of the host, or of a network share the task can reach (over WinRM a share is a second
hop); its content names the package in the state's ``packages``.
"""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost, windows_path


class ActionModule(StandInAction):
    module = 'ansible.windows.win_package'

    def act(self, state, params, check_mode, diff):
        if params['state'] != 'present':
            return {'failed': True, 'msg': 'stand-in win_package: only state=present is modelled'}
        host = WindowsHost(state)
        installer = host.readable_file(params['path'], self.network_identity())
        if installer is None:
            # win_package.ps1 tests the path only outside check mode.
            if check_mode:
                return {'changed': True, 'rc': 0, 'reboot_required': False}
            return {'failed': True, 'msg': "the file at the path '%s' cannot be reached" % windows_path(params['path'])}
        package = state['packages'][installer['content']]
        if package.get('installed'):
            return {'changed': False, 'rc': 0, 'reboot_required': False}
        if not check_mode:
            for key in package.get('registers', []):
                host.create_registry_key(key)
            package['installed'] = True
        return {'changed': True, 'rc': 0, 'reboot_required': False}
