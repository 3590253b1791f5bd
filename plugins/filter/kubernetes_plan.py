# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes resources of the applications, built on the controller for the kubernetes role."""

from __future__ import annotations

import json

import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._inventory import gmsa_applications, gmsa_role_bindings
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._portable_secrets import secret_locations, secret_stub
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import file_mode, kubernetes_resources
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._field_managers import lookups, secret_stubs

DOCUMENTATION = r'''
name: kubernetes_plan
short_description: The Kubernetes resources of the applications, to apply, remove or write as manifests
version_added: 0.1.0
author: wincontainers.gmsa maintainers (@wincontainers)
description:
  - For every application with a C(kubernetes) section, the C(GMSACredentialSpec), the C(ClusterRole) whose
    C(use) verb lets pods run with it, and a C(RoleBinding) of that role in C(kubernetes.namespace) for the
    C(kubernetes.service_accounts).
  - Applications with C(state=absent) give the same resources to remove, found by name, and the portable
    identity's Secret when they use the Kubernetes-secret plug-in.
  - The Secrets to apply carry passwords and are not part of this; see C(wincontainers.gmsa.kubernetes_secrets).
  - Two applications whose plug-in inputs name one Secret fail, naming both and the Secret, before anything is
    applied, since each would overwrite the other's portable user, and removing one would delete the other's Secret.
options:
  _input:
    description: The applications, as described in the collection's data model (C(gmsa_applications)).
    type: list
    elements: dict
    required: true
  credential_specs:
    description:
      - Application name to its credential spec, as C(gmsa_credential_specs) holds it or
        M(wincontainers.gmsa.credential_spec) returns it; C(json) is used, and the Kubernetes resources are made
        from it.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Apply the resources
  kubernetes.core.k8s:
    definition: "{{ item }}"
  loop: "{{ (kubernetes_applications | wincontainers.gmsa.kubernetes_plan(credential_specs=gmsa_credential_specs)).apply }}"
'''

RETURN = r'''
_value:
  description: What to do in the cluster and in the manifest folder.
  type: dict
  contains:
    apply:
      description: Resources to create or update, in order (each GMSACredentialSpec before its role and bindings).
      type: list
      elements: dict
    remove:
      description:
        - Resources of applications with C(state=absent), with C(apiVersion), C(kind) and C(metadata) only, in
          the order to remove them.
      type: list
      elements: dict
    secrets:
      description: C(<namespace>/<name>) of the Secrets C(wincontainers.gmsa.kubernetes_secrets) gives.
      type: list
      elements: str
    lookups:
      description:
        - What to list to read every object of C(apply), C(secrets) and C(remove) from the cluster - each with
          C(api_version), C(kind) and, for a namespaced kind, C(namespace) - one per kind and namespace, for
          C(kubernetes.core.k8s_info) and then C(wincontainers.gmsa.kubernetes_cluster_plan).
      type: list
      elements: dict
    files:
      description:
        - Manifest files, each with C(file_name) (C(<kubernetes name>.yml)), C(content) (multi-document YAML) and
          C(mode), the file's permissions as the credential spec file has them - V(0600) when the plug-in input looks
          like it carries a credential, else V(0644).
      type: list
      elements: dict
    stale_files:
      description: Manifest file names of applications with C(state=absent).
      type: list
      elements: str
    waiting:
      description: Applications with C(state=present) that have no credential spec yet (check mode before the gMSA exists).
      type: list
      elements: str
'''


def plain(value):
    """Plain dicts, lists and strings: what the YAML dumper and the Kubernetes client accept."""
    return json.loads(json.dumps(value))


def present_resources(application, spec):
    """The GMSACredentialSpec, its ClusterRole and the RoleBindings, made from the credential spec's JSON."""
    try:
        document = json.loads(spec['json'])
    except (KeyError, TypeError, ValueError):
        raise AnsibleFilterError('%s: gmsa_credential_specs holds no credential spec JSON; run the service_accounts '
                                 'role first' % application['name'])
    credential_spec, cluster_role = kubernetes_resources(application['kubernetes']['name'], document)
    return plain([credential_spec, cluster_role] + gmsa_role_bindings(application, cluster_role))


def absent_resources(application):
    """The same resources, by name only: there is no credential spec for an application being removed."""
    credential_spec, cluster_role = kubernetes_resources(application['kubernetes']['name'], {})
    resources = [credential_spec, cluster_role] + gmsa_role_bindings(application, cluster_role)
    return plain([{key: resource[key] for key in ('apiVersion', 'kind', 'metadata')} for resource in resources])


def manifest_text(application_name, resources):
    header = ('# Kubernetes resources of the gMSA %s, written by the wincontainers.gmsa collection.\n'
              '# kubectl apply -f this file; the windows-gmsa webhook must be installed in the cluster.\n'
              % application_name)
    return header + yaml.safe_dump_all(resources, explicit_start=True, sort_keys=False, default_flow_style=False)


def kubernetes_plan(applications, credential_specs):
    credential_specs = credential_specs or {}
    plan = {'apply': [], 'remove': [], 'files': [], 'stale_files': [], 'waiting': [], 'secrets': []}
    applications = gmsa_applications(applications)
    # Refused here, before anything is applied: two applications writing one Secret.
    secret_at = secret_locations(applications)
    for application in applications:
        if not application['kubernetes']:
            continue
        secret = secret_stub(*secret_at[application['name']]) if application['name'] in secret_at else None
        if application['state'] == 'absent':
            resources = absent_resources(application)
            plan['remove'].extend(resources + ([secret] if secret else []))
            plan['stale_files'].append('%s.yml' % resources[0]['metadata']['name'])
            continue
        # kubernetes_secrets gives the Secret whether or not the credential spec is there yet.
        if secret:
            plan['secrets'].append('%s/%s' % (secret['metadata']['namespace'], secret['metadata']['name']))
        spec = credential_specs.get(application['name'])
        if not spec:
            plan['waiting'].append(application['name'])
            continue
        resources = present_resources(application, spec)
        plan['apply'].extend(resources)
        plan['files'].append({'file_name': '%s.yml' % resources[0]['metadata']['name'],
                              'content': manifest_text(application['name'], resources),
                              # The manifest holds the credential spec, so it is kept as the spec file is.
                              'mode': '%04o' % file_mode(resources[0]['credspec'])})
    # Removal runs in the reverse order of creation: bindings, then the role, then the spec.
    plan['remove'].reverse()
    plan['lookups'] = lookups(plan['apply'] + secret_stubs(plan) + plan['remove'])
    return plan


class FilterModule:
    def filters(self):
        return {'kubernetes_plan': kubernetes_plan}
