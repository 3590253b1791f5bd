# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The portable identity in the secret store each ccg.exe plug-in reads, and read back from it.

Kept apart from the filters whose results are printed or written to files: what these return carries
passwords, and is only ever used in tasks with no_log.
"""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._portable_secrets import (
    portable_credentials_from_store,
    portable_secrets,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._role_applications import (
    gmsa_application_arguments,
    portable_credential_sources,
    portable_credentials,
)

DOCUMENTATION = r'''
name: portable_secrets
short_description: The portable users' credentials in the format and at the place their ccg.exe plug-in reads them
version_added: 0.1.0
author: wincontainers.gmsa maintainers (@wincontainers)
description:
  - For every application with C(state=present) that is not domain-joined, whose plug-in has a store
    (C(plugin.type) V(aws_ecs) or V(azure_key_vault), or their CLSIDs with a raw input) and C(plugin.deliver=true),
    one entry with the store's location and the secret's value as the plug-in reads it.
  - The AWS ECS plug-in reads JSON C({"username", "password", "domainName"}) from Secrets Manager or an SSM
    parameter; the Azure Key Vault plug-in reads C(<domain>\<user>:<password>).
  - Rancher's Kubernetes Secret is the C(kubernetes) role's, through C(wincontainers.gmsa.kubernetes_secrets).
  - Two applications naming one store location fail, naming both.
  - The result carries passwords; use it only in tasks with C(no_log).
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
- name: The portable users' secrets in AWS Secrets Manager
  community.aws.secretsmanager_secret:
    name: "{{ item.name }}"
    region: "{{ item.region }}"
    secret: "{{ item.value }}"
  loop: "{{ gmsa_applications | wincontainers.gmsa.portable_secrets(gmsa_portable_credentials)
            | selectattr('kind', 'eq', 'aws_secretsmanager') }}"
  no_log: true
'''

RETURN = r'''
_value:
  description:
    - One entry per application, with C(application), C(kind) (V(aws_secretsmanager), V(aws_ssm_parameter) or
      V(azure_key_vault)), the location (C(region), C(account) and C(name) for AWS; C(vault_uri) and C(name) for
      Azure Key Vault) and C(value), the secret's text; for AWS also C(document), the same JSON as a dict.
  type: list
  elements: dict
'''

__all__ = ['gmsa_application_arguments', 'portable_credential_sources', 'portable_credentials',
           'portable_credentials_from_store', 'portable_secrets']


class FilterModule:
    def filters(self):
        return {
            'gmsa_application_arguments': gmsa_application_arguments,
            'portable_credential_sources': portable_credential_sources,
            'portable_credentials': portable_credentials,
            'portable_credentials_from_store': portable_credentials_from_store,
            'portable_secrets': portable_secrets,
        }
