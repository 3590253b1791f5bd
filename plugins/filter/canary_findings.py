# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The canary's findings on one container host; the logic is in plugin_utils/_canary."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary import canary_report

DOCUMENTATION = r'''
name: canary_findings
short_description: Tell the cause and fix of what the canary found on a container host
version_added: 0.1.0
author: wincontainers.gmsa maintainers (@wincontainers)
description:
  - Takes what the C(wincontainers.gmsa.container_host) role's canary registered on one host (C(canary) entry point,
    or the smoke test at the end of the role) - per application a short container's C(nltest /sc_verify), C(klist get
    krbtgt) and C(klist get <SPN>), and the host's C(Microsoft-Windows-Containers-CCG/Admin) and NETLOGON 5720 events
    since the first container started - and turns each into a finding with its cause and fix, as the
    M(wincontainers.gmsa.doctor) does for the domain.
  - A filter, and not a module, because the work is pure and runs on the controller - what the host answered in,
    findings out, no connection - so that it can be run on a canary's registered result anywhere, such as a scheduled
    AWX job that sends the findings on. The role and C(playbooks/canary.yml) call it for you.
options:
  _input:
    description:
      - The registered result of the role's canary task (C(ansible.windows.win_powershell) of C(files/canary.ps1)) -
        its C(output), one entry per application with C(application), C(hostname), C(exit_code) and C(output), and its
        C(result), with C(events) and C(ccg_log).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: What the canary found on this host
  ansible.builtin.debug:
    msg: "{{ (container_host_canary_run | wincontainers.gmsa.canary_findings).table }}"

- name: Fail on a finding that failed
  ansible.builtin.assert:
    that: (container_host_canary_run | wincontainers.gmsa.canary_findings).failed == 0
'''

RETURN = r'''
_value:
  description: The findings.
  type: dict
  contains:
    findings:
      description:
        - One per check of each application's container (C(container) when it did not start, else C(sc_verify),
          C(krbtgt), C(service_ticket)) and one per host event, each with C(application) (C((host)) for an event),
          C(name), C(status) (C(ok), C(warning) or C(failed)), C(finding) and C(fix).
      type: list
      elements: dict
    table:
      description: One line per application - its container's host name, each check C(ok), C(FAILED) or C(-) (did not
        run), and the fixes - then one per host event that needs attention.
      type: list
      elements: str
    failed:
      description: How many findings failed.
      type: int
'''


def canary_findings(run):
    if not isinstance(run, dict) or 'output' not in run:
        raise AnsibleFilterError('canary_findings: give the registered result of the container_host role\'s canary task '
                                 '(a dict with output and result)')
    return canary_report(run)


class FilterModule:
    def filters(self):
        return {'canary_findings': canary_findings}
