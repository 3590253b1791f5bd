"""The state of one stand-in machine (a Windows host, a cluster), kept in a JSON file.

The tests write the starting state and read the state afterwards; the stand-in
modules read and change it. Every module execution is recorded in ``calls``,
so that the tests can count round trips, and ``faults`` lets a test make one
execution fail the way a real host can fail, or one file operation inside an
execution (a script that writes several files).
"""

from __future__ import annotations

import fcntl
import json
import os
import re


class ConnectionLost(Exception):
    """The connection was lost while the module ran on the host: what it did until then stays done."""


class StandInState:
    def __init__(self, path):
        self.path = path
        self.data = None
        self._lock = None

    def __enter__(self):
        self._lock = open(self.path + '.lock', 'w')
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        with open(self.path) as state:
            self.data = json.load(state)
        return self

    def __exit__(self, *exc):
        temporary = self.path + '.new'
        with open(temporary, 'w') as state:
            json.dump(self.data, state, indent=1, sort_keys=True)
        os.replace(temporary, self.path)
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        return False

    def record(self, module, params, check_mode):
        self.data.setdefault('calls', []).append({'module': module, 'params': _without_secrets(params),
                                                  'check_mode': check_mode})

    def take_fault(self, module, params):
        """The first fault that matches this execution, removed from the list: it happens once.

        A fault names the module and, optionally, ``matches``: a regular expression that one of the
        arguments' text must match. ``kind`` is ``refuse`` (the module fails, as Windows refuses a
        write) or ``drop`` (the connection is lost before an answer comes back).

        A fault that names a ``path`` is not taken here but by the file operation on that path
        (``take_path_fault``).
        """
        faults = self.data.get('faults') or []
        for index, fault in enumerate(faults):
            if fault.get('path') or fault['module'] != module:
                continue
            if fault.get('matches') and not any(re.search(fault['matches'], str(value)) for value in params.values()):
                continue
            del faults[index]
            if fault['kind'] == 'drop':
                return {'unreachable': True, 'msg': 'stand-in: the connection to the host was lost (%s)' % module}
            return {'failed': True, 'changed': False, 'msg': fault.get('msg') or 'Access to the path is denied.'}
        return None


def take_path_fault(state, path_key):
    """The first fault naming this path (lower case), removed from the list: its kind, or None."""
    faults = state.get('faults') or []
    for index, fault in enumerate(faults):
        if (fault.get('path') or '').lower() == path_key:
            del faults[index]
            return fault['kind']
    return None


def _without_secrets(params):
    return {key: value for key, value in params.items() if key not in ('content', 'script', 'secret_value')}
