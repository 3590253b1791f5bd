# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Credential spec documents, as Microsoft's New-CredentialSpec writes them, and
their Kubernetes form (GMSACredentialSpec with the ClusterRole that lets pods use it)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import credential_spec_file_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import PluginInputError, clsid, plugin_settings

# A Kubernetes object name (RFC 1123 subdomain).
DNS_1123 = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
# A plug-in input that assigns a value to a password-like key (password=..., "pwd": ...)
# carries the credential itself rather than a reference to a secret store.
SECRET_HINT = re.compile(r'(password|passwd|pwd|secret|token)"?\s*[=:]', re.IGNORECASE)
# The permissions of a file holding a credential spec: readable by its owner only when it carries a credential.
SECRET_FILE_MODE = 0o600
FILE_MODE = 0o644


@dataclass(frozen=True)
class AdditionalAccount:
    name: str
    domain: Optional[str] = None   # DNS name; None means the account's own domain

    def in_domain(self, dns_name):
        return self.domain in (None, dns_name.lower())


@dataclass(frozen=True)
class HostAccountConfig:
    plugin_guid: str
    plugin_input: str
    portable_ccg_version: str = '1'


def carries_credential(plugin_input):
    """Whether a plug-in input looks like it holds the credential itself (``password=...``)."""
    return bool(plugin_input and SECRET_HINT.search(plugin_input))


def file_mode(document):
    """The permissions of a file that holds the credential spec ``document``, as a spec file or inside a Kubernetes
    manifest: readable by its owner only when its plug-in input looks like it carries a credential."""
    host_account = (document.get('ActiveDirectoryConfig') or {}).get('HostAccountConfig') or {}
    return SECRET_FILE_MODE if carries_credential(host_account.get('PluginInput')) else FILE_MODE


def account_name(text, field='account'):
    """The account name as credential specs carry it: without the trailing $."""
    if not isinstance(text, str) or not text.strip().rstrip('$'):
        raise ADInputError('give the gMSA name, for example WebApp01', field)
    return text.strip().rstrip('$')


def parse_additional_accounts(values):
    accounts = []
    for index, value in enumerate(values or []):
        field = 'additional_accounts[%d]' % index
        if isinstance(value, dict):
            unknown = set(value) - {'name', 'domain'}
            if unknown:
                raise ADInputError('unknown keys %s; give name and optionally domain' % ', '.join(sorted(unknown)), field)
            domain = value.get('domain')
            if domain is not None and (not isinstance(domain, str) or not domain.strip()):
                raise ADInputError('give the DNS name of the account\'s domain', field + '.domain')
            accounts.append(AdditionalAccount(account_name(value.get('name'), field + '.name'),
                                              domain.strip().lower() if domain else None))
        else:
            accounts.append(AdditionalAccount(account_name(value, field)))
    return accounts


def plugin_clsid(text):
    """A ccg.exe plug-in's COM class ID as the credential spec and the CCG registry key write it:
    in braces, upper case. Raises ValueError for what is not a GUID."""
    return clsid(text)


def parse_host_account_config(value):
    """HostAccountConfig from the plug-in catalogue (_plugins): the CLSID checked, and the input of a plug-in
    the catalogue knows read and checked as that plug-in reads it; an object input is written as JSON text."""
    if not value:
        return None
    field = 'host_account_config'
    plugin_input = value.get('plugin_input')
    if plugin_input is None or plugin_input == '':
        raise ADInputError('give the plug-in\'s input as a string', field + '.plugin_input')
    if not isinstance(plugin_input, (str, dict)):
        raise ADInputError('give the plug-in\'s input as a string', field + '.plugin_input')
    try:
        settings = plugin_settings({'guid': value.get('plugin_guid'), 'input': plugin_input}, field + '.plugin_')
    except PluginInputError as error:
        raise ADInputError(error.detail, error.field)
    version = value.get('portable_ccg_version')
    version = '1' if version is None else str(version)
    return HostAccountConfig(settings.guid, settings.input, version)


def build_credential_spec(facts, account, additional=(), host_account=None):
    """The document, keys in the order New-CredentialSpec writes them; every leaf a string."""
    accounts = [
        {'Name': account, 'Scope': facts.dns_name},
        {'Name': account, 'Scope': facts.netbios_name},
    ]
    accounts.extend({'Name': extra.name, 'Scope': extra.domain or facts.dns_name} for extra in additional)
    active_directory = {'GroupManagedServiceAccounts': accounts}
    if host_account:
        active_directory['HostAccountConfig'] = {
            'PortableCcgVersion': host_account.portable_ccg_version,
            'PluginGUID': host_account.plugin_guid,
            'PluginInput': host_account.plugin_input,
        }
    return {
        'CmsPlugins': ['ActiveDirectory'],
        'DomainJoinConfig': {
            'Sid': facts.sid,
            'MachineAccountName': account,
            'Guid': facts.guid,
            'DnsTreeName': facts.forest_dns_name,
            'DnsName': facts.dns_name,
            'NetBiosName': facts.netbios_name,
        },
        'ActiveDirectoryConfig': active_directory,
    }


def credential_spec_json(document):
    return json.dumps(document, indent=4) + '\n'


def file_name(facts, account):
    """The name New-CredentialSpec gives the file in the Docker root's CredentialSpecs folder."""
    return credential_spec_file_name(facts.netbios_name, account)


def default_kubernetes_name(account):
    name = re.sub(r'[^a-z0-9.-]+', '-', account.lower()).strip('-.')
    return name or 'gmsa'


def check_kubernetes_name(name):
    if len(name) > 253 or not DNS_1123.match(name):
        raise ADInputError('%r is not a valid Kubernetes name; use lower-case letters, digits, '
                           '"-" and ".", starting and ending with a letter or digit' % name, 'kubernetes_name')
    return name


def kubernetes_resources(name, document) -> Tuple[dict, dict]:
    """The cluster-scoped GMSACredentialSpec and the ClusterRole whose `use` verb the webhook checks."""
    credential_spec = {
        'apiVersion': 'windows.k8s.io/v1',
        'kind': 'GMSACredentialSpec',
        'metadata': {'name': name},
        'credspec': document,
    }
    cluster_role = {
        'apiVersion': 'rbac.authorization.k8s.io/v1',
        'kind': 'ClusterRole',
        'metadata': {'name': '%s-gmsa-user' % name},
        'rules': [{
            'apiGroups': ['windows.k8s.io'],
            'resources': ['gmsacredentialspecs'],
            'verbs': ['use'],
            'resourceNames': [name],
        }],
    }
    return credential_spec, cluster_role


def non_string_leaves(value, path='credspec'):
    """Paths of leaves that are not strings: the Kubernetes CRD and ccg.exe accept strings only."""
    if isinstance(value, dict):
        return [bad for key, item in value.items() for bad in non_string_leaves(item, '%s.%s' % (path, key))]
    if isinstance(value, list):
        return [bad for index, item in enumerate(value) for bad in non_string_leaves(item, '%s[%d]' % (path, index))]
    return [] if isinstance(value, str) else [path]


def require_service_accounts(directory, names):
    """{lower-case name as given: gMSA name as stored} for gMSAs of this domain. Names are found as everywhere
    (name, name$, DN, SID, GUID or UPN); plain names, the usual case, with one search for all.

    A name that is missing, or belongs to something other than a gMSA, fails saying which and what it is.
    """
    # Imported here: the document functions above are pure and serve the filters, which need no LDAP layer.
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import accounts_named, is_gmsa, kind_of
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import find_principal, parse_principal

    wanted = {name.lower(): name for name in names}
    plain = [name for name in wanted.values() if parse_principal(name, 'account').kind == 'sam']
    found = {}
    for entry in accounts_named(directory, plain, ['sAMAccountName', 'objectClass'], computer_accounts=True):
        found.setdefault((entry.text('sAMAccountName') or '').rstrip('$').lower(), []).append(entry)
    stored = {}
    for key, name in wanted.items():
        if name in plain:
            matches = found.get(key, [])
        else:
            entry = find_principal(directory, name, 'account')
            matches = [entry] if entry is not None else []
        gmsa = [entry for entry in matches if is_gmsa(entry.texts('objectClass'))]
        if gmsa:
            stored[key] = gmsa[0].text('sAMAccountName').rstrip('$')
        elif matches:
            raise ADInputError('%s is a %s (%s), not a group Managed Service Account; name a gMSA'
                               % (name, kind_of(matches[0].texts('objectClass')), matches[0].dn))
        else:
            raise ADInputError('no gMSA named %s in %s; create it first with wincontainers.gmsa.service_account'
                               % (name, directory.facts.dns_name))
    return stored
