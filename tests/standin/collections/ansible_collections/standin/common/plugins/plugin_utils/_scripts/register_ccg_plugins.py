"""Model of roles/container_host/files/register_ccg_plugins.ps1: the plug-ins listed under the protected
CCG\\COMClasses key, the key given back its owner and rules, a journal for a run cut off half-way."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure
from ansible_collections.standin.common.plugins.plugin_utils._registry import (
    ADMINISTRATORS, ERROR_NOT_ALL_ASSIGNED, Token, open_subkey,
)

SCRIPT = 'register_ccg_plugins.ps1'
SHA256 = '577de0ddf6d9f02020304cf86d303a51b75cf292e963253d035f6fb97d92cd9a'

PATH = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses'
JOURNAL = 'C:\\ProgramData\\wincontainers-gmsa\\COMClasses.sddl'
SECTIONS = ('Owner', 'Access')


def enable(token, name):
    """CcgPrivilege.Enable, the C# of the script's here-string: ERROR_NOT_ALL_ASSIGNED is a Win32Exception."""
    if token.adjust(name) == ERROR_NOT_ALL_ASSIGNED:
        raise Failure('this account does not hold %s (ERROR_NOT_ALL_ASSIGNED)' % name, 'System.ComponentModel.Win32Exception')


def run(ps, params):
    host, token = ps.host, Token(ps.host.state)
    guids = params.get('Guids') or []
    ps.stop_on_errors(11, "$ErrorActionPreference = 'Stop'")
    ps.strict_mode(12, 'Set-StrictMode -Version 2.0')

    def open_key(rights):
        return ps.method(56, "OpenSubKey($path, 'ReadWriteSubTree', $Rights)",
                         lambda: open_subkey(host, token, PATH, rights), 'OpenSubKey', 3)

    def key_security(key):
        security = ps.method(60, '$Key.GetAccessControl()', lambda: ps.on(key).GetAccessControl(), 'GetAccessControl')
        return ps.method(60, "GetSecurityDescriptorSddlForm('Owner, Access')",
                         lambda: ps.on(security).GetSecurityDescriptorSddlForm(SECTIONS), 'GetSecurityDescriptorSddlForm', 1)

    def set_key_security(key, sddl):
        security = ps.method(65, '$security = $Key.GetAccessControl()', lambda: ps.on(key).GetAccessControl(), 'GetAccessControl')
        ps.method(66, "$security.SetSecurityDescriptorSddlForm($Sddl, 'Owner, Access')",
                  lambda: ps.on(security).SetSecurityDescriptorSddlForm(sddl, SECTIONS), 'SetSecurityDescriptorSddlForm', 2)
        ps.method(67, '$Key.SetAccessControl($security)', lambda: ps.on(key).SetAccessControl(security), 'SetAccessControl', 1)

    def body():
        key = ps.method(71, '[Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($path)', lambda: open_subkey(host, token, PATH),
                        'OpenSubKey', 1)
        if key is None:
            ps.throw(73, 'throw "HKLM:\\$path is missing', 'HKLM:\\%s is missing: this host has no ccg.exe (Windows Server '
                     '2019 or later with the Containers feature)' % PATH[len('HKLM:\\'):])
        missing = ps.run(76, '$missing = @($Guids | Where-Object { -not (Test-Path',
                         lambda: [guid for guid in guids if not host.registry_key('%s\\%s' % (PATH, guid))])
        interrupted = ps.run(77, '$interrupted = Test-Path -LiteralPath $journal', lambda: host.file(JOURNAL) is not None)
        ps.ansible['Changed'] = ps.run(78, '$Ansible.Changed = $missing.Count -gt 0 -or $interrupted',
                                       lambda: bool(missing) or interrupted)
        if not ps.ansible['Changed'] or not ps.should_process(79, '$PSCmdlet.ShouldProcess("HKLM:\\$path"'):
            return
        ps.method(82, "[CcgPrivilege]::Enable('SeTakeOwnershipPrivilege')", lambda: enable(token, 'SeTakeOwnershipPrivilege'),
                  'Enable', 1)
        ps.method(83, "[CcgPrivilege]::Enable('SeRestorePrivilege')", lambda: enable(token, 'SeRestorePrivilege'), 'Enable', 1)
        key = open_key(('ReadPermissions', 'TakeOwnership'))
        ps.run(84, "$key = Open-Key 'ReadPermissions, TakeOwnership'")
        if interrupted:
            saved = ps.method(85, '$saved = [IO.File]::ReadAllText($journal)', lambda: host.file(JOURNAL)['content'],
                              'ReadAllText', 1)
        else:
            saved = key_security(key)
            ps.run(87, '$saved = Get-KeySecurity $key')
            ps.cmdlet(88, 'New-Item -Path (Split-Path -Path $journal -Parent) -ItemType Directory -Force',
                      lambda: host.make_directory('C:\\ProgramData\\wincontainers-gmsa'))
            ps.method(89, '[IO.File]::WriteAllText($journal, $saved)', lambda: host.write_file(JOURNAL, saved), 'WriteAllText', 2)
        security = ps.method(91, '$security = $key.GetAccessControl()', lambda: ps.on(key).GetAccessControl(), 'GetAccessControl')
        ps.method(92, '$security.SetOwner($administrators)', lambda: ps.on(security).SetOwner(ADMINISTRATORS), 'SetOwner', 1)
        ps.method(93, '$key.SetAccessControl($security)', lambda: ps.on(key).SetAccessControl(security), 'SetAccessControl', 1)
        key = open_key(('ReadPermissions', 'TakeOwnership', 'ChangePermissions'))
        ps.run(96, "$key = Open-Key 'ReadPermissions, TakeOwnership, ChangePermissions'")
        security = ps.method(97, '$security = $key.GetAccessControl()', lambda: ps.on(key).GetAccessControl(), 'GetAccessControl')
        ps.method(98, '$security.AddAccessRule([Security.AccessControl.RegistryAccessRule]::new($administrators',
                  lambda: ps.on(security).AddAccessRule({'identity': ADMINISTRATORS, 'rights': 'FullControl', 'type': 'Allow'}),
                  'AddAccessRule', 1)
        ps.method(99, '$key.SetAccessControl($security)', lambda: ps.on(key).SetAccessControl(security), 'SetAccessControl', 1)
        added = []

        def add_subkeys():
            for guid in missing:
                ps.cmdlet(103, '$null = New-Item -Path "HKLM:\\$path\\$guid" -Value \'\'',
                          lambda: host.create_registry_key('%s\\%s' % (PATH, guid)))
                ps.run(104, '$added.Add($guid)', lambda: added.append(guid))

        def take_back(record):
            for guid in added:
                ps.cmdlet(109, 'foreach ($guid in $added) { Remove-Item -LiteralPath "HKLM:\\$path\\$guid" }',
                          lambda: host.remove_registry_key('%s\\%s' % (PATH, guid)))
            ps.rethrow(110, 'throw', record)

        def give_back():
            set_key_security(key, saved)
            ps.run(114, 'Set-KeySecurity $key $saved')
            checked = open_key(('ReadPermissions',))
            ps.run(116, "$key = Open-Key 'ReadPermissions'")
            if ps.run(117, 'if ((Get-KeySecurity $key) -ne $saved)', lambda: key_security(checked) != saved):
                ps.throw(117, 'throw "its owner and rules are not what they were: $saved"',
                         'its owner and rules are not what they were: %s' % saved)
            ps.cmdlet(119, 'Remove-Item -LiteralPath $journal', lambda: host.remove_file(JOURNAL))

        ps.try_(101, 'try {', add_subkeys, catch=take_back, finally_=give_back)
        for guid in missing:
            if not host.registry_key('%s\\%s' % (PATH, guid)):
                ps.throw(122, 'throw "$guid is not listed after it was added"', '%s is not listed after it was added' % guid)

    def fail(record):
        ps.throw(126, 'throw "Listing the ccg.exe plug-ins under HKLM:\\$path failed: $($_.Exception.Message)"',
                 'Listing the ccg.exe plug-ins under %s failed: %s' % (PATH, record['exception']['message']))

    ps.try_(70, 'try {', body, catch=fail)
