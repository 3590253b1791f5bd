"""Model of playbooks/files/host_facts.ps1: what the container_host role assumes of a host, read without a change."""

from __future__ import annotations

import json
import ntpath

from ansible_collections.standin.common.plugins.plugin_utils._docker import docker_info
from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure, Hashtable, PSCustomObject
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import CCG_COM_CLASSES

SCRIPT = 'host_facts.ps1'
SHA256 = 'fc2cb7dabc0cc5b0285390674ce9011290941393ec22842d4c00f03b66edb053'

DAEMON_JSON = 'C:\\ProgramData\\docker\\config\\daemon.json'


def ccg_key(ps):
    host = ps.host
    if not ps.run(14, 'if (-not (Test-Path -LiteralPath $path))', lambda: host.registry_key(CCG_COM_CLASSES) is not None):
        return Hashtable(exists=False)
    key = host.registry_key(CCG_COM_CLASSES)
    return Hashtable(exists=True, owner=ps.run(21, 'owner = $acl.Owner', lambda: key.get('owner', 'BUILTIN\\Administrators')),
                     administrators_may_write=ps.run(17, '$mayWrite = @($acl.Access | Where-Object {',
                                                     lambda: host.administrators_may_write(CCG_COM_CLASSES)),
                     plugins=ps.run(22, 'plugins = @(Get-ChildItem -LiteralPath $path', lambda: host.sub_keys(CCG_COM_CLASSES)))


def adws(ps):
    state = ps.host.state
    member = ((state.get('facts') or {}).get('windows_domain') or {}).get('ansible_windows_domain_member')
    if not ps.run(26, 'if (-not (Get-CimInstance -ClassName Win32_ComputerSystem).PartOfDomain)', lambda: member):
        return Hashtable(checked=False)
    ad = state.get('ad') or {}
    return Hashtable(checked=True, domain_controller=ad.get('domain_controller', 'dc01.gmsa.test'),
                     reachable=ps.run(29, '$reachable = $client.ConnectAsync($dc, 9389).Wait($TimeoutMilliseconds)',
                                      lambda: ad.get('adws_reachable', True)))


def get_content(host, path):
    """Get-Content -Raw: a UTF-8 or UTF-16 byte order mark says the encoding; an empty file is $null."""
    raw = host.file_bytes(path)
    for bom, encoding in ((b'\xef\xbb\xbf', 'utf-8'), (b'\xff\xfe', 'utf-16-le'), (b'\xfe\xff', 'utf-16-be')):
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding)
    return raw.decode('utf-8') or None


def data_root(ps, path):
    text = ps.cmdlet(36, '$text = Get-Content -LiteralPath $Config -Raw', lambda: get_content(ps.host, path))
    if not text or not text.strip():
        ps.run(37, 'if (-not $text -or -not $text.Trim()) { return $null }')
        return None

    def convert():
        try:
            return json.loads(text)
        except ValueError:
            raise Failure('Invalid JSON primitive: %s.' % text.strip()[:20], 'System.ArgumentException') from None

    settings = ps.cmdlet(38, '$settings = $text | ConvertFrom-Json', convert)
    for name in ('data-root', 'graph'):
        if ps.run(40, "if ($settings.PSObject.Properties.Name -contains $name)", lambda: name in settings):
            return settings[name]
    return None


def container_runtime(ps):
    host, state = ps.host, ps.host.state
    docker = ps.cmdlet(46, "$docker = Get-CimInstance -ClassName Win32_Service -Filter \"Name = 'docker'\"",
                       lambda: host.service('docker'))
    runtime = Hashtable(docker_service=None, docker_cli=None,
                        docker_cli_on_path=ps.run(48, 'docker_cli_on_path = [bool](Get-Command -Name docker.exe',
                                                  lambda: host.resolve_program('docker.exe') is not None),
                        containerd_service=ps.run(49, 'containerd_service = [bool](Get-Service -Name containerd',
                                                  lambda: host.service('containerd') is not None),
                        docker_root=None, daemon_json_data_root=None)
    if docker:
        runtime['docker_service'] = ps.run(52, '$runtime.docker_service = "$($docker.State)"',
                                           lambda: 'Running' if docker.get('state') == 'started' else 'Stopped')
        command_line = docker.get('path', '')
        daemon = ps.run(54, "$daemon = if ($docker.PathName -match '^\"([^\"]+)\"')",
                        lambda: command_line.split('"')[1] if command_line.startswith('"') else command_line.split(' ')[0])
        cli = ps.run(55, "$cli = Join-Path -Path (Split-Path -Path $daemon -Parent) -ChildPath 'docker.exe'",
                     lambda: ntpath.join(ntpath.dirname(daemon), 'docker.exe'))
        if ps.run(56, 'if (Test-Path -LiteralPath $cli -PathType Leaf)', lambda: host.file(cli) is not None):
            runtime['docker_cli'] = cli
    if runtime['docker_cli'] and runtime['docker_service'] == 'Running':
        rc, stdout, _stderr = docker_info(state)
        runtime['docker_root'] = ps.run(59, "$runtime.docker_root = & $runtime.docker_cli info --format",
                                        lambda: stdout.strip() if rc == 0 else None)
    if ps.run(62, 'if (Test-Path -LiteralPath $config)', lambda: host.file(DAEMON_JSON) is not None):
        runtime['daemon_json_data_root'] = data_root(ps, DAEMON_JSON)
    return runtime


def run(ps, params):
    ps.stop_on_errors(9, "$ErrorActionPreference = 'Stop'")
    ps.strict_mode(10, 'Set-StrictMode -Version 2.0')
    state = ps.host.state

    def body():
        ps.ansible['Changed'] = ps.run(67, '$Ansible.Changed = $false', lambda: False)
        interfaces = ((state.get('facts') or {}).get('interfaces') or {}).get('ansible_interfaces') or []
        ps.emit(PSCustomObject(
            ccg_com_classes=ccg_key(ps), adws=adws(ps), runtime=container_runtime(ps),
            adapters_with_gateway=ps.run(72, 'adapters_with_gateway = @(Get-NetIPConfiguration',
                                         lambda: [item['connection_name'] for item in interfaces if item.get('default_gateway')]),
            os_build=ps.run(73, 'os_build = [Environment]::OSVersion.Version.Build', lambda: state.get('os_build', 20348))))

    def fail(record):
        ps.throw(77, 'throw "Reading the host\'s facts failed: $($_.Exception.Message)"',
                 "Reading the host's facts failed: %s" % record['exception']['message'])

    ps.try_(66, 'try {', body, catch=fail)
