"""Stand-in for ansible.windows.win_copy: a file of the stand-in host, from content or, with remote_src, copied from
another file of the host or of a network share the task can reach."""

from __future__ import annotations

import json
import ntpath

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure
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
        host = WindowsHost(state)
        if params.get('remote_src'):
            return self.copy_on_the_host(host, params, check_mode)
        if params.get('content') is None or params.get('src'):
            return {'failed': True, 'msg': 'stand-in win_copy: only content and remote_src are modelled'}
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
            except Failure as error:
                return {'failed': True, 'msg': 'Failed to copy file: %s' % error, 'dest': dest}
        return {'changed': changed, 'dest': dest, 'checksum': host.sha1(content), 'size': len(content.encode('utf-8')),
                'operation': 'file_copy', 'original_basename': 'source', 'src': 'source'}

    def copy_on_the_host(self, host, params, check_mode):
        """win_copy.ps1's remote mode for one file: a dest ending in \\ is a folder, made when missing."""
        src = windows_path(params['src'])
        found = host.readable_file(src, self.network_identity())
        if not found:
            return {'failed': True, 'msg': "Cannot copy src file: '%s' as it does not exist" % src, 'src': src}
        name = ntpath.basename(src)
        dest = ntpath.join(params['dest'], name) if params['dest'].endswith('\\') else windows_path(params['dest'])
        if not params['dest'].endswith('\\') and not host.parent_exists(dest):
            return {'failed': True, 'msg': "Destination directory '%s' does not exist" % ntpath.dirname(dest), 'dest': dest}
        changed = (host.file(dest) or {}).get('content') != found['content']
        if changed and not check_mode:
            host.make_directory(ntpath.dirname(dest))
            host.write_file(dest, found['content'])
        return {'changed': changed, 'dest': dest, 'src': src, 'checksum': host.sha1(found['content']),
                'size': len(found['content'].encode('utf-8')), 'operation': 'file_copy', 'original_basename': name}
