# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The service_accounts role's one task for all its applications: the logic of the filters
gmsa_application_arguments and portable_credentials.

For each present application (as gmsa_applications derives it) the application module's arguments, and for
each one outside the domain its active portable user and where that user's password is: the inventory's
portable_user.password, else the file <secret dir>/<sAMAccountName>, which the module generates when it is
missing. What these return carries passwords: use it only in tasks with no_log.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._inventory import spec_file_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._rotation import RotationError, active_user

# What check mode hands over for a password no file holds yet: nothing is made with it.
CHECK_MODE_PLACEHOLDER = 'check-mode-placeholder-never-written'


def portable_credential_sources(plan, applications, secret_path, rotation_states, domain_name):
    """{application: {name, sam_account_name, domain, password, password_file}} of its active portable user."""
    given = {application.get('name'): (application.get('portable_user') or {}).get('password')
             for application in applications or []}
    sources = {}
    for application in _present(plan):
        if application['domain_joined']:
            continue
        try:
            user = active_user(application, (rotation_states or {}).get(application['name']))
        except RotationError as error:
            raise AnsibleFilterError('portable_credential_sources: %s' % error)
        password = given.get(application['name']) or None
        sources[application['name']] = {
            'name': user['name'], 'sam_account_name': user['sam_account_name'], 'domain': domain_name,
            'password': password,
            'password_file': None if password else '%s/%s' % (secret_path, user['sam_account_name']),
        }
    return sources


def gmsa_application_arguments(plan, sources, output_path, secret_path, domain, standby_missing=()):
    """The ``applications`` of wincontainers.gmsa.application for every present application of ``plan``.

    ``sources`` is what portable_credential_sources returns; ``standby_missing`` the standby users that check
    mode could not make, left out of the groups."""
    missing = {name.lower() for name in standby_missing or ()}
    return [_without_none(_arguments(application, (sources or {}).get(application['name']), output_path, secret_path,
                                     domain, missing)) for application in _present(plan)]


def _arguments(application, source, output_path, secret_path, domain, standby_missing):
    name = application['name']
    portable_users = [user['sam_account_name'] for user in (application['portable_user'] or {}).get('users', [])]
    arguments = {
        'name': name,
        'dns_hostname': application['dns_hostname'] or None,
        'spns': {'set': application['all_spns']},
        'description': 'gMSA of the %s containers' % name,
        'adopt': application['adopt'],
        'group': {
            'name': application['group']['name'],
            'sam_account_name': application['group']['sam_account_name'],
            'path': application['group']['path'] or None,
            'scope': 'domain_local',
            'description': 'Container hosts allowed to retrieve the password of the %s gMSA' % name,
            'members': {'set': [user for user in portable_users if user.lower() not in standby_missing]},
            'adopt': application['group']['adopt'],
        },
        # Members of the group too, each once proven to be the host meant.
        'container_hosts': application['host_accounts'],
        'host_computer_accounts': application['host_computer_accounts'],
        'credential_spec': _credential_spec(application, output_path, domain),
    }
    if source is not None:
        arguments['portable_user'] = {
            'name': source['name'],
            'sam_account_name': source['sam_account_name'],
            'path': application['portable_user']['path'],
            'password': source['password'],
            'password_file': source['password_file'],
            'update_password': 'when_changed',
            'password_record_file': '%s/%s.record' % (secret_path, source['sam_account_name']),
            'description': 'ccg.exe identity of the container hosts outside the domain that run %s' % name,
            'adopt': application['portable_user']['adopt'],
        }
    return arguments


def _credential_spec(application, output_path, domain):
    plugin, kubernetes = application['plugin'], application['kubernetes']
    spec = {
        'additional_accounts': application['additional_accounts'],
        # The name the container hosts and Docker expect; the module's own rule.
        'dest': '%s/credentialspecs/%s' % (output_path, spec_file_name(application['name'], domain)),
    }
    if plugin:
        spec['host_account_config'] = {'plugin_guid': plugin['guid'], 'plugin_input': plugin['input']}
    if kubernetes:
        spec['kubernetes_name'] = kubernetes['name']
    return spec


def portable_credentials(sources, password_texts, check_mode=False):
    """{application: {domain, username, password}}, the hand-over to the later steps: the inventory's password,
    else the text of the password file (``password_texts``: {path: text}); None when there is no file yet, and in
    check mode a placeholder that nothing is made with."""
    credentials = {}
    for application, source in (sources or {}).items():
        password = source['password'] or (password_texts or {}).get(source['password_file'])
        if password is None and check_mode:
            password = CHECK_MODE_PLACEHOLDER
        credentials[application] = {'domain': source['domain'], 'username': source['sam_account_name'],
                                    'password': password}
    return credentials


def _without_none(value):
    """The arguments without the options left out: the module counts an option given as None as given."""
    if isinstance(value, dict):
        return {name: _without_none(item) for name, item in value.items() if item is not None}
    return value


def _present(plan):
    return [application for application in plan or [] if application['state'] == 'present']
