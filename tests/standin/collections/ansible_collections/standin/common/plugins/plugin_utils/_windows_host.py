"""The stand-in Windows host: files, registry keys, services, features, tickets, containers and event logs.

Windows paths and registry keys are case-insensitive; the state keeps them by their lower-case form, with the
spelling they were created with. A refusal is raised as the .NET exception Windows raises (``Failure``), which the
stand-in modules turn into their failure and the script models into PowerShell's error semantics (_powershell.py).
What each behaviour is modelled on is named in tests/standin/windows_facts.yml.
"""

from __future__ import annotations

import hashlib
import ntpath

from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure
from ansible_collections.standin.common.plugins.plugin_utils._registry import REGISTRY_DENIED, WRITE_RIGHTS, administrators_may
from ansible_collections.standin.common.plugins.plugin_utils._state import ConnectionLost, take_path_fault

# The key ccg.exe reads plug-ins from; its owner and rules are what the real installers work around.
CCG_COM_CLASSES = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses'
# Where a plug-in's installer registers its COM class.
COM_CLASS = 'HKLM:\\SOFTWARE\\Classes\\CLSID\\%s'

HIVES = {'hkey_local_machine': 'HKLM:', 'hklm': 'HKLM:', 'hklm:': 'HKLM:',
         'hkey_current_user': 'HKCU:', 'hkcu': 'HKCU:', 'hkcu:': 'HKCU:'}

# Microsoft's own words for what the modelled refusals look like (System.UnauthorizedAccessException).
ACCESS_DENIED = 'Access to the path \'%s\' is denied.'
# How a text file's bytes are kept, for the encodings Windows tools write (a stand-in file keeps its text).
ENCODINGS = {'utf-8': 'utf-8', 'utf-8-bom': 'utf-8-sig', 'utf-16': 'utf-16'}


def windows_path(path):
    return ntpath.normpath(str(path).replace('/', '\\'))


def key_of(path):
    return windows_path(path).lower()


def registry_path(path):
    """HKLM:\\SOFTWARE\\x whatever the spelling of the hive (HKLM:, HKEY_LOCAL_MACHINE)."""
    hive, _sep, rest = str(path).replace('/', '\\').partition('\\')
    return '%s\\%s' % (HIVES.get(hive.lower(), hive), rest.strip('\\'))


def is_unc(path):
    return str(path).startswith('\\\\')


class WindowsHost:
    """Operations on a stand-in host's state (the dict of its JSON file)."""

    def __init__(self, state):
        self.state = state
        for section in ('files', 'directories', 'registry', 'services', 'features', 'packages'):
            state.setdefault(section, {})

    # ------------------------------------------------------------------ files
    def file(self, path):
        return self.state['files'].get(key_of(path))

    def file_bytes(self, path):
        """The file's bytes as the tool that wrote it encoded its text (``encoding``, UTF-8 without a BOM unless said)."""
        found = self.file(path)
        return found['content'].encode(ENCODINGS[found.get('encoding', 'utf-8')])

    def readable_file(self, path, network_identity=None):
        """A local file, or one on a network share (\\\\server\\share\\...) that ``network_identity`` may read
        (``shares``: share -> its ``readers``); None when the task cannot reach it."""
        if not is_unc(path):
            return self.file(path)
        server, share = windows_path(path).lstrip('\\').split('\\')[:2]
        readers = ((self.state.get('shares') or {}).get(('\\\\%s\\%s' % (server, share)).lower()) or {}).get('readers', [])
        allowed = network_identity and network_identity.lower() in {reader.lower() for reader in readers}
        return self.file(path) if allowed else None

    def is_directory(self, path):
        return key_of(path) in self.state['directories'] or key_of(path) in ('c:', 'c:\\')

    def parent_exists(self, path):
        return self.is_directory(ntpath.dirname(windows_path(path)))

    def write_file(self, path, content):
        if not self.parent_exists(path):
            raise Failure('Could not find a part of the path \'%s\'.' % windows_path(path), 'System.IO.DirectoryNotFoundException')
        self.writable(path)
        self.state['files'][key_of(path)] = {'path': windows_path(path), 'content': content}

    def remove_file(self, path):
        self.writable(path)
        self.state['files'].pop(key_of(path), None)

    def make_directory(self, path):
        path = windows_path(path)
        while not self.is_directory(path):
            self.writable(path)
            self.state['directories'][key_of(path)] = path
            path = ntpath.dirname(path)

    def writable(self, path, denied=None):
        """Refused where the path is read-only, or where a test put a fault on it (tests/standin/README.md)."""
        fault = take_path_fault(self.state, key_of(path))
        if fault == 'drop':
            raise ConnectionLost(windows_path(path))
        if fault or key_of(path) in {key_of(item) for item in self.state.get('read_only_paths', [])}:
            raise denied or Failure(ACCESS_DENIED % windows_path(path), 'System.UnauthorizedAccessException',
                                    category='PermissionDenied')

    @staticmethod
    def sha1(content):
        return hashlib.sha1(content.encode('utf-8')).hexdigest()

    # --------------------------------------------------------------- registry
    def registry_key(self, path):
        return self.state['registry'].get(registry_path(path).lower())

    def sub_keys(self, path):
        prefix = registry_path(path).lower() + '\\'
        return sorted(entry['path'][len(prefix):] for name, entry in self.state['registry'].items()
                      if name.startswith(prefix) and '\\' not in name[len(prefix):])

    def create_registry_key(self, path):
        """New-Item on a key: refused where the parent's rules do not let Administrators add a subkey."""
        path = registry_path(path)
        parent = self.registry_key(path.rsplit('\\', 1)[0])
        denied = Failure(REGISTRY_DENIED, 'System.Security.SecurityException', category='PermissionDenied')
        self.writable(path, denied)
        if parent and 'access' in parent and not administrators_may(parent['access'], WRITE_RIGHTS):
            raise denied
        self.state['registry'][path.lower()] = {'path': path, 'properties': {}}

    def remove_registry_key(self, path):
        self.writable(registry_path(path), Failure(REGISTRY_DENIED, 'System.Security.SecurityException'))
        self.state['registry'].pop(registry_path(path).lower(), None)

    def administrators_may_write(self, path):
        key = self.registry_key(path)
        return 'access' not in key or administrators_may(key['access'], WRITE_RIGHTS)

    # ------------------------------------------------------------- services
    def service(self, name):
        return self.state['services'].get(name.lower())

    # --------------------------------------------------- programs on the PATH
    def resolve_program(self, name):
        """The full path CreateProcess runs for ``name``: as given when it has a folder, else the first folder of the
        WinRM service's PATH (``winrm_path``) that holds it; None when there is no such file. A program is a file
        of the host like any other."""
        if '\\' in name:
            return windows_path(name) if self.file(name) else None
        for folder in self.state.get('winrm_path', []):
            candidate = ntpath.join(folder, name if name.lower().endswith('.exe') else name + '.exe')
            if self.file(candidate):
                return windows_path(candidate)
        return None

    # ------------------------------------------- the domain, as the host sees it
    # ad.readable: the gMSAs whose group the computer account is in, as the DC the host asks knows it;
    # ad.pending: gMSA -> ticket refreshes until a group change made on another DC reaches that DC;
    # tickets: the gMSAs the SYSTEM logon session's current Kerberos tickets let it read.
    def refresh_tickets(self):
        """klist -li 0x3e7 purge, or a restart: the next tickets carry the membership the DC knows now."""
        ad = self.state.setdefault('ad', {})
        pending = ad.setdefault('pending', {})
        for name in list(pending):
            pending[name] -= 1
            if pending[name] <= 0:
                del pending[name]
                ad.setdefault('readable', []).append(name)
        self.state['tickets'] = sorted(set(ad.get('readable', [])))

    # ------------------------------------------------------------ the clock
    def now(self):
        """The host's clock, in seconds: it moves on only as the models make time pass."""
        return self.state.setdefault('clock', 1_800_000_000)

    def wait(self, seconds):
        self.state['clock'] = self.now() + seconds

    # ------------------------------------------------------------ event logs
    def log_event(self, log, provider, event_id, level, message):
        self.state.setdefault('events', []).append({'log': log, 'provider': provider, 'id': event_id, 'level': level,
                                                    'time': self.now(), 'message': message})

    def events(self, log, since, provider=None, event_id=None):
        return [event for event in self.state.get('events', []) if event['log'] == log and event['time'] >= since
                and provider in (None, event['provider']) and event_id in (None, event['id'])]
