"""A registry key's owner and rules as .NET shows them to a script: RegistryKey handles, RegistrySecurity, and the
privileges of the script's token (tests/standin/windows_facts.yml names the sources).

- A handle keeps the rights it was opened with: TakeOwnership needs SeTakeOwnershipPrivilege enabled (or a rule
  that grants it), ChangePermissions needs the caller to own the key (or a rule that grants it).
- ``SetAccessControl`` writes only the sections of the RegistrySecurity that were changed since
  ``GetAccessControl`` (``Persist``): the owner needs a handle with TakeOwnership, and SeRestorePrivilege enabled to
  give the key an owner other than the caller; the rules need a handle with ChangePermissions.
- ``AdjustTokenPrivileges`` enables only what the token holds and still returns true; the last error then is
  ERROR_NOT_ALL_ASSIGNED (1300).

A key's security in the state file: ``owner`` and ``access`` (rules of ``identity``, ``rights``, ``type``); a key
without them is open to Administrators. Its SDDL form here is the stand-in's own text, not Windows' SDDL.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure

ADMINISTRATORS = 'BUILTIN\\Administrators'
ERROR_NOT_ALL_ASSIGNED = 1300
REGISTRY_DENIED = 'Requested registry access is not allowed.'
# The words of .NET's exceptions for a refused SetAccessControl.
UNAUTHORIZED = 'Attempted to perform an unauthorized operation.'
OWNER_NOT_ALLOWED = 'The security identifier is not allowed to be the owner of this object.'
WRITE_RIGHTS = ('FullControl', 'CreateSubKey')


def administrators_may(rules, rights):
    return any(rule['identity'] == ADMINISTRATORS and rule.get('type', 'Allow') == 'Allow' and rule['rights'] in rights
               for rule in rules)


class Token:
    """The privileges of the script's process token: those the account holds (state ``privileges``, name -> held;
    Administrators hold both the installers use), and those enabled in this run."""

    def __init__(self, state):
        self.held = {'SeTakeOwnershipPrivilege': True, 'SeRestorePrivilege': True}
        self.held.update(state.get('privileges') or {})
        self.enabled = set()

    def adjust(self, name):
        """AdjustTokenPrivileges for one privilege: it returns true; the last error says whether it was enabled."""
        if not self.held.get(name):
            return ERROR_NOT_ALL_ASSIGNED
        self.enabled.add(name)
        return 0


class RegistrySecurity:
    """What GetAccessControl returns: a copy of the key's owner and rules, and the sections changed since."""

    def __init__(self, key):
        self.owner = key.get('owner', ADMINISTRATORS)
        self.access = copy.deepcopy(key.get('access', [{'identity': ADMINISTRATORS, 'rights': 'FullControl', 'type': 'Allow'}]))
        self.changed = set()

    def SetOwner(self, identity):  # noqa: N802 - .NET's names, as the scripts call them
        self.owner = identity
        self.changed.add('Owner')

    def AddAccessRule(self, rule):  # noqa: N802
        self.access.append(dict(rule))
        self.changed.add('Access')

    def GetSecurityDescriptorSddlForm(self, sections):  # noqa: N802
        text = ''
        if 'Owner' in sections:
            text += 'O:%s' % self.owner
        if 'Access' in sections:
            text += 'D:' + ''.join('(%s;%s;%s)' % (rule.get('type', 'Allow'), rule['rights'], rule['identity'])
                                   for rule in self.access)
        return text

    def SetSecurityDescriptorSddlForm(self, sddl, sections):  # noqa: N802
        found = re.fullmatch(r'O:(?P<owner>[^()]*?)D:(?P<rules>(\([^)]*\))*)', sddl)
        if not found:
            raise Failure('The SDDL form of a security descriptor object is invalid.', 'System.ArgumentException')
        if 'Owner' in sections:
            self.owner = found.group('owner')
            self.changed.add('Owner')
        if 'Access' in sections:
            self.access = [dict(zip(('type', 'rights', 'identity'), rule.split(';')))
                           for rule in re.findall(r'\(([^)]*)\)', found.group('rules'))]
            self.changed.add('Access')


class RegistryKey:
    """An open handle on a key, with the rights it was opened with."""

    def __init__(self, host, token, path, rights):
        self.host = host
        self.token = token
        self.path = path
        self.rights = rights

    def GetAccessControl(self):  # noqa: N802
        return RegistrySecurity(self.host.registry_key(self.path))

    def SetAccessControl(self, security):  # noqa: N802
        if security is None:
            raise Failure('Value cannot be null.\r\nParameter name: registrySecurity', 'System.ArgumentNullException')
        key = self.host.registry_key(self.path)
        if 'Owner' in security.changed:
            if 'TakeOwnership' not in self.rights:
                raise Failure(UNAUTHORIZED, 'System.UnauthorizedAccessException')
            if security.owner != ADMINISTRATORS and 'SeRestorePrivilege' not in self.token.enabled:
                raise Failure(OWNER_NOT_ALLOWED, 'System.InvalidOperationException')
        if 'Access' in security.changed and 'ChangePermissions' not in self.rights:
            raise Failure(UNAUTHORIZED, 'System.UnauthorizedAccessException')
        if 'Owner' in security.changed:
            key['owner'] = security.owner
        if 'Access' in security.changed:
            key['access'] = copy.deepcopy(security.access)

    def Close(self):  # noqa: N802
        pass


def open_subkey(host, token, path, rights=()):
    """Registry.LocalMachine.OpenSubKey(path[, ReadWriteSubTree, rights]): None when the key is not there, the
    refusal when a right is not granted."""
    key = host.registry_key(path)
    if key is None:
        return None
    owner = key.get('owner', ADMINISTRATORS) == ADMINISTRATORS
    rules = key.get('access', [{'identity': ADMINISTRATORS, 'rights': 'FullControl'}])
    for right in rights:
        granted = {'ReadPermissions': owner or any(rule['identity'] == ADMINISTRATORS for rule in rules),
                   'TakeOwnership': 'SeTakeOwnershipPrivilege' in token.enabled or administrators_may(rules, ('FullControl',)),
                   'ChangePermissions': owner or administrators_may(rules, ('FullControl',))}[right]
        if not granted:
            raise Failure(REGISTRY_DENIED, 'System.Security.SecurityException')
    return RegistryKey(host, token, path, set(rights))
