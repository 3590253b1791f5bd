# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the container_host role does on one Windows host, decided on the controller.

The role gathers a few facts from the host, hands them to ``container_host_plan``
and then only applies the lists it gets back, so that every decision (which
applications the host serves, which plug-ins it needs, which credential spec
files are stale) is made here, in Python, where it is tested.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.gmsa_application import gmsa_applications
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import plugin_clsid

DOCUMENTATION = r'''
name: container_host_plan
short_description: Decide what the container_host role does on one Windows host
version_added: 0.1.0
author: wincontainers.gmsa maintainers (@wincontainers)
description:
  - Takes the application list and the host's facts, and returns the lists the
    C(wincontainers.gmsa.container_host) role applies on the host.
  - An application applies to the host when the host is in the inventory group
    named by its C(container_hosts) and its C(state) is C(present).
  - A credential spec file is stale when the ledger of files this collection
    wrote names it and no application of the host wants it any more.
options:
  _input:
    description: The applications, as described in the collection's data model (C(gmsa_applications)).
    type: list
    elements: dict
    required: true
  credential_specs:
    description:
      - Application name to what C(wincontainers.gmsa.credential_spec) returned for it
        (C(file_name) and C(json) are used).
    type: dict
    required: true
  group_names:
    description: The inventory groups of the host (C(group_names)).
    type: list
    elements: str
    required: true
  domain_member:
    description: Whether the host is joined to a domain (C(ansible_facts.windows_domain_member)).
    type: bool
    required: true
  domain:
    description: DNS name of the host's domain (C(ansible_facts.windows_domain)).
    type: str
    default: ''
  ledger:
    description: Text of the ledger file in the host's C(CredentialSpecs) folder; empty when there is none.
    type: str
    default: ''
  dns_servers:
    description: Addresses of the domain controllers, for hosts outside the domain.
    type: list
    elements: str
    default: []
  manage_dns:
    description: Whether the DNS client of hosts outside the domain is pointed at I(dns_servers).
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Decide what to do on this host
  ansible.builtin.set_fact:
    container_host_plan: >-
      {{ container_host_applications | wincontainers.gmsa.container_host_plan(
           credential_specs=container_host_credential_specs, group_names=group_names,
           domain_member=ansible_facts.windows_domain_member, domain=ansible_facts.windows_domain,
           ledger=container_host_ledger_text) }}
'''

RETURN = r'''
_value:
  description: What to do on the host.
  type: dict
  contains:
    applications:
      description: Names of the applications the host serves.
      type: list
      elements: str
    problems:
      description: Reasons the host cannot serve them as it is; the role stops when there are any.
      type: list
      elements: str
    features:
      description: Windows features to install.
      type: list
      elements: str
    service_accounts:
      description: gMSAs the host must be able to use (C(Test-ADServiceAccount)), domain-joined applications only.
      type: list
      elements: str
    plugins:
      description:
        - ccg.exe plug-ins to register, each with C(guid) and C(installer), null or a dict with C(path),
          C(arguments) and C(product_id) (null when not given).
      type: list
      elements: dict
    dns_servers:
      description: DNS servers to set on every adapter; empty means the DNS client is left alone.
      type: list
      elements: str
    credential_specs:
      description: Files to write in the C(CredentialSpecs) folder, each with C(file_name) and C(json).
      type: list
      elements: dict
    stale_files:
      description: Files this collection wrote that no application wants any more.
      type: list
      elements: str
    ledger_before:
      description: Ledger text to write before files are written or removed (wanted and stale files).
      type: str
    ledger:
      description: Ledger text once the stale files are gone.
      type: str
    smoke_tests:
      description: Containers to run for the smoke test, each with C(application), C(file_name) and C(domain).
      type: list
      elements: dict
'''

# The Windows features a container host needs; Test-ADServiceAccount comes with the AD PowerShell module.
CONTAINERS_FEATURE = 'Containers'
AD_POWERSHELL_FEATURE = 'RSAT-AD-PowerShell'

LEDGER_HEADER = ('# Credential spec files written by the wincontainers.gmsa collection.\n'
                 '# It removes a file listed here once no application uses it; other files are left alone.\n')

# A ledger line may only ever name a plain .json file in the CredentialSpecs folder itself.
PLAIN_SPEC_FILE = re.compile(r'^[^\\/:*?"<>|]+\.json$', re.IGNORECASE)


def ledger_files(text):
    """File names a ledger lists: one per line; blank lines, comments and anything but a plain .json name ignored."""
    names = []
    for line in (text or '').splitlines():
        name = line.strip()
        if name and not name.startswith('#') and PLAIN_SPEC_FILE.match(name):
            names.append(name)
    return names


def ledger_text(names):
    return LEDGER_HEADER + ''.join('%s\n' % name for name in sorted(set(names), key=str.lower))


def plugin_guid(application):
    text = application['plugin']['guid']
    try:
        return plugin_clsid(text)
    except ValueError:
        raise AnsibleFilterError('%s: plugin.guid %r is not a GUID; give the ccg.exe plug-in\'s COM CLSID, for example '
                                 '{E4781092-F116-4B79-B55E-28EB6A224E26}' % (application['name'], text))


def plugin_installer(application):
    """The installer as {path, arguments, product_id}, or None; a plain path is the short form."""
    installer = application['plugin']['installer']
    if not installer:
        return None
    if isinstance(installer, str):
        installer = {'path': installer}
    if not isinstance(installer, dict) or not installer.get('path') or set(installer) - {'path', 'arguments', 'product_id'}:
        raise AnsibleFilterError('%s: plugin.installer must be a path, or a dict with path and optionally arguments and '
                                 'product_id' % application['name'])
    return {'path': installer['path'], 'arguments': installer.get('arguments'), 'product_id': installer.get('product_id')}


def spec_domain(name, spec):
    try:
        return json.loads(spec['json'])['DomainJoinConfig']['DnsName']
    except (KeyError, TypeError, ValueError):
        raise AnsibleFilterError('%s: gmsa_credential_specs holds no credential spec JSON with DomainJoinConfig.DnsName' % name)


def dns_addresses(values):
    addresses = []
    for value in values or []:
        try:
            addresses.append(str(ipaddress.ip_address(str(value).strip())))
        except ValueError:
            raise AnsibleFilterError('container_host_dns_servers: %r is not an IP address; give the domain controllers\' '
                                     'addresses' % (value,))
    return addresses


def served_applications(applications, group_names):
    """The applications with state present whose container_hosts group the host is in, defaults filled in."""
    groups = set(group_names or [])
    return [application for application in gmsa_applications(applications)
            if application['state'] == 'present' and application['container_hosts'] in groups]


def container_host_plan(applications, credential_specs, group_names, domain_member, domain='', ledger='',
                        dns_servers=None, manage_dns=True):
    served = served_applications(applications, group_names)
    credential_specs = credential_specs or {}
    problems = []
    wanted = []
    service_accounts = []
    plugins = {}   # GUID -> the installers applications name for it
    smoke_tests = []
    joined_domains = set()

    for application in served:
        name = application['name']
        spec = credential_specs.get(name)
        if not spec:
            problems.append('%s: no credential spec in gmsa_credential_specs; run the service_accounts role first '
                            '(in check mode, a gMSA that is still to be created has none yet)' % name)
            continue
        spec_file = spec.get('file_name')
        if not isinstance(spec_file, str) or not PLAIN_SPEC_FILE.match(spec_file):
            raise AnsibleFilterError('%s: credential spec file name %r is not a plain .json file name' % (name, spec_file))
        gmsa_domain = spec_domain(name, spec)
        wanted.append({'file_name': spec_file, 'json': spec['json']})
        smoke_tests.append({'application': name, 'file_name': spec_file, 'domain': gmsa_domain})

        if application['domain_joined']:
            service_accounts.append(name)
            joined_domains.add(gmsa_domain.lower())
        else:
            installers = plugins.setdefault(plugin_guid(application), [])
            installer = plugin_installer(application)
            if installer and installer not in installers:
                installers.append(installer)

    # A domain-joined host reads the gMSA password with its own computer account, which only works in the
    # gMSA's own domain.
    for gmsa_domain in sorted(joined_domains):
        if not domain_member:
            problems.append('the host is not joined to a domain, but %s use gMSAs of %s for domain-joined hosts: join it '
                            '(for example with microsoft.ad.membership) or set domain_joined: false for them'
                            % (', '.join(service_accounts), gmsa_domain))
        elif (domain or '').lower() != gmsa_domain:
            problems.append('the host is joined to %s, but the gMSAs of its domain-joined applications are in %s; a '
                            'domain-joined host must be in the gMSA\'s domain (or set domain_joined: false)'
                            % (domain, gmsa_domain))

    for guid, installers in plugins.items():
        if len(installers) > 1:
            problems.append('plug-in %s: the applications name %d different installers for it; name one'
                            % (guid, len(installers)))

    # DNS belongs to the domain on a joined host; only a host outside any domain is pointed at the DCs.
    servers = []
    if plugins and manage_dns and not domain_member:
        servers = dns_addresses(dns_servers)
        if not servers:
            problems.append('the host is outside the domain and needs the domain controllers as DNS servers: set '
                            'container_host_dns_servers (or container_host_manage_dns: false if DNS is already right)')

    wanted_names = {spec['file_name'].lower() for spec in wanted}
    stale = [name for name in ledger_files(ledger) if name.lower() not in wanted_names]
    features = [CONTAINERS_FEATURE] + ([AD_POWERSHELL_FEATURE] if service_accounts else [])
    return {
        'applications': [application['name'] for application in served],
        'problems': problems,
        'features': features,
        'service_accounts': service_accounts,
        'plugins': [{'guid': guid, 'installer': installers[0] if installers else None}
                    for guid, installers in plugins.items()],
        'dns_servers': servers,
        'credential_specs': wanted,
        'stale_files': stale,
        'ledger_before': ledger_text([spec['file_name'] for spec in wanted] + stale),
        'ledger': ledger_text([spec['file_name'] for spec in wanted]),
        'smoke_tests': smoke_tests,
    }


class FilterModule:
    def filters(self):
        return {'container_host_plan': container_host_plan}
