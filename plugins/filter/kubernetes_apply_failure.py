# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one line the kubernetes role fails with when an apply fails; the wording is in plugin_utils/_field_managers."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._field_managers import apply_failure

DOCUMENTATION = r'''
name: kubernetes_apply_failure
author: wincontainers.gmsa maintainers (@wincontainers)
version_added: 0.1.0
short_description: One line for a failed server-side apply of the kubernetes role
description:
  - Takes the result of a failed C(kubernetes.core.k8s) task (one result, or a loop's, as C(ansible_failed_result)
    holds it in a C(rescue)) and returns one line.
  - When the API server refused the apply because another field manager owns a field that would change (HTTP 409,
    Conflict), the line names each such manager and field, the objects that manager holds fields of (from
    O(owners)) and what to do; it is made of those names only, never of a value.
  - Any other failure is the module's own first line, or with O(hide_answer) a fixed sentence, for a task whose
    answer may hold a password.
positional: _input, owners
options:
  _input:
    description: The failed task's result.
    type: dict
    required: true
  owners:
    description: C(owners) of C(wincontainers.gmsa.kubernetes_cluster_plan).
    type: dict
    required: true
  hide_answer:
    description: Whether to leave out the module's message for a failure that is not a conflict.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Apply, and say who owns a field the apply would change
  block:
    - name: Apply
      kubernetes.core.k8s:
        definition: "{{ cluster.apply[0].resources }}"
        apply: true
        server_side_apply:
          field_manager: wincontainers-gmsa
  rescue:
    - name: Stop with one line
      ansible.builtin.fail:
        msg: "{{ ansible_failed_result | wincontainers.gmsa.kubernetes_apply_failure(cluster.owners) }}"
'''

RETURN = r'''
_value:
  description: The line.
  type: str
'''


def kubernetes_apply_failure(result, owners, hide_answer=False):
    if not isinstance(result, dict):
        raise AnsibleFilterError('kubernetes_apply_failure: give the result of the failed kubernetes.core.k8s task')
    return apply_failure(result, owners or {}, hide_answer)


class FilterModule:
    def filters(self):
        return {'kubernetes_apply_failure': kubernetes_apply_failure}
