"""Model of roles/container_host/files/write_credential_specs.ps1: the CredentialSpecs folder's files written in one
run, each only when its bytes differ, in the order given; the first refusal stops it."""

from __future__ import annotations

import ntpath
import re

from ansible_collections.standin.common.plugins.plugin_utils._powershell import PSCustomObject
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import windows_path

SCRIPT = 'write_credential_specs.ps1'
SHA256 = 'd14e2127071d7d9aa023a9bae0b235337b704153ee8ebf554b5b1c78a0ac0c75'

# What the script's header allows: a file name in the folder itself, a text or $null.
PLAIN_FILE_NAME = re.compile(r'^[^\\/:*?"<>|]+$')


def records_refused(params, text, records, keys):
    """Why params break a header that asks for the text ``text`` and a list ``records`` of dicts with exactly
    ``keys``, or None."""
    if not isinstance(params.get(text), str) or not params[text]:
        return '%s must be a text that is not empty' % text
    if not isinstance(params.get(records), list):
        return '%s must be a list' % records
    for record in params[records]:
        if not isinstance(record, dict) or set(record) != set(keys):
            return 'each of %s must have exactly %s, not %r' % (records, ', '.join(sorted(keys)), record)
    return None


def refused(params):
    """Why the parameters break the script's header, or None."""
    broken = records_refused(params, 'Folder', 'Files', {'name', 'content'})
    for entry in [] if broken else params['Files']:
        if not isinstance(entry['name'], str) or not PLAIN_FILE_NAME.match(entry['name']) or entry['name'] in ('.', '..'):
            return 'name %r is not a file name in the folder itself' % (entry['name'],)
        if entry['content'] is not None and not isinstance(entry['content'], str):
            return 'content of %s must be a text or null, not %s' % (entry['name'], type(entry['content']).__name__)
    return broken


def run(ps, params):
    host = ps.host
    folder = windows_path(params['Folder'])
    ps.stop_on_errors(14, "$ErrorActionPreference = 'Stop'")
    ps.strict_mode(15, 'Set-StrictMode -Version 2.0')
    before, after = {}, {}

    def write_file(entry):
        path = ps.run(35, '$path = Join-Path -Path $Folder -ChildPath $file.name', lambda: ntpath.join(folder, entry['name']))
        old = new = None
        if ps.run(39, 'if (Test-Path -LiteralPath $path -PathType Leaf)', lambda: host.file(path) is not None):
            old = ps.method(39, '$old = [IO.File]::ReadAllBytes($path)', lambda: host.file_bytes(path), 'ReadAllBytes', 1)
        if entry['content'] is not None:
            new = ps.run(40, '$new = $utf8.GetBytes([string]$file.content)', lambda: entry['content'].encode('utf-8'))
        action = 'unchanged'
        if old != new:
            action = 'removed' if new is None else 'written'
            ps.ansible['Changed'] = ps.run(44, '$Ansible.Changed = $true', lambda: True)
            if entry['name'] not in before:
                before[entry['name']] = None if old is None else old.decode('utf-8', 'replace')
            after[entry['name']] = entry['content']
            if ps.should_process(50, '$PSCmdlet.ShouldProcess($path, $action)'):
                if new is None:
                    ps.cmdlet(51, 'Remove-Item -LiteralPath $path -Force', lambda: host.remove_file(path))
                else:
                    ps.method(52, '[IO.File]::WriteAllBytes($path, $new)', lambda: host.write_file(path, entry['content']),
                              'WriteAllBytes', 2)
                if ps.run(53, '(Test-Path -LiteralPath $path -PathType Leaf) -eq ($null -eq $new)',
                          lambda: (host.file(path) is not None) == (new is None)):
                    ps.throw(53, 'throw "$path is not $action"', '%s is not %s' % (path, action))
        ps.emit(PSCustomObject(name=entry['name'], action=action))

    def body():
        ps.ansible['Changed'] = ps.run(28, '$Ansible.Changed = $false', lambda: False)
        if ps.run(29, 'if (-not (Test-Path -LiteralPath $Folder -PathType Container))', lambda: not host.is_directory(folder)):
            ps.ansible['Changed'] = ps.run(30, '$Ansible.Changed = $true', lambda: True)
            if ps.should_process(31, "$PSCmdlet.ShouldProcess($Folder, 'Create the folder')"):
                ps.cmdlet(31, '$null = New-Item -Path $Folder -ItemType Directory -Force', lambda: host.make_directory(folder))
        for entry in params['Files']:
            write_file(entry)
        if before:
            ps.ansible['Diff'] = ps.run(59, '$Ansible.Diff = @{ before = $before; after = $after }',
                                        lambda: {'before': before, 'after': after})

    def fail(record):
        ps.throw(62, 'throw "Writing the credential spec files in $Folder failed: $($_.Exception.Message)"',
                 'Writing the credential spec files in %s failed: %s' % (folder, record['exception']['message']))

    ps.try_(27, 'try {', body, catch=fail)
