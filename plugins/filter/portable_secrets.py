# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The portable identity in the secret store each ccg.exe plug-in reads, and read back from it.

Kept apart from the filters whose results are printed or written to files: what these return carries
passwords, and is only ever used in tasks with no_log.
"""

from __future__ import annotations

import base64
import json

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.gmsa_application import gmsa_applications
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import (
    AWS_ECS,
    RANCHER,
    PluginInputError,
    PortableCredentials,
    plugin_settings,
    read_store_secret,
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

CLOUD_STORES = ('aws_secretsmanager', 'aws_ssm_parameter', 'azure_key_vault')


def _location_key(store):
    return (store['kind'], store.get('region') or store.get('vault_uri'), store['name'])


def plugin_secret(application, portable_credentials):
    """The application's portable identity in its plug-in's format (application with defaults)."""
    credentials = (portable_credentials or {}).get(application['name']) or {}
    missing = [part for part in ('domain', 'username', 'password') if not credentials.get(part)]
    if missing:
        raise AnsibleFilterError('%s: gmsa_portable_credentials lacks %s of its portable user; the service_accounts '
                                 'role sets it' % (application['name'], ', '.join(missing)))
    plugin = application['plugin']
    settings = plugin_settings({'type': plugin['type'], 'guid': plugin['guid'], 'input': plugin['input']})
    return settings.secret(PortableCredentials(str(credentials['domain']), str(credentials['username']),
                                               str(credentials['password'])))


def portable_secrets(applications, portable_credentials):
    portable_credentials = portable_credentials or {}
    entries, owners = [], {}
    for application in gmsa_applications(applications):
        plugin = application['plugin']
        if not plugin or not plugin['deliver'] or not plugin['store'] or plugin['store']['kind'] not in CLOUD_STORES:
            continue
        key = _location_key(plugin['store'])
        earlier = owners.setdefault(key, application['name'])
        if earlier != application['name']:
            raise AnsibleFilterError('%s and %s both name the secret %s in their plug-in; give each application a '
                                     'secret of its own' % (earlier, application['name'], plugin['store']['name']))
        if application['state'] != 'present':
            continue
        value = plugin_secret(application, portable_credentials)
        entry = dict(plugin['store'], application=application['name'], value=value)
        if plugin['type'] == AWS_ECS:
            # The same JSON as a dict, for json_secret: a template whose text looks like a dict would reach a str
            # option as a dict on ansible-core before 2.19.
            entry['document'] = json.loads(value)
        entries.append(entry)
    return entries


def portable_credentials_from_store(value, plugin_type):
    """{domain, username, password} from what the store holds, split as the plug-in splits it; for Rancher's
    plug-in the Secret's ``data``, base64 as the API returns it."""
    if plugin_type == RANCHER and isinstance(value, dict):
        try:
            value = {key: base64.b64decode(text, validate=True).decode('utf-8') for key, text in value.items()}
        except (TypeError, ValueError):
            raise AnsibleFilterError('store: the Secret\'s data is not base64; give the data of the Secret as '
                                     'kubernetes.core.k8s_info returns it')
    try:
        credentials = read_store_secret(plugin_type, value)
    except PluginInputError as error:
        # The value itself is never part of the message.
        raise AnsibleFilterError(str(error))
    return {'domain': credentials.domain, 'username': credentials.username, 'password': credentials.password}


class FilterModule:
    def filters(self):
        return {'portable_secrets': portable_secrets, 'portable_credentials_from_store': portable_credentials_from_store}
