"""Stand-in for ansible.windows.win_file: folders and file removal on the stand-in host."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(StandInAction):
    module = 'ansible.windows.win_file'

    def act(self, state, params, check_mode, diff):
        host = WindowsHost(state)
        path = params['path']
        try:
            if params['state'] == 'directory':
                if host.file(path):
                    return {'failed': True, 'msg': 'path %s is not a directory' % path}
                changed = not host.is_directory(path)
                if changed and not check_mode:
                    host.make_directory(path)
            elif params['state'] == 'absent':
                changed = bool(host.file(path))
                if changed and not check_mode:
                    host.remove_file(path)
            else:
                return {'failed': True, 'msg': 'stand-in win_file: state=%s is not modelled' % params['state']}
        except Failure as error:
            return {'failed': True, 'msg': str(error)}
        return {'changed': changed}
