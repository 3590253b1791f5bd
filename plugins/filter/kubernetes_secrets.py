# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The portable identities' Secrets for the Kubernetes-secret ccg.exe plug-in.

Kept apart from kubernetes_plan so that nothing carrying a password is ever
part of a value a task prints or writes to a file.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.gmsa_application import gmsa_applications
from ansible_collections.wincontainers.gmsa.plugins.filter.portable_secrets import plugin_secret
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import RANCHER

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


def uses_kubernetes_secret_plugin(application):
    """Whether ccg.exe reads this application's portable user from a Kubernetes Secret that this collection applies
    (application with defaults): Rancher's plug-in, with a kubernetes section, and plugin.deliver not false."""
    if application['domain_joined'] or not application['kubernetes']:
        return False
    plugin = application['plugin']
    return plugin['type'] == RANCHER and plugin['deliver']


def secret_location(application):
    """(namespace, name) from the plug-in input, which is what ccg.exe will read."""
    store = application['plugin']['store']
    namespace, name = store['namespace'], store['name']
    wanted_namespace = application['kubernetes'].get('secret_namespace')
    if wanted_namespace and wanted_namespace != namespace:
        raise AnsibleFilterError('%s: kubernetes.secret_namespace is %s but plugin.input names the namespace %s; '
                                 'make them agree' % (application['name'], wanted_namespace, namespace))
    return namespace, name


def secret_stub(namespace, name):
    """The Secret without its data: enough to find or remove it."""
    return {'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': name, 'namespace': namespace}}


def secret_locations(applications):
    """{application name: (namespace, name)} of the applications (with defaults) that use the Kubernetes-secret
    plug-in, whatever their state; two naming one Secret are refused: each would overwrite the other's portable
    user, and removing one application would delete the Secret the other still reads."""
    locations, owners = {}, {}
    for application in applications:
        if not uses_kubernetes_secret_plugin(application):
            continue
        location = secret_location(application)
        earlier = owners.setdefault(location, application['name'])
        if earlier != application['name']:
            raise AnsibleFilterError('%s and %s both name the Secret %s/%s in plugin.input; give each application '
                                     'a Secret of its own' % (earlier, application['name'], location[0], location[1]))
        locations[application['name']] = location
    return locations


def kubernetes_secrets(applications, portable_credentials):
    portable_credentials = portable_credentials or {}
    secrets = []
    applications = gmsa_applications(applications)
    locations = secret_locations(applications)
    for application in applications:
        if application['state'] != 'present' or not uses_kubernetes_secret_plugin(application):
            continue
        resource = secret_stub(*locations[application['name']])
        resource['type'] = 'Opaque'
        # The keys and their format are the catalogue's (plugin_utils/_plugins).
        resource['stringData'] = plugin_secret(application, portable_credentials)
        secrets.append(resource)
    return secrets


class FilterModule:
    def filters(self):
        return {'kubernetes_secrets': kubernetes_secrets}
