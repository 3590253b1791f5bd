"""Stand-in for ansible.windows.win_stat: a file or folder of the stand-in host."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost, windows_path


class ActionModule(StandInAction):
    module = 'ansible.windows.win_stat'

    def act(self, state, params, check_mode, diff):
        host = WindowsHost(state)
        path = windows_path(params['path'])
        found = host.file(path)
        if found:
            stat = {'exists': True, 'isdir': False, 'path': found['path'], 'filename': path.rsplit('\\', 1)[-1],
                    'size': len(found['content'].encode('utf-8'))}
            if params['get_checksum']:
                stat['checksum'] = host.sha1(found['content'])
        elif host.is_directory(path):
            stat = {'exists': True, 'isdir': True, 'path': path}
        else:
            stat = {'exists': False}
        return {'changed': False, 'stat': stat}
