# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The application inventory (docs/data-model.md) turned into the names every role uses: the logic of the
filters gmsa_application, gmsa_applications, gmsa_credential_specs, gmsa_role_bindings, gmsa_verify_table and
credential_spec_file_name, and of the other filters that start from the inventory.

Every derived name is computed here and nowhere else, so that the roles, the
playbooks and the Kubernetes resources agree on what an application's group,
portable user and hosts are. The filters never see or return a password.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import DNS_1123, default_kubernetes_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import (
    NamingError,
    credential_spec_file_name,
    default_dns_hostname,
    default_spns,
    dns_hostname,
    gmsa_name,
    is_ip_address,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import computer_account as windows_computer_account
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._plugins import (
    RANCHER,
    TYPED_OPTIONS,
    PluginInputError,
    plugin_settings,
)


_KEYS = {
    'name', 'state', 'dns_hostname', 'spns', 'additional_accounts', 'group', 'container_hosts',
    'host_computer_accounts', 'domain_joined', 'portable_user', 'plugin', 'kubernetes', 'adopt',
}
_GROUP_KEYS = {'name', 'sam_account_name', 'path', 'adopt'}
_PORTABLE_USER_KEYS = {'name', 'sam_account_name', 'password', 'path', 'blue_green', 'standby_name',
                       'standby_sam_account_name', 'adopt'}
_PLUGIN_KEYS = {'type', 'guid', 'input', 'installer', 'deliver'} | TYPED_OPTIONS
_KUBERNETES_KEYS = {'name', 'namespace', 'service_accounts', 'secret_namespace'}

# What the checks of wincontainers.gmsa.verify are called in the table, in the order of the chain.
VERIFY_CHECKS = (
    ('kds_root_key', 'KDS key'),
    ('account', 'account'),
    ('spns', 'SPNs'),
    ('spns_unique', 'SPNs unique'),
    ('principal_allowed', 'allowed'),
    ('password_read', 'password read'),
    ('kerberos_tgt', 'TGT'),
)


def _fail(application, message):
    raise AnsibleFilterError('gmsa_applications: %s: %s' % (application, message))


def _section(application, value, key, allowed):
    """An optional sub-dictionary of the application, checked for unknown keys (typos fail here, not later)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(application, '%s must be a dictionary' % key)
    unknown = sorted(set(value) - allowed)
    if unknown:
        _fail(application, 'unknown %s %s (known: %s)' % (
            'key' if key == 'application' else key + ' key', ', '.join(unknown), ', '.join(sorted(allowed))))
    return value


def _string_list(application, value, key):
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        _fail(application, '%s must be a list' % key)
    return [to_text(item) for item in value]


def _accounts_list(application, value, key):
    """A list of accounts, where one account may be written alone: ``AppA`` is the one name AppA, not four."""
    if isinstance(value, (str, dict)):
        return [value]
    if value is not None and not isinstance(value, (list, tuple)):
        _fail(application, '%s must be a list of accounts' % key)
    return list(value or [])


def _unique(values):
    """The values in order, without repeats; account names compare without regard to case, as AD does."""
    seen, kept = set(), []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def _check_name(name):
    """The gMSA name, by the one rule the service_account module also applies."""
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError('gmsa_applications: every application needs a name (the gMSA name)')
    try:
        if gmsa_name(name) != name:
            raise NamingError('%r may not contain $; give the gMSA name without its trailing $' % name)
    except NamingError as error:
        _fail(name, str(error))


def container_host_account(hostname, hostvars=None):
    """What the application knows of one of its domain-joined container hosts: ``{host, computer_account,
    dns_hostname}``, the computer account to make a reader and the DNS host name it must carry to be the machine
    meant (the application module checks both in AD before the account reads anything).

    The host's name is gmsa_host_fqdn, else ansible_host when that is a name, else the inventory name when that is
    one: never an address. The computer account is gmsa_computer_account, else the one Windows makes for that name.
    A host known only by address, or by a name no Windows computer has, raises NamingError."""
    host = (hostvars or {}).get(hostname) or {}
    setting = host.get if hasattr(host, 'get') else (lambda _key: None)
    fqdn = setting('gmsa_host_fqdn')
    if fqdn:
        fqdn = dns_hostname(to_text(fqdn))
    address = to_text(setting('ansible_host') or hostname)
    name = fqdn or next((candidate for candidate in (address, hostname) if not is_ip_address(candidate)), None)
    given = setting('gmsa_computer_account')
    if given:
        given = to_text(given)
        account = given if given.endswith('$') else given + '$'
    else:
        account = windows_computer_account(name or hostname)
    return {'host': hostname, 'computer_account': account, 'dns_hostname': name}


def _container_host_accounts(application, hosts, hostvars):
    accounts = []
    for host in hosts:
        try:
            accounts.append(container_host_account(host, hostvars))
        except NamingError as error:
            _fail(application, 'container host %s: %s; set gmsa_computer_account (and gmsa_host_fqdn) for it in the '
                               'inventory to name its computer account' % (host, error))
    return accounts


def _kubernetes(name, value):
    if value is None:
        return None
    value = _section(name, value, 'kubernetes', _KUBERNETES_KEYS)
    default_name = default_kubernetes_name(name)
    kubernetes = {
        'name': to_text(value.get('name') or default_name),
        'namespace': value.get('namespace'),
        'service_accounts': _string_list(name, value.get('service_accounts'), 'kubernetes.service_accounts'),
        'secret_namespace': value.get('secret_namespace'),
    }
    if not DNS_1123.match(kubernetes['name']) or len(kubernetes['name']) > 253:
        _fail(name, 'kubernetes.name %r is not a lower-case DNS-1123 name' % kubernetes['name'])
    if kubernetes['service_accounts'] and not kubernetes['namespace']:
        _fail(name, 'kubernetes.namespace is needed for the RoleBinding of kubernetes.service_accounts')
    return kubernetes


def _portable_user(application, portable, user_name):
    """The portable user, and with blue_green the two users that take turns (docs/rotation.md): the first is the
    portable user itself, the second its standby, <name>2 unless named."""
    blue_green = portable.get('blue_green', False)
    if not isinstance(blue_green, bool):
        _fail(application, 'portable_user.blue_green must be true or false')
    sam = to_text(portable.get('sam_account_name') or user_name)
    users = [{'name': user_name, 'sam_account_name': sam}]
    if blue_green:
        if portable.get('password'):
            _fail(application, 'portable_user.password and blue_green exclude each other: a rotation makes the '
                               'passwords of both users')
        standby_name = to_text(portable.get('standby_name') or user_name + '2')
        users.append({'name': standby_name,
                      'sam_account_name': to_text(portable.get('standby_sam_account_name') or sam + '2')})
        if users[0]['sam_account_name'].lower() == users[1]['sam_account_name'].lower():
            _fail(application, 'portable_user.standby_sam_account_name must differ from the portable user\'s')
    elif portable.get('standby_name') or portable.get('standby_sam_account_name'):
        _fail(application, 'portable_user.standby_name is for blue_green: true')
    return {'name': user_name, 'sam_account_name': sam, 'path': portable.get('path'), 'blue_green': blue_green,
            'users': users, 'adopt': _flag(application, portable, 'adopt', 'portable_user.adopt')}


def _flag(application, section, key, shown_as):
    """An optional true or false of the application (false when not given)."""
    value = section.get(key, False)
    if not isinstance(value, bool):
        _fail(application, '%s must be true or false' % shown_as)
    return value


def _plugin(name, value):
    """The plug-in through the catalogue (plugin_utils/_plugins): type, CLSID, PluginInput, typed options, store."""
    try:
        settings = plugin_settings(value)
    except PluginInputError as error:
        _fail(name, str(error))
    deliver = value.get('deliver')
    if deliver is None:
        # The Kubernetes Secret has always been applied; a cloud store is written only when asked to.
        deliver = settings.type == RANCHER
    if not isinstance(deliver, bool):
        _fail(name, 'plugin.deliver must be true or false')
    derived = settings.as_dict()
    derived.update(installer=value.get('installer'), deliver=deliver, store=settings.store())
    return derived


def gmsa_application(application, groups=None, hostvars=None, domain=None):
    """One application of gmsa_applications with every default filled in and the derived names added."""
    if not isinstance(application, dict):
        raise AnsibleFilterError('gmsa_applications: each application must be a dictionary, not %r' % (application,))
    name = application.get('name')
    _check_name(name)
    _section(name, application, 'application', _KEYS)

    state = application.get('state') or 'present'
    if state not in ('present', 'absent'):
        _fail(name, 'state must be present or absent')
    domain_joined = application.get('domain_joined', True)
    if not isinstance(domain_joined, bool):
        _fail(name, 'domain_joined must be true or false')

    group = _section(name, application.get('group'), 'group', _GROUP_KEYS)
    container_hosts = application.get('container_hosts')
    if container_hosts is not None and not isinstance(container_hosts, str):
        _fail(name, 'container_hosts must be the name of one inventory group')
    hosts = _unique(list((groups or {}).get(container_hosts) or [])) if container_hosts else []
    host_accounts = _container_host_accounts(name, hosts, hostvars) if domain_joined else []
    computer_accounts = [account['computer_account'] for account in host_accounts]
    host_computer_accounts = _string_list(name, application.get('host_computer_accounts'), 'host_computer_accounts')

    portable = _section(name, application.get('portable_user'), 'portable_user', _PORTABLE_USER_KEYS)
    plugin = _section(name, application.get('plugin'), 'plugin', _PLUGIN_KEYS)
    if domain_joined:
        for key, value in (('portable_user', portable), ('plugin', plugin)):
            if value:
                _fail(name, '%s is for non-domain-joined hosts; set domain_joined: false or remove it' % key)
        portable_user = plugin = None
    else:
        if not plugin:
            _fail(name, 'plugin is needed when domain_joined is false: it tells ccg.exe where the portable user\'s '
                        'credentials are (plugin.type: rancher, aws_ecs, azure_key_vault or custom)')
        user_name = to_text(portable.get('name') or '%s-ccg' % name)
        portable_user = _portable_user(name, portable, user_name)
        plugin = _plugin(name, plugin)
        if portable_user['blue_green'] and plugin['store'] and plugin['store']['kind'] == 'kubernetes_secret':
            _fail(name, 'portable_user.blue_green is for plug-ins whose store the service_accounts role writes (aws_ecs, '
                        'azure_key_vault) or a plug-in without a store; Rancher\'s Secret is the kubernetes role\'s')

    members = computer_accounts + host_computer_accounts + (
        [user['sam_account_name'] for user in portable_user['users']] if portable_user else [])
    derived = {
        'name': name,
        'state': state,
        'dns_hostname': application.get('dns_hostname'),
        'spns': _string_list(name, application.get('spns'), 'spns'),
        'additional_accounts': _accounts_list(name, application.get('additional_accounts'), 'additional_accounts'),
        'group': {
            'name': to_text(group.get('name') or '%s Authorized Hosts' % name),
            'sam_account_name': to_text(group.get('sam_account_name') or '%sHosts' % name),
            'path': group.get('path'),
            'adopt': _flag(name, group, 'adopt', 'group.adopt'),
        },
        'adopt': _flag(name, application, 'adopt', 'adopt'),
        'container_hosts': container_hosts,
        'hosts': hosts,
        'computer_accounts': computer_accounts,
        'host_accounts': host_accounts,
        'host_computer_accounts': host_computer_accounts,
        'domain_joined': domain_joined,
        'portable_user': portable_user,
        'plugin': plugin,
        'kubernetes': _kubernetes(name, application.get('kubernetes')),
        'members': _unique(members),
    }
    if domain:
        try:
            derived['dns_hostname'] = derived['dns_hostname'] or default_dns_hostname(name, domain)
        except NamingError as error:
            _fail(name, str(error))
        derived['all_spns'] = _unique(default_spns(name, derived['dns_hostname']) + derived['spns'])
    return derived


def gmsa_applications(applications, groups=None, hostvars=None, domain=None):
    """Every application of the list through gmsa_application; two applications of one name fail."""
    if applications is None:
        return []
    if not isinstance(applications, (list, tuple)):
        raise AnsibleFilterError('gmsa_applications must be a list of applications')
    derived = [gmsa_application(application, groups, hostvars, domain) for application in applications]
    seen = {}
    for application in derived:
        for kind, value in _own_names(application):
            earlier = seen.setdefault((kind, value.lower()), application['name'])
            if earlier != application['name']:
                _fail(application['name'], 'its %s %s is also used by %s; each belongs to one application'
                      % (kind, value, earlier))
    return derived


def _own_names(application):
    """What one application alone may have: its name, its group, and its portable users (a rotation of one
    application's user would leave the other's store with a password AD no longer takes)."""
    yield 'name', application['name']
    yield 'group', application['group']['sam_account_name']
    for user in (application['portable_user'] or {}).get('users', []):
        yield 'portable user', user['sam_account_name']


def gmsa_role_bindings(application, cluster_role):
    """The RoleBinding that lets the application's Kubernetes service accounts use its credential spec."""
    kubernetes = application.get('kubernetes')
    if not kubernetes or not kubernetes['service_accounts']:
        return []
    role_name = cluster_role['metadata']['name']
    return [{
        'apiVersion': 'rbac.authorization.k8s.io/v1',
        'kind': 'RoleBinding',
        'metadata': {'name': role_name, 'namespace': kubernetes['namespace']},
        'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': role_name},
        'subjects': [{'kind': 'ServiceAccount', 'name': account, 'namespace': kubernetes['namespace']}
                     for account in kubernetes['service_accounts']],
    }]


def gmsa_credential_specs(results):
    """{application name: {file_name, json}}, the credential spec of each application as the container host and
    Kubernetes steps read it, from the ``applications`` result of wincontainers.gmsa.application.

    An application without a credential spec (check mode, for a gMSA that would be created; or one that failed)
    has no entry.
    """
    return {result['name']: {'file_name': result['credential_spec']['file_name'],
                             'json': result['credential_spec']['json']}
            for result in results or [] if result.get('credential_spec')}


def _verify_row(result):
    """(gMSA, principal, cells, fixes) of one wincontainers.gmsa.verify result of verify.yml's loop."""
    application, principal = result['item']
    checks = {check['name']: check for check in result.get('checks') or []}
    cells = ['-' if check not in checks else 'ok' if checks[check]['ok'] else 'FAILED' for check, _title in VERIFY_CHECKS]
    fixes = [checks[check]['detail'] for check, _title in VERIFY_CHECKS if check in checks and not checks[check]['ok']]
    if not checks and result.get('msg'):
        fixes.append(to_text(result['msg']))   # the module itself failed, for example a principal that does not exist
    return application['name'], principal, cells, fixes


def gmsa_verify_table(results, applications=()):
    """verify.yml's one table: a row per gMSA and principal, each check ok or FAILED, and the fixes of the failures.

    ``results`` are the registered loop results of wincontainers.gmsa.verify, whose items are
    ``[application, principal]``; ``applications`` adds a row for each one nobody may use.
    """
    rows = [_verify_row(result) for result in results]
    covered = {row[0] for row in rows}
    for application in applications:
        if application['name'] not in covered:
            rows.append((application['name'], '(none)', ['-'] * len(VERIFY_CHECKS),
                         ['no container hosts and no host_computer_accounts: no host may use this gMSA']))
    header = ['gMSA', 'principal'] + [title for _check, title in VERIFY_CHECKS] + ['fix']
    lines = [header] + [[gmsa, principal] + cells + ['; '.join(fixes) or '-'] for gmsa, principal, cells, fixes in rows]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header) - 1)]
    return [' | '.join([cell.ljust(width) for cell, width in zip(line, widths)] + [line[-1]]).rstrip()
            for line in lines]


def spec_file_name(account, domain):
    """The credential spec file name of the gMSA ``account`` in ``domain`` (domain_info's ``domain``), by the rule
    the credential_spec module names its file with."""
    netbios = domain.get('netbios_name') if isinstance(domain, dict) else None
    if not netbios:
        raise AnsibleFilterError('credential_spec_file_name: give the domain as wincontainers.gmsa.domain_info '
                                 'returns it (its netbios_name names the file)')
    return credential_spec_file_name(netbios, to_text(account))
