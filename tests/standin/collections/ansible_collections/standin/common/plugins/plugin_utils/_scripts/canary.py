"""Model of roles/container_host/files/canary.ps1: a short container per application with its credential spec and a
host name of its own, the checks run inside it, then the host's CCG and NETLOGON 5720 events since the first one."""

from __future__ import annotations

import datetime
import uuid

from ansible_collections.standin.common.plugins.plugin_utils._docker import CCG_LOG, docker_run
from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure, Hashtable, PSCustomObject

SCRIPT = 'canary.ps1'
SHA256 = 'a264246ee808d095558ed0d1028e5f800a7426ca7028ddec5827c00f87009d89'

NO_EVENTS = 'No events were found that match the specified selection criteria.'


def refused(params):
    """Why the parameters break the script's header, or None."""
    if not all(isinstance(params.get(name), str) and params[name] for name in ('Image', 'Isolation', 'Docker')):
        return 'Image, Isolation and Docker must be texts that are not empty'
    if params['Isolation'] not in ('process', 'hyperv'):
        return 'Isolation must be process or hyperv, not %r' % params['Isolation']
    for test in params.get('Tests') or []:
        if not isinstance(test, dict) or set(test) != {'application', 'file_name', 'hostname_prefix', 'command'}:
            return 'each of Tests must have exactly application, command, file_name, hostname_prefix, not %r' % (test,)
        if not 1 <= len(test['hostname_prefix']) <= 6:
            return 'hostname_prefix %r must have 1 to 6 characters, for host names of at most 15' % test['hostname_prefix']
    return None


def iso(seconds):
    """DateTime.ToUniversalTime().ToString('o')."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.0000000Z')


def get_win_event(host, since, log, provider=None, event_id=None):
    found = host.events(log, since, provider, event_id)
    if not found:
        raise Failure(NO_EVENTS, 'System.Exception', 'NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand',
                      'ObjectNotFound')
    return found


def run(ps, params):
    host = ps.host
    ps.stop_on_errors(19, "$ErrorActionPreference = 'Stop'")
    ps.strict_mode(20, 'Set-StrictMode -Version 2.0')
    docker = params['Docker']

    def invoke_docker(arguments):
        with ps.function_scope():
            ps.run(25, "$ErrorActionPreference = 'Continue'", lambda: setattr(ps, 'preference', 'Continue'))

            def run_docker():
                if host.resolve_program(docker) is None:
                    raise Failure("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                                  'operable program.' % docker, 'System.Management.Automation.CommandNotFoundException',
                                  'CommandNotFoundException', 'ObjectNotFound')
                exit_code, text = docker_run(host, *arguments)
                return exit_code, ([] if exit_code in (1, 125) else text.split('\n')), (text.split('\n') if exit_code in (1, 125) else [])

            lines = ps.native(26, '$lines = & $Docker @Arguments 2>&1', run_docker, merged_stderr=True) or []
            return {'exit_code': ps.last_exit_code, 'output': '\n'.join(lines).strip()}

    def events_since(since, log, provider=None, event_id=None):
        found = []

        def read():
            found.extend(ps.cmdlet(31, 'try { Get-WinEvent -FilterHashtable $Filter }',
                                   lambda: get_win_event(host, since, log, provider, event_id)))

        def unless_none(record):
            if not record['fully_qualified_error_id'].startswith('NoMatchingEventsFound'):
                ps.rethrow(34, "if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { throw }", record)

        ps.try_(31, 'try { Get-WinEvent -FilterHashtable $Filter }', read, catch=unless_none)
        return found

    def body():
        ps.ansible['Changed'] = ps.run(39, '$Ansible.Changed = $false', lambda: False)
        if not ps.run(40, 'if (-not (Test-Path -LiteralPath $Docker -PathType Leaf))', lambda: host.file(docker) is not None):
            ps.throw(41, 'throw "docker.exe is not at $Docker', 'docker.exe is not at %s (beside the docker service\'s '
                     'dockerd.exe), so no container can start' % docker)
        since = ps.run(43, '$since = Get-Date', host.now)
        for test in params.get('Tests') or []:
            hostname = ps.run(45, "$hostname = '{0}-{1}' -f $test.hostname_prefix, [Guid]::NewGuid().ToString('N').Substring(0, 8)",
                              lambda: '%s-%s' % (test['hostname_prefix'], uuid.uuid4().hex[:8]))
            result = invoke_docker((test['file_name'], hostname, params['Isolation'], params['Image'], test['command']))
            ps.run(46, "$run = Invoke-Docker @('run', '--rm', '--security-opt', \"credentialspec=file://$($test.file_name)\",")
            ps.emit(PSCustomObject(application=test['application'], hostname=hostname, exit_code=result['exit_code'],
                                   output=result['output']))
        ccg = ps.run(51, '$ccg = [bool](Get-WinEvent -ListLog $ccgLog -ErrorAction SilentlyContinue)',
                     lambda: bool((host.state.get('features', {}).get('Containers') or {}).get('installed')))
        events = []
        if ccg:
            events = events_since(since, CCG_LOG)
        events = events + events_since(since, 'System', 'NETLOGON', 5720)
        ps.ansible['Result'] = ps.run(55, '$Ansible.Result = @{', lambda: Hashtable(
            since=iso(since), ccg_log=ccg,
            events=[Hashtable(log=event['log'], id=event['id'], provider=event['provider'], level=event['level'],
                              time=iso(event['time']), message=event['message']) for event in events]))

    def fail(record):
        ps.throw(65, 'throw "The canary failed: $($_.Exception.Message)"',
                 'The canary failed: %s' % record['exception']['message'])

    ps.try_(38, 'try {', body, catch=fail)
