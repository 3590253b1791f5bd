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

import base64
import codecs
import ipaddress
import json
import ntpath
import shlex

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary import canary_test, container_image, host_build
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._inventory import gmsa_applications
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import PLAIN_SPEC_FILE, ledger_files
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import known_plugin

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
  set_dns:
    description:
      - Whether the DNS client of a host outside the domain is pointed at I(dns_servers). Off by default, since on a
        managed Kubernetes node it would replace the cloud's resolver.
    type: bool
    default: false
  runtime:
    description:
      - The host's container runtime, as C(wincontainers.gmsa.container_host_runtime) describes it.
      - Only Docker reads credential spec files; on a containerd node no file is written and no canary runs.
    type: dict
  interfaces:
    description: The host's network adapters (C(ansible_facts.interfaces) of C(ansible.windows.setup)).
    type: list
    elements: dict
    default: []
  adapters:
    description:
      - Names of the adapters whose DNS servers are set. Empty means those with a default gateway.
    type: list
    elements: str
    default: []
  share_credentials:
    description:
      - Whether credentials for the network share of a plug-in installer are given (C(container_host_share_user)); a
        C(\\server\share) installer is copied onto the host with them before it runs.
    type: bool
    default: false
  distribution_version:
    description: The host's Windows version (C(ansible_facts.distribution_version), C(10.0.20348.0)); its build picks the
      canary's image.
    type: str
    default: ''
  hyperv:
    description: Whether the host has the Hyper-V feature, so that the canary may run an image of another build.
    type: bool
    default: false
  canary_image:
    description: The canary's image; empty means the servercore image of the host's build.
    type: str
    default: ''
  canary_isolation:
    description: The canary's isolation, V(auto) (process for an image of the host's build, else Hyper-V), V(process) or
      V(hyperv).
    type: str
    default: auto
  check_mode:
    description:
      - Whether the play runs in check mode, where an application whose gMSA is only about to be made has no
        credential spec yet; it is then listed in C(waiting) instead of being a problem.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Decide what to do on this host
  ansible.builtin.set_fact:
    container_host_plan: >-
      {{ container_host_applications | wincontainers.gmsa.container_host_plan(
           credential_specs=container_host_credential_specs, group_names=group_names,
           domain_member=ansible_facts.windows_domain_member, domain=ansible_facts.windows_domain,
           ledger=container_host_ledger_text, distribution_version=ansible_facts.distribution_version) }}
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
    waiting:
      description: In check mode, applications whose gMSA is still to be made, so that their spec is not known yet.
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
        - ccg.exe plug-ins to register, each with C(guid), C(name), C(installer) (null or a dict with C(path),
          C(arguments), C(product_id) and C(source), null when not given) and C(missing), the line that says what to
          install when the plug-in is not there.
        - An installer on a network share has the share's path as C(source) and, as C(path), the local file on the host
          it is copied to before it runs (WinRM's second hop does not reach a share).
      type: list
      elements: dict
    dns_servers:
      description: DNS servers to set on the adapters of I(dns_adapters); empty means the DNS client is left alone.
      type: list
      elements: str
    dns_adapters:
      description: The adapters whose DNS servers are set.
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
    ledger_written:
      description:
        - Ledger text once the files are written, before stale files are removed (the files it named and the new
          ones), so that the ledger never names a file that is not there.
      type: str
    ledger:
      description: Ledger text once the stale files are gone.
      type: str
    spec_folder_files:
      description:
        - What the role's one write into the C(CredentialSpecs) folder does, in order, each with C(name) and
          C(content) (null to remove the file) - the credential specs, the ledger with the new files, the stale
          files removed, the ledger without them (only when there are stale files).
      type: list
      elements: dict
    canary:
      description:
        - What the canary runs (C(image), C(isolation), and C(tests), each with C(application), C(file_name),
          C(hostname_prefix) and C(command)), and C(problem), why it cannot run on this host, or null.
      type: dict
'''

# The Windows features a container host needs; Test-ADServiceAccount comes with the AD PowerShell module.
CONTAINERS_FEATURE = 'Containers'
AD_POWERSHELL_FEATURE = 'RSAT-AD-PowerShell'

LEDGER_NAME = 'wincontainers-gmsa-files.txt'
LEDGER_HEADER = ('# Credential spec files written by the wincontainers.gmsa collection.\n'
                 '# It removes a file listed here once no application uses it; other files are left alone.\n')


def ledger_text(names):
    unique = {name.lower(): name for name in names}
    return LEDGER_HEADER + ''.join('%s\n' % unique[key] for key in sorted(unique))


def spec_folder_files(wanted, stale, ledger_written, ledger):
    """The steps of the one write into the CredentialSpecs folder, in the order that keeps the ledger true.

    The ledger grows only once the new files are written, so a write refused halfway leaves it naming files that
    are there. A run that stops after writing a file and before recording it leaves a file the next run records;
    one that stops after removing a stale file and before the last step leaves its name, which the next run drops.
    """
    steps = [{'name': spec['file_name'], 'content': spec['json']} for spec in wanted]
    steps.append({'name': LEDGER_NAME, 'content': ledger_written})
    if stale:
        steps += [{'name': name, 'content': None} for name in stale]
        steps.append({'name': LEDGER_NAME, 'content': ledger})
    return steps


def plugin_guid(application):
    """The plug-in's CLSID, in braces and upper case: gmsa_application checked it against the catalogue."""
    return application['plugin']['guid']


# Where an installer on a network share is copied to on the host before it runs.
INSTALLERS_FOLDER = 'C:\\ProgramData\\wincontainers-gmsa\\installers'


def plugin_installer(application):
    """The installer as {path, arguments, product_id, source}, or None; a plain path is the short form. One on a
    network share (source) runs from its copy on the host: over WinRM the share is a second hop the host has no
    credentials for."""
    installer = application['plugin']['installer']
    if not installer:
        return None
    if isinstance(installer, str):
        installer = {'path': installer}
    if not isinstance(installer, dict) or not installer.get('path') or set(installer) - {'path', 'arguments', 'product_id'}:
        raise AnsibleFilterError('%s: plugin.installer must be a path, or a dict with path and optionally arguments and '
                                 'product_id' % application['name'])
    path, source = installer['path'], None
    if path.startswith('\\\\'):
        source, path = path, ntpath.join(INSTALLERS_FOLDER, ntpath.basename(path))
    return {'path': path, 'arguments': installer.get('arguments'), 'product_id': installer.get('product_id'), 'source': source}


def spec_document(name, spec):
    try:
        document = json.loads(spec['json'])
        document['DomainJoinConfig']['DnsName']
    except (KeyError, TypeError, ValueError):
        raise AnsibleFilterError('%s: gmsa_credential_specs holds no credential spec JSON with DomainJoinConfig.DnsName' % name)
    return document


def file_text(document):
    """The spec file's text, the same bytes whichever ansible-core writes it.

    Before 2.19, a template whose text looks like a dict arrives at win_copy as a dict, which its action
    plugin writes with json.dumps; the plan gives that same text to every version.
    """
    return json.dumps(document)


def dns_addresses(values):
    addresses = []
    for value in values or []:
        try:
            addresses.append(str(ipaddress.ip_address(str(value).strip())))
        except ValueError:
            raise AnsibleFilterError('container_host_dns_servers: %r is not an IP address; give the domain controllers\' '
                                     'addresses' % (value,))
    return addresses


def dns_adapters(interfaces, wanted):
    """The adapters whose DNS servers are set: those named, else those with a default gateway.

    The internal switches of containers and Kubernetes (vEthernet (nat), the HNS networks) route nowhere and
    have no gateway; the host's own connection keeps one, even where HNS moved it to a vEthernet adapter.
    """
    if wanted:
        return list(wanted)
    return [interface['connection_name'] for interface in interfaces or []
            if interface.get('default_gateway') and interface.get('connection_name')]


def served_applications(applications, group_names):
    """The applications with state present whose container_hosts group the host is in, defaults filled in."""
    groups = set(group_names or [])
    return [application for application in gmsa_applications(applications)
            if application['state'] == 'present' and application['container_hosts'] in groups]


def plugin_entry(guid, installers):
    plugin = known_plugin(guid)
    return {'guid': guid, 'installer': installers[0] if installers else None, 'name': plugin.name,
            'missing': '%s (%s) is not installed on this host: its COM class is not registered. To install it, %s; '
                       'or set plugin.installer' % (plugin.name, guid, plugin.install)}


def container_host_plan(applications, credential_specs, group_names, domain_member, domain='', ledger='',
                        dns_servers=None, set_dns=False, runtime=None, interfaces=None, adapters=None,
                        share_credentials=False, distribution_version='', hyperv=False, canary_image='',
                        canary_isolation='auto', check_mode=False):
    served = served_applications(applications, group_names)
    credential_specs = credential_specs or {}
    runtime = runtime or {'engine': 'docker', 'spec_dir': ''}
    problems = []
    waiting = []
    wanted = []
    service_accounts = []
    plugins = {}   # GUID -> the installers applications name for it
    canary_tests = []
    joined_domains = set()

    for application in served:
        name = application['name']
        spec = credential_specs.get(name)
        if not spec and check_mode:
            # The gMSA is only about to be made: its spec exists once the service_accounts step has really run.
            waiting.append(name)
            continue
        if not spec:
            problems.append('%s: no credential spec in gmsa_credential_specs; run the service_accounts role first' % name)
            continue
        spec_file = spec.get('file_name')
        if not isinstance(spec_file, str) or not PLAIN_SPEC_FILE.match(spec_file):
            raise AnsibleFilterError('%s: credential spec file name %r is not a plain .json file name' % (name, spec_file))
        document = spec_document(name, spec)
        gmsa_domain = document['DomainJoinConfig']['DnsName']
        wanted.append({'file_name': spec_file, 'json': file_text(document)})
        canary_tests.append(canary_test(application, spec_file, gmsa_domain))

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
        if installers and installers[0]['source'] and not share_credentials:
            problems.append('plug-in %s: its installer %s is on a network share, which the host cannot read over WinRM '
                            '(the second hop): set container_host_share_user and container_host_share_password to an '
                            'account that may read the share, or give a path on the host' % (guid, installers[0]['source']))

    # DNS belongs to the domain on a joined host; a host outside any domain is pointed at the DCs only when asked, as
    # on a managed Kubernetes node it would replace the cloud's resolver.
    servers = []
    adapter_names = []
    if plugins and set_dns and not domain_member:
        servers = dns_addresses(dns_servers)
        adapter_names = dns_adapters(interfaces, adapters)
        if not servers:
            problems.append('container_host_set_dns is true, but no DNS server is known: set container_host_dns_servers '
                            'to the domain controllers\' addresses')
        elif not adapter_names:
            problems.append('no network adapter of the host has a default gateway, so none is known to reach the domain '
                            'controllers: name them in container_host_dns_adapters')

    if served and runtime['engine'] == 'none':
        problems.append('the host has no container runtime (neither a docker nor a containerd service): install '
                        'Docker (or Mirantis Container Runtime) or containerd first')
    # Only Docker reads credential spec files; on containerd the kubelet hands the spec to the container.
    if runtime['engine'] != 'docker':
        wanted, canary_tests = [], []
    image, isolation, canary_problem = container_image(host_build(distribution_version), hyperv, canary_image,
                                                       canary_isolation)

    wanted_names = {spec['file_name'].lower() for spec in wanted}
    recorded = ledger_files(ledger)
    stale = [name for name in recorded if name.lower() not in wanted_names]
    features = [CONTAINERS_FEATURE] + ([AD_POWERSHELL_FEATURE] if service_accounts else [])
    ledger_written = ledger_text(recorded + [spec['file_name'] for spec in wanted])
    ledger_kept = ledger_text([spec['file_name'] for spec in wanted])
    return {
        'applications': [application['name'] for application in served],
        'problems': problems,
        'waiting': waiting,
        'features': features,
        'service_accounts': service_accounts,
        'plugins': [plugin_entry(guid, installers) for guid, installers in plugins.items()],
        'dns_servers': servers,
        'dns_adapters': adapter_names,
        'credential_specs': wanted,
        'stale_files': stale,
        'ledger_written': ledger_written,
        'ledger': ledger_kept,
        'spec_folder_files': spec_folder_files(wanted, stale, ledger_written, ledger_kept),
        'canary': {'image': image, 'isolation': isolation, 'tests': canary_tests, 'problem': canary_problem},
    }


# -------------------------------------------------------------- the container runtime
DEFAULT_DOCKER_ROOT = 'C:\\ProgramData\\docker'
DEFAULT_DOCKER_CONFIG = 'C:\\ProgramData\\docker\\config\\daemon.json'


def dockerd_words(command_line):
    try:
        return shlex.split(command_line or '', posix=False)
    except ValueError:
        return (command_line or '').split()


def dockerd_flag(command_line, *names):
    """The value of a dockerd flag on the service's command line (--flag value, --flag=value, quoted or not)."""
    words = dockerd_words(command_line)
    for index, word in enumerate(words):
        flag, equals, value = word.partition('=')
        if flag in names:
            value = value if equals else (words[index + 1] if index + 1 < len(words) else '')
            return value.strip('"')
    return ''


def daemon_json_text(content):
    """The text of daemon.json as dockerd reads it (moby's configuration loader): a UTF-8 or UTF-16 byte order mark
    says the encoding (Notepad writes the first, Windows PowerShell 5.1's Out-File and > the second), else UTF-8;
    blank means no setting. ``content`` is the file as ansible.windows.slurp returns it, base64."""
    raw = base64.b64decode(content or '')
    for bom, encoding in ((codecs.BOM_UTF8, 'utf-8'), (codecs.BOM_UTF16_LE, 'utf-16-le'), (codecs.BOM_UTF16_BE, 'utf-16-be')):
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding).strip()
    return raw.decode('utf-8').strip()


def configured_data_root(daemon_config, config_file):
    try:
        text = daemon_json_text(daemon_config)
        config = json.loads(text) if text else {}
    except ValueError as error:
        raise AnsibleFilterError('%s is not JSON (%s): fix it; dockerd does not start with it either' % (config_file, error))
    # data-root is today's name; graph the one older Docker releases read.
    return str(config.get('data-root') or config.get('graph') or '') if isinstance(config, dict) else ''


def service_program(command_line):
    """The program a service runs, from its command line (quoted or not)."""
    words = dockerd_words(command_line)
    return words[0].strip('"') if words else ''


def container_host_runtime(services, docker_root='', docker_info=None, daemon_config=''):
    by_name = {str(service.get('name', '')).lower(): service for service in services or []}
    docker = by_name.get('docker')
    engine = 'docker' if docker else 'containerd' if 'containerd' in by_name else 'none'
    command_line = (docker or {}).get('path') or ''
    flag_root = dockerd_flag(command_line, '--data-root', '--graph', '-g')
    config_file = dockerd_flag(command_line, '--config-file') or DEFAULT_DOCKER_CONFIG
    running = bool(docker) and docker.get('state') == 'started'
    answered = (docker_info or {}).get('rc') == 0 and (docker_info or {}).get('stdout', '').strip()
    root = (docker_root or (answered and docker_info['stdout'].strip()) or flag_root
            or configured_data_root(daemon_config, config_file) or DEFAULT_DOCKER_ROOT)
    spec_dir = ntpath.join(root, 'CredentialSpecs') if engine == 'docker' else ''
    return {
        'engine': engine,
        'docker_running': running,
        # docker.exe sits beside dockerd.exe; the WinRM service's PATH may not have that folder yet after an install.
        'docker_cli': ntpath.join(ntpath.dirname(service_program(command_line)), 'docker.exe') if docker else '',
        # Ask the daemon where it keeps its root when it runs; its configuration says it when it does not.
        'ask_docker': running and not docker_root,
        'read_config': engine == 'docker' and not docker_root and not flag_root,
        'config_file': config_file,
        'docker_root': root if engine == 'docker' else '',
        'spec_dir': spec_dir,
        'ledger_path': ntpath.join(spec_dir, LEDGER_NAME) if spec_dir else '',
    }


class FilterModule:
    def filters(self):
        return {'container_host_plan': container_host_plan, 'container_host_runtime': container_host_runtime}
