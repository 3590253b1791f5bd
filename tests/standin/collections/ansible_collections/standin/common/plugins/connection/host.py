"""The connection to a stand-in machine: it runs nothing.

Every module a role uses on a stand-in host has a stand-in action plugin that
acts on the host's state file. A task whose module has none would reach this
connection, which refuses it by name instead of running it on the controller.
"""

from __future__ import annotations

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = '''
name: host
short_description: The connection to a stand-in machine, which runs no module
description:
  - Refuses every command and file transfer; stand-in action plugins act on the machine's state file instead.
author: wincontainers.gmsa maintainers (@wincontainers)
'''


class Connection(ConnectionBase):
    transport = 'standin.common.host'
    has_pipelining = True

    def _connect(self):
        self._connected = True
        return self

    def _refuse(self, what):
        raise AnsibleConnectionFailure('stand-in host: %s has no stand-in; a module without one cannot run here' % what)

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self._refuse('the command %.60s' % cmd)

    def put_file(self, in_path, out_path):
        self._refuse('copying %s' % out_path)

    def fetch_file(self, in_path, out_path):
        self._refuse('fetching %s' % in_path)

    def close(self):
        self._connected = False
