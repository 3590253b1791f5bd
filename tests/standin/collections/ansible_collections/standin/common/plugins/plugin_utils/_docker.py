"""Docker on the stand-in Windows host: docker info, and a container run with a credential spec.

A run is modelled from what Microsoft and Docker document (tests/standin/windows_facts.yml): dockerd reads
``file://`` specs in <Docker root>\\CredentialSpecs; process isolation needs an image of the host's own build
(0xc0370101 otherwise), Hyper-V isolation the Hyper-V feature; the container runs as the gMSA when the host's tickets
let it read the password (domain-joined) or ccg.exe's plug-in hands it credentials that may (outside the domain),
and ccg.exe logs each step to Microsoft-Windows-Containers-CCG/Admin; containers that share a gMSA and a host name
race at the DC and lose their secure channel (NETLOGON 5720). Inside, the container runs the command the way
``cmd /v:on /c`` does: commands joined with ``&``, each ``!errorlevel!`` the exit code of the one before. Exit codes
and the events are modelled; the commands' texts are illustrative.
"""

from __future__ import annotations

import hashlib
import json
import ntpath
import re

from ansible_collections.standin.common.plugins.plugin_utils._windows_host import CCG_COM_CLASSES, COM_CLASS, WindowsHost

CCG_LOG = 'Microsoft-Windows-Containers-CCG/Admin'
# Windows Server builds and the servercore images of each (Microsoft's version compatibility page).
BUILDS = {'ltsc2019': 17763, 'ltsc2022': 20348, 'ltsc2025': 26100}
DAEMON_DOWN = ('error during connect: this error may indicate that the docker daemon is not running: open '
               '//./pipe/docker_engine: The system cannot find the file specified.')
OS_MISMATCH = ('docker: Error response from daemon: container %s encountered an error during CreateContainer: failure in '
               'a Windows system call: The operating system of the container does not match the operating system of '
               'the host. (0xc0370101)')
NO_HYPERV = ('docker: Error response from daemon: container %s encountered an error during hcs::CreateComputeSystem: '
             'The virtual machine could not be started because a required feature is not installed.')
NO_SPEC = ('docker: Error response from daemon: invalid credential spec security option - value credentialspec=file://%s: '
           'open %s: The system cannot find the file specified.')


def docker_info(state):
    """``docker info --format {{.DockerRootDir}}``: (rc, stdout, stderr)."""
    service = (state.get('services') or {}).get('docker') or {}
    if service.get('state') != 'started':
        return 1, '', ('error during connect: this error may indicate that the docker daemon is not running: Get '
                       '"http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.47/info": open //./pipe/docker_engine: The system '
                       'cannot find the file specified.\r\n')
    return 0, state['docker']['root'] + '\r\n', ''


def image_build(image, host_build):
    tag = image.rsplit(':', 1)[-1]
    found = re.match(r'10\.0\.(\d+)', tag)
    return int(found.group(1)) if found else BUILDS.get(tag, host_build)


class Container:
    """One ``docker run --rm`` with a credential spec: what the container can do, and what the host logs."""

    def __init__(self, host: WindowsHost, spec, hostname):
        self.host = host
        self.spec = spec
        self.hostname = hostname
        config = spec['DomainJoinConfig']
        self.account = config['MachineAccountName']
        self.domain = config['DnsName']
        self.netbios = config['NetBiosName']
        self.identity = self._identity()
        self.secure_channel = self.identity and not self._races()

    def _identity(self):
        """Whether the container gets the gMSA's credentials; ccg.exe logs each step outside the domain."""
        state = self.host.state
        host_account = self.spec['ActiveDirectoryConfig'].get('HostAccountConfig')
        if not host_account:
            return self.account in state.get('tickets', [])
        guid = host_account['PluginGUID']
        if not (self.host.registry_key('%s\\%s' % (CCG_COM_CLASSES, guid)) and self.host.registry_key(COM_CLASS % guid)):
            self._ccg(4, 'Error', 'Container Credential Guard failed to instantiate the plug-in: %s. Error: Class not '
                                  'registered' % guid)
            return False
        self._ccg(1, 'Information', 'Container Credential Guard instantiated the plug-in')
        if guid in state.get('plugin_failures', []):
            self._ccg(6, 'Error', 'Container Credential Guard failed to fetch credentials from the plug-in: %s. Error: '
                                  'Access is denied.' % guid)
            return False
        if self.account in (state.get('ad') or {}).get('portable_denied', []):
            self._ccg(8, 'Error', 'Container Credential Guard failed to fetch gmsa credentials for %s using plugin %s. '
                                  'Error reason: Access is denied.' % (self.account, guid))
            return False
        self._ccg(2, 'Information', 'Container Credential Guard fetched gmsa credentials for %s using plug-in: %s'
                  % (self.account, guid))
        return True

    def _ccg(self, event_id, level, message):
        self.host.log_event(CCG_LOG, 'Microsoft-Windows-Containers-CCG', event_id, level, message)

    def _races(self):
        """Another container of the same gMSA answers to the same host name: the DC keeps only one secure channel."""
        for other in self.host.state.get('containers', []):
            if other['gmsa'].lower() == self.account.lower() and other['hostname'].lower() == self.hostname.lower():
                self.host.log_event('System', 'NETLOGON', 5720, 'Error',
                                    'The session setup to the Windows Domain Controller \\\\dc01.%s for the domain %s '
                                    'failed because the computer %s does not have a local security database account.'
                                    % (self.domain, self.netbios, self.hostname.upper()))
                return True
        return False

    def command(self, words):
        """One command of the cmd line: (exit code, text)."""
        if words[:1] == ['nltest'] and len(words) == 2 and words[1].lower().startswith('/sc_verify:'):
            if self.secure_channel:
                return 0, ('Flags: b0 HAS_IP  HAS_TIMESERV\nTrusted DC Name \\\\dc01.%s\nTrusted DC Connection Status '
                           'Status = 0 0x0 NERR_Success\nThe command completed successfully' % self.domain)
            return 1, 'I_NetLogonControl failed: Status = 1311 0x51f ERROR_NO_LOGON_SERVERS'
        if words[:2] == ['klist', 'get'] and len(words) == 3:
            if self.identity and self._known_target(words[2]):
                return 0, ('Current LogonId is 0:0x3e4\nA ticket to %s has been retrieved successfully.' % words[2])
            status = '0xc000005e/-1073741730' if not self.identity else '0x80090303/-2146893053'
            return 1, 'Current LogonId is 0:0x3e4\nError calling API LsaCallAuthenticationPackage (GetTicket substatus): ' \
                      '%s\nklist failed with %s' % (status, status)
        return 9009, '\'%s\' is not recognized as an internal or external command,\noperable program or batch file.' % words[0]

    def _known_target(self, target):
        if target.lower() == 'krbtgt':
            return True
        spns = ((self.host.state.get('ad') or {}).get('spns') or {}).get(self.account)
        if spns is None:
            spns = ['host/%s' % self.account, 'host/%s.%s' % (self.account, self.domain)]
        return target.lower() in {spn.lower() for spn in spns}

    def run_cmd(self, line):
        """cmd /v:on /c ``line``: the commands in order, !errorlevel! the exit code of the one before."""
        texts, exit_code = [], 0
        for part in line.split(' & '):
            words = part.split()
            if words[:1] == ['echo']:
                texts.append(' '.join(words[1:]).replace('!errorlevel!', str(exit_code)))
                exit_code = 0
                continue
            exit_code, text = self.command(words)
            texts.append(text)
        return exit_code, '\n'.join(texts)


def docker_run(host: WindowsHost, file_name, hostname, isolation, image, cmd_line):
    """``docker run --rm --security-opt credentialspec=file://<file> --hostname <h> --isolation=<i> <image> cmd /v:on
    /c <line>``: (exit code, output)."""
    state = host.state
    if ((state.get('services') or {}).get('docker') or {}).get('state') != 'started':
        return 1, DAEMON_DOWN
    container_id = hashlib.sha256((file_name + hostname).encode('utf-8')).hexdigest()
    host_build = state.get('os_build', 20348)
    if isolation == 'process' and image_build(image, host_build) != host_build:
        return 125, OS_MISMATCH % container_id
    if isolation == 'hyperv' and not (state.get('features', {}).get('Hyper-V') or {}).get('installed'):
        return 125, NO_HYPERV % container_id
    path = ntpath.join(state['docker']['root'], 'CredentialSpecs', file_name)
    found = host.file(path)
    if not found:
        return 125, NO_SPEC % (file_name, path)
    host.wait(5)
    return Container(host, json.loads(found['content']), hostname).run_cmd(cmd_line)
