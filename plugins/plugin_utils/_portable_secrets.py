# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The portable identity in the secret store each ccg.exe plug-in reads, and read back from it: the logic of the
filters portable_secrets, portable_credentials_from_store and kubernetes_secrets, and where the Kubernetes
Secrets are, which kubernetes_plan needs without any password.

What these return carries passwords, and is only ever used in tasks with no_log.
"""

from __future__ import annotations

import base64
import json

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._inventory import gmsa_applications
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import (
    AWS_ECS,
    RANCHER,
    PluginInputError,
    PortableCredentials,
    plugin_settings,
    read_store_secret,
)

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


def kubernetes_secrets(applications, portable_credentials, secrets=None):
    """The Secrets of the applications with state present; only those ``secrets`` names (namespace/name) when given."""
    portable_credentials = portable_credentials or {}
    applications = gmsa_applications(applications)
    locations = secret_locations(applications)
    resources = []
    for application in applications:
        if application['state'] != 'present' or not uses_kubernetes_secret_plugin(application):
            continue
        location = locations[application['name']]
        if secrets is not None and '%s/%s' % location not in secrets:
            continue
        resource = secret_stub(*location)
        resource['type'] = 'Opaque'
        # The keys and their format are the catalogue's (plugin_utils/_plugins).
        resource['stringData'] = plugin_secret(application, portable_credentials)
        resources.append(resource)
    return resources
