# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the kubernetes role may do in a cluster with the objects already there; the decisions are in
plugin_utils/_field_managers."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._field_managers import cluster_plan

DOCUMENTATION = r'''
name: kubernetes_cluster_plan
short_description: Which of the applications' Kubernetes objects may be applied or removed, given who made them
version_added: 0.1.0
author: wincontainers.gmsa maintainers (@wincontainers)
description:
  - Takes what C(wincontainers.gmsa.kubernetes_plan) returned and the objects read from the cluster (C(found), through
    C(kubernetes.core.k8s_info) and the plan's C(lookups)), and returns what may be done with them, deciding by each
    object's C(metadata.managedFields), the field managers that wrote it.
  - An object that does not exist yet, or that O(field_manager) holds fields of, is applied without forcing conflicts,
    so the API server refuses to change a field another manager owns.
  - An existing object that O(field_manager) holds no field of was made by someone else; it is refused (C(refused))
    unless O(take_over) names it, and then it is applied with conflicts forced, its fields taken over.
  - Only objects O(field_manager) holds fields of, or that O(take_over) names, are removed; the others are left
    (C(left)).
options:
  _input:
    description: What C(wincontainers.gmsa.kubernetes_plan) returned.
    type: dict
    required: true
  found:
    description: The objects read from the cluster, with their C(metadata.managedFields).
    type: list
    elements: dict
    required: true
  field_manager:
    description: The server-side apply field manager the objects are applied under.
    type: str
    required: true
  take_over:
    description:
      - Objects that may be taken over from other field managers, as C(<kind>/<name>) for a cluster-scoped object
        and C(<kind>/<namespace>/<name>) for a namespaced one (C(GMSACredentialSpec/webapp01),
        C(RoleBinding/web/webapp01-gmsa-user)).
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Read the objects the plan touches
  kubernetes.core.k8s_info:
    api_version: "{{ item.api_version }}"
    kind: "{{ item.kind }}"
    namespace: "{{ item.namespace | default(omit) }}"
    hidden_fields: [data, stringData]
  loop: "{{ plan.lookups }}"
  register: found

- name: Decide what may be applied and removed
  ansible.builtin.set_fact:
    cluster: >-
      {{ plan | wincontainers.gmsa.kubernetes_cluster_plan(found=found.results | map(attribute='resources') | flatten,
                                                             field_manager='wincontainers-gmsa') }}
'''

RETURN = r'''
_value:
  description: What may be done in the cluster.
  type: dict
  contains:
    apply:
      description:
        - The plan's C(apply) in at most two batches, each with C(resources) and C(force) - the value for
          C(server_side_apply.force_conflicts) - first the objects that are the field manager's own or new, then those
          taken over.
      type: list
      elements: dict
    secrets:
      description:
        - The plan's C(secrets) in the same batches, each with C(secrets) (C(<namespace>/<name>), for the C(secrets)
          option of C(wincontainers.gmsa.kubernetes_secrets)) and C(force).
      type: list
      elements: dict
    remove:
      description: The plan's C(remove) that exist and that the field manager holds fields of, or taken over.
      type: list
      elements: dict
    owners:
      description: C(<kind>/[<namespace>/]<name>) of each object found to the field managers that hold fields of it.
      type: dict
    refused:
      description: One line naming the objects made by other field managers, and their managers; empty when none.
      type: str
    left:
      description: One line naming the objects to remove that were not made by the field manager; empty when none.
      type: str
'''


def kubernetes_cluster_plan(plan, found, field_manager, take_over=None):
    if not isinstance(plan, dict) or 'lookups' not in plan:
        raise AnsibleFilterError('kubernetes_cluster_plan: give what wincontainers.gmsa.kubernetes_plan returned')
    return cluster_plan(plan, found or [], field_manager, take_over or [])


class FilterModule:
    def filters(self):
        return {'kubernetes_cluster_plan': kubernetes_cluster_plan}
