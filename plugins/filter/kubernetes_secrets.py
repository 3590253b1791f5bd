# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The portable identities' Secrets for the Kubernetes-secret ccg.exe plug-in.

Kept apart from kubernetes_plan so that nothing carrying a password is ever
part of a value a task prints or writes to a file.
"""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._portable_secrets import kubernetes_secrets

DOCUMENTATION = r'''
name: kubernetes_secrets
short_description: The Secrets the Kubernetes-secret ccg.exe plug-in reads the portable identity from
version_added: 0.1.0
author: wincontainers.gmsa maintainers (@wincontainers)
description:
  - For every application with a C(kubernetes) section that is not domain-joined and uses Rancher's Kubernetes-secret
    plug-in (C(plugin.type=rancher), or its CLSID C({E4781092-F116-4B79-B55E-28EB6A224E26}) with a raw input), the
    Secret named by the plug-in input C(<namespace>:<secret>), with the keys C(domainName), C(username) and
    C(password). C(plugin.deliver=false) leaves the Secret to you.
  - Two applications whose plug-in inputs name one Secret fail, naming both and the Secret.
  - The result carries passwords; use it only in tasks with C(no_log). The Secrets of applications with
    C(state=absent) are removed through C(wincontainers.gmsa.kubernetes_plan), which needs no password.
options:
  _input:
    description: The applications, as described in the collection's data model (C(gmsa_applications)).
    type: list
    elements: dict
    required: true
  portable_credentials:
    description: Application name to C(domain), C(username) and C(password) of its portable user.
    type: dict
    required: true
  secrets:
    description:
      - Only the Secrets named here, as C(<namespace>/<name>) (as C(wincontainers.gmsa.kubernetes_plan) lists them in
        C(secrets)); all of them when not given.
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Apply the Secrets
  kubernetes.core.k8s:
    definition: "{{ item }}"
  loop: "{{ kubernetes_applications | wincontainers.gmsa.kubernetes_secrets(portable_credentials=gmsa_portable_credentials) }}"
  no_log: true
'''

RETURN = r'''
_value:
  description: The Secrets of the applications with C(state=present), with C(stringData).
  type: list
  elements: dict
'''


__all__ = ['kubernetes_secrets']


class FilterModule:
    def filters(self):
        return {'kubernetes_secrets': kubernetes_secrets}
