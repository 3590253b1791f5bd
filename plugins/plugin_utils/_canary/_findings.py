# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What the canary found on a host, as findings with their cause and fix in the doctor's style, and its table.

The causes follow Microsoft's own troubleshooting of gMSAs for Windows containers (a TGT without a secure channel
points at the gMSA, no TGT at DNS or the network) and its table of the Microsoft-Windows-Containers-CCG/Admin events;
NETLOGON 5720 in a container host's log is the race of containers that share a gMSA and a host name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary._plan import CHECKS
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import (
    FAILED,
    OK,
    WARNING,
    Check,
    failed,
    ok,
    warning,
)

TITLES = {'sc_verify': 'secure channel', 'krbtgt': 'TGT', 'service_ticket': 'service ticket'}
HOST = '(host)'
VERIFY = 'run playbooks/verify.yml for the gMSA\'s side of the chain'

# docker's words when the container did not start: the finding and the fix.
NOT_STARTED = (
    ('0xc0370101', 'the image is built for another Windows build than the host\'s, which process isolation refuses',
     'leave container_host_canary_image empty (the servercore image of the host\'s build is used), name an image of '
     'the host\'s build, or install Hyper-V for Hyper-V isolation'),
    ('invalid credential spec', 'the credential spec file is not in Docker\'s CredentialSpecs folder',
     'run the container_host role (playbooks/site.yml) to write it'),
    ('docker daemon is not running', 'the docker service is not running', 'start the docker service'),
    ('required feature is not installed', 'Hyper-V isolation needs the Hyper-V feature, which the host does not have',
     'install Hyper-V, or run an image of the host\'s build with process isolation'),
    ('unable to find image', 'the image is not on the host and could not be pulled',
     'pull it on the host (docker pull), or set container_host_canary_image to an image the host has'),
)

# Microsoft-Windows-Containers-CCG/Admin, as Microsoft's troubleshooting page lists them: status, finding, fix.
CCG_EVENTS = {
    1: (OK, 'ccg.exe loaded the plug-in the credential spec names', ''),
    2: (OK, 'ccg.exe fetched the gMSA\'s credentials with the plug-in', ''),
    3: (FAILED, 'ccg.exe could not parse the credential spec',
        'write the credential spec again (the container_host role) and check plugin.guid and plugin.input'),
    4: (FAILED, 'ccg.exe could not load the plug-in',
        'install the plug-in (plugin.installer) and check its COM registration; playbooks/host_facts.yml lists the '
        'plug-ins under CCG\\COMClasses'),
    6: (FAILED, 'the plug-in loaded but could not fetch the portable user\'s credentials',
        'check plugin.input and that the host may read the secret store (its managed identity, IAM role or the '
        'Kubernetes secret); the service_accounts role delivers the credentials there'),
    7: (OK, 'ccg.exe fetched the credentials again because the gMSA\'s password had expired', ''),
    8: (FAILED, 'the credentials the plug-in returned could not fetch the gMSA\'s password',
        'the portable user must be in the group allowed to read the password (the service_accounts role adds it), '
        'with the password the secret store holds; ' + VERIFY),
}
NETLOGON_5720 = ('a container\'s session setup to a domain controller failed: containers that share a gMSA and a host '
                 'name take the secure channel from each other',
                 'give each container a host name of its own (docker run --hostname; windows-gmsa\'s randomHostname on '
                 'Kubernetes), as the canary does')


@dataclass(frozen=True)
class Finding:
    """A check of one application (or of the host, for its events) and what it found."""
    application: str
    check: Check

    def as_dict(self):
        return dict(self.check.as_dict(), application=self.application)


def checks_run(output):
    """{check: (exit code, what it asked for, what it printed)} from the container's output, each check ending at its
    marker line."""
    found, text = {}, []
    for line in (output or '').splitlines():
        marker = re.match(r'^::(\w+) (-?\d+) (\S+)\s*$', line)
        if marker:
            found[marker.group(1)] = (int(marker.group(2)), marker.group(3), '\n'.join(text).strip())
            text = []
        else:
            text.append(line)
    return found


def not_started(test):
    output = test.get('output') or ''
    for words, finding, fix in NOT_STARTED:
        if words in output.lower():
            return failed('container', finding, fix)
    first_line = output.strip().splitlines()[0] if output.strip() else 'no output'
    return failed('container', 'docker could not start the container (exit code %s): %s' % (test.get('exit_code'), first_line),
                  'see docker\'s words; the container_host role\'s README lists what the canary needs')


def check_finding(name, checks):
    """The finding of one check inside the container, told apart by what the other checks found."""
    if name not in checks:
        return failed(name, 'the %s check did not run in the container' % TITLES[name],
                      'use a servercore image (it has nltest and klist)')
    exit_code, target, text = checks[name]
    if exit_code == 0:
        return ok(name, text.splitlines()[-1] if text else '%s ok' % TITLES[name])
    tgt = checks.get('krbtgt', (1,))[0] == 0
    if name == 'krbtgt':
        return failed(name, 'no Kerberos TGT in the container: the container cannot reach a domain controller, or the '
                            'host cannot get the gMSA\'s password',
                      'check the DNS servers and firewall between the container and the DCs (TCP/UDP 53, 88, 389); '
                      'outside the domain the CCG events say more; ' + VERIFY)
    if name == 'sc_verify' and tgt:
        return failed(name, 'a TGT but no secure channel (nltest /sc_verify): the gMSA is misconfigured, or another '
                            'container of this gMSA answers to the same host name',
                      'check the gMSA\'s userAccountControl keeps WORKSTATION_TRUST_ACCOUNT, give containers host names of '
                      'their own; ' + VERIFY)
    if name == 'service_ticket' and tgt:
        return failed(name, 'a TGT but no service ticket for %s: the SPN is not the gMSA\'s, or another account holds it'
                            % target,
                      'add the SPN to the application (spns) and run playbooks/site.yml; playbooks/report.yml names SPNs '
                      'held twice')
    return failed(name, '%s failed as the TGT did: %s' % (TITLES[name], (text.splitlines() or ['no output'])[-1]),
                  'mend the TGT first')


def test_findings(test):
    """Every check of one application's container: one finding each, or why the container did not start."""
    checks = checks_run(test.get('output'))
    if not checks:
        return [Finding(test['application'], not_started(test))]
    return [Finding(test['application'], check_finding(name, checks)) for name in CHECKS]


def event_finding(event):
    if event.get('provider') == 'NETLOGON' and event.get('id') == 5720:
        return Finding(HOST, failed('netlogon_5720', NETLOGON_5720[0] + ' (%s)' % event.get('message', ''), NETLOGON_5720[1]))
    status, finding, fix = CCG_EVENTS.get(event.get('id'), (WARNING, 'an event this collection does not know', 'read it in '
                                                            'the Event Viewer'))
    return Finding(HOST, Check('ccg_event_%s' % event.get('id'), status, '%s: %s' % (finding, event.get('message', '')), fix))


def event_findings(result):
    found = [event_finding(event) for event in result.get('events') or []]
    if not result.get('ccg_log', True):
        found.append(Finding(HOST, warning('ccg_log', 'the Microsoft-Windows-Containers-CCG/Admin log is missing: the host '
                                                      'has no ccg.exe', 'install the Containers feature (the role does)')))
    return found


def table(tests, findings):
    """One row per application, like verify's: its container, each check ok or FAILED (- when it did not run), and
    the fixes; then a row per host event that needs attention."""
    header = ['application', 'container'] + [TITLES[name] for name in CHECKS] + ['fix']
    lines = [header]
    for test in tests:
        own = [finding.check for finding in findings if finding.application == test['application']]
        by_name = {check.name: check for check in own}
        cells = ['-' if name not in by_name else 'ok' if by_name[name].status == OK else 'FAILED' for name in CHECKS]
        container = test.get('hostname', '-') if 'container' not in by_name else 'not started'
        fixes = [check.fix for check in own if check.status != OK and check.fix]
        lines.append([test['application'], container] + cells + ['; '.join(dict.fromkeys(fixes)) or '-'])
    for finding in findings:
        if finding.application == HOST and finding.check.status != OK:
            lines.append([HOST, 'event ' + finding.check.name] + ['-'] * len(CHECKS) + [finding.check.fix])
    widths = [max(len(line[column]) for line in lines) for column in range(len(header) - 1)]
    return [' | '.join([cell.ljust(width) for cell, width in zip(line, widths)] + [line[-1]]).rstrip() for line in lines]


def canary_report(run):
    """What the canary found on one host, from the registered result of the role's canary task: its findings, its
    table, and how many findings failed."""
    tests = run.get('output') or []
    findings = [finding for test in tests for finding in test_findings(test)] + event_findings(run.get('result') or {})
    return {'findings': [finding.as_dict() for finding in findings], 'table': table(tests, findings),
            'failed': sum(1 for finding in findings if finding.check.status == FAILED)}
