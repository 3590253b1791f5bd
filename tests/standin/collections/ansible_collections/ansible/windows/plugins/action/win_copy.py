"""Stand-in for ansible.windows.win_copy with content: a file of the stand-in host, written when it differs."""

from __future__ import annotations

import json
import ntpath

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost, windows_path


class ActionModule(StandInAction):
    module = 'ansible.windows.win_copy'

    def module_args(self, args):
        # The real action plugin writes a dict or list given as content as JSON (json.dumps): on ansible-core
        # before 2.19 a template whose text looks like a dict arrives as one.
        if isinstance(args.get('content'), (dict, list)):
            args['content'] = json.dumps(args['content'])
        return args

    def act(self, state, params, check_mode, diff):
        if params.get('content') is None or params.get('src') or params.get('remote_src'):
            return {'failed': True, 'msg': 'stand-in win_copy: only content is modelled'}
        host = WindowsHost(state)
        dest = windows_path(params['dest'])
        content = params['content']
        existing = host.file(dest)
        changed = not existing or (params['force'] and existing['content'] != content)
        # win_copy.ps1 fails so in check mode too: it tests the folder before it decides anything.
        if not host.parent_exists(dest):
            return {'failed': True, 'msg': 'Destination directory \'%s\' does not exist' % ntpath.dirname(dest), 'dest': dest}
        if changed and not check_mode:
            try:
                host.write_file(dest, content)
            except OSError as error:
                return {'failed': True, 'msg': 'Failed to copy file: %s' % error, 'dest': dest}
        return {'changed': changed, 'dest': dest, 'checksum': host.sha1(content), 'size': len(content.encode('utf-8')),
                'operation': 'file_copy', 'original_basename': 'source', 'src': 'source'}
