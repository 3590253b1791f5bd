"""Stand-in for ansible.windows.win_command: the few commands the roles run, answered from the host's state.

The program is found as CreateProcess finds it: by its full path, or in the folders of the WinRM service's PATH.
"""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._docker import docker_info
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(StandInAction):
    module = 'ansible.windows.win_command'

    def act(self, state, params, check_mode, diff):
        argv = params.get('argv') or []
        host = WindowsHost(state)
        program = host.resolve_program(argv[0]) if argv else None
        if program is None:
            # Ansible.Process's words (SearchPath) when there is no such file.
            return {'failed': True, 'changed': True, 'cmd': ' '.join(argv), 'msg': "Could not find file '%s'." % (argv or [''])[0]}
        name = program.rsplit('\\', 1)[-1].lower()
        arguments = [word.lower() for word in argv[1:]]
        if name == 'docker.exe' and arguments[:1] == ['info']:
            answer = docker_info(state)
        elif name == 'klist.exe' and arguments == ['-li', '0x3e7', 'purge']:
            host.refresh_tickets()
            answer = 0, 'Current LogonId is 0:0x3e7\r\nTargeted LogonId is 0:0x3e7\r\n\tDeleting all tickets:\r\n\tTicket(s) purged!\r\n', ''
        else:
            return {'failed': True, 'changed': False, 'msg': 'stand-in win_command: %s is not modelled' % ' '.join(argv)}
        rc, stdout, stderr = answer
        result = {'changed': True, 'cmd': ' '.join(argv), 'rc': rc, 'stdout': stdout, 'stderr': stderr,
                  'stdout_lines': stdout.splitlines(), 'stderr_lines': stderr.splitlines(),
                  'start': '2026-12-01 00:00:00.000000', 'end': '2026-12-01 00:00:01.000000', 'delta': '0:00:01.000000'}
        if rc:
            result.update(failed=True, msg='non-zero return code')
        return result
