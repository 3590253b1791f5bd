"""Stand-in for ansible.windows.win_command: the few commands the roles run, answered from the host's state."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


def docker_info(state):
    docker = state.get('docker') or {}
    if not docker.get('installed'):
        return None
    service = (state.get('services') or {}).get('docker') or {}
    if service.get('state') != 'started':
        # What docker.exe prints on Windows when the daemon does not run.
        return 1, '', ('error during connect: this error may indicate that the docker daemon is not running: Get '
                       '"http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.47/info": open //./pipe/docker_engine: The system '
                       'cannot find the file specified.\r\n')
    return 0, docker['root'] + '\r\n', ''


class ActionModule(StandInAction):
    module = 'ansible.windows.win_command'

    def act(self, state, params, check_mode, diff):
        argv = params.get('argv') or []
        host = WindowsHost(state)
        if argv[:2] == ['docker', 'info']:
            answer = docker_info(state)
            if answer is None:
                return {'failed': True, 'changed': True, 'msg': "Could not find file 'docker.exe'.", 'cmd': ' '.join(argv)}
        elif [word.lower() for word in argv] == ['klist.exe', '-li', '0x3e7', 'purge']:
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
