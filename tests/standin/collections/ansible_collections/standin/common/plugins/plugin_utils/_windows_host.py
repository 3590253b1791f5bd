"""The stand-in Windows host: files, registry keys, services, features, tickets.

Windows paths and registry keys are case-insensitive; the state keeps them by
their lower-case form, with the spelling they were created with. What each
behaviour is modelled on is named in tests/standin/windows_facts.yml.
"""

from __future__ import annotations

import hashlib
import ntpath

from ansible_collections.standin.common.plugins.plugin_utils._state import ConnectionLost, take_path_fault

# The key ccg.exe reads plug-ins from; its owner and ACL are what the real installers work around.
CCG_COM_CLASSES = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses'

HIVES = {'hkey_local_machine': 'HKLM:', 'hklm': 'HKLM:', 'hklm:': 'HKLM:',
         'hkey_current_user': 'HKCU:', 'hkcu': 'HKCU:', 'hkcu:': 'HKCU:'}

# Microsoft's own words for what the modelled refusals look like (System.UnauthorizedAccessException,
# System.Security.SecurityException).
ACCESS_DENIED = 'Access to the path \'%s\' is denied.'
REGISTRY_DENIED = 'Requested registry access is not allowed.'


def windows_path(path):
    return ntpath.normpath(str(path).replace('/', '\\'))


def key_of(path):
    return windows_path(path).lower()


def registry_path(path):
    """HKLM:\\SOFTWARE\\x whatever the spelling of the hive (HKLM:, HKEY_LOCAL_MACHINE)."""
    hive, _sep, rest = str(path).replace('/', '\\').partition('\\')
    return '%s\\%s' % (HIVES.get(hive.lower(), hive), rest.strip('\\'))


class WindowsHost:
    """Operations on a stand-in host's state (the dict of its JSON file)."""

    def __init__(self, state):
        self.state = state
        for section in ('files', 'directories', 'registry', 'services', 'features', 'packages'):
            state.setdefault(section, {})

    # ------------------------------------------------------------------ files
    def file(self, path):
        return self.state['files'].get(key_of(path))

    def is_directory(self, path):
        return key_of(path) in self.state['directories'] or key_of(path) in ('c:', 'c:\\')

    def parent_exists(self, path):
        return self.is_directory(ntpath.dirname(windows_path(path)))

    def write_file(self, path, content):
        if not self.parent_exists(path):
            raise OSError('Could not find a part of the path \'%s\'.' % windows_path(path))
        self._writable(path)
        self.state['files'][key_of(path)] = {'path': windows_path(path), 'content': content}

    def remove_file(self, path):
        self._writable(path)
        self.state['files'].pop(key_of(path), None)

    def make_directory(self, path):
        path = windows_path(path)
        while not self.is_directory(path):
            self._writable(path)
            self.state['directories'][key_of(path)] = path
            path = ntpath.dirname(path)

    def _writable(self, path):
        """Refused where the path is read-only, or where a test put a fault on it (tests/standin/README.md)."""
        fault = take_path_fault(self.state, key_of(path))
        if fault == 'drop':
            raise ConnectionLost(windows_path(path))
        if fault or key_of(path) in {key_of(item) for item in self.state.get('read_only_paths', [])}:
            raise PermissionError(ACCESS_DENIED % windows_path(path))

    @staticmethod
    def sha1(content):
        return hashlib.sha1(content.encode('utf-8')).hexdigest()

    # --------------------------------------------------------------- registry
    def registry_key(self, path):
        return self.state['registry'].get(registry_path(path).lower())

    def create_registry_key(self, path, as_owner_of_parent=False):
        """A new key; refused where the parent key is protected, unless the caller took ownership of it."""
        path = registry_path(path)
        parent = self.registry_key(path.rsplit('\\', 1)[0])
        if parent and not parent.get('administrators_may_write', True) and not as_owner_of_parent:
            raise PermissionError(REGISTRY_DENIED)
        self.state['registry'][path.lower()] = {'path': path, 'properties': {}}

    # ------------------------------------------------------------- services
    def service(self, name):
        return self.state['services'].get(name.lower())

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

    def gmsa_test(self, name):
        """What test_service_accounts.ps1 reports for one gMSA, by the method the host can use."""
        ad = self.state.get('ad') or {}
        test = {'name': name, 'usable': False, 'method': 'Test-ADServiceAccount', 'reason': ''}
        if not ad.get('adws_reachable', True):
            # The message of Microsoft.ActiveDirectory.Management.ADServerDownException.
            test.update(method='LDAP', adws='Unable to contact the server. This may be because this server does not '
                                            'exist, it is currently down, or it does not have the Active Directory '
                                            'Web Services running.')
        if name not in ad.get('gmsas', []):
            test['reason'] = 'there is no gMSA %s in the domain' % name
        elif name in self.state.get('tickets', []):
            test['usable'] = True
        elif test['method'] == 'LDAP':
            test['reason'] = 'the domain controller does not give this computer the password'
        return test
