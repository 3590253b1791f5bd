"""Stand-in for ansible.windows.slurp: a file of the stand-in host, its bytes base64-encoded."""

from __future__ import annotations

import base64

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost, windows_path


class ActionModule(StandInAction):
    module = 'ansible.windows.slurp'

    def act(self, state, params, check_mode, diff):
        host = WindowsHost(state)
        found = host.file(params['src'])
        if not found:
            # slurp.ps1's own words.
            return {'failed': True, 'msg': 'Path %s is not found' % windows_path(params['src'])}
        # The file's bytes, as the tool that wrote it encoded its text.
        return {'changed': False, 'encoding': 'base64', 'source': found['path'],
                'content': base64.b64encode(host.file_bytes(found['path'])).decode('ascii')}
