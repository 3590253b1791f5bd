# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the report module: every gMSA of the domain (or those named), who reads its password and how, and
the loose ends of the fleet. It only reads: check mode is the same run."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._inventory import gmsa_applications
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import utc_now
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import NamingError, gmsa_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report import build_report
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._collect import collect
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options

REPORT_OPTIONS = Options(dict(
    names=dict(type='list', elements='str'),
    applications=dict(type='list', elements='raw'),
    credential_spec_ledgers=dict(type='dict'),
))


def report(directory, params, mode):  # pylint: disable=unused-argument
    """The module's result: the report, and changed false."""
    wanted = [_checked_name(name) for name in params['names'] or []]
    applications = _applications(params['applications'])
    ledgers = _ledgers(params['credential_spec_ledgers'])
    collected = collect(directory, _group_names(applications), _user_names(applications))
    accounts = _chosen(collected.accounts, wanted)
    return {'changed': False,
            'report': build_report(collected, accounts, applications, ledgers, utc_now())}


def _checked_name(name):
    try:
        return gmsa_name(name)
    except NamingError as exc:
        raise ADInputError(str(exc), 'names') from None


def _applications(applications):
    """The inventory's applications as the roles derive them, or None when not given."""
    if applications is None:
        return None
    try:
        return gmsa_applications(applications)
    except AnsibleFilterError as exc:
        raise ADInputError(str(exc).replace('gmsa_applications: ', '', 1), 'applications') from None


def _ledgers(ledgers):
    for host, text in (ledgers or {}).items():
        if not isinstance(text, str):
            raise ADInputError('the ledger of %s must be the text of the file, not %s' % (host, type(text).__name__),
                               'credential_spec_ledgers')
    return ledgers or {}


def _group_names(applications):
    return [application['group']['sam_account_name'] for application in applications or []]


def _user_names(applications):
    return [user['sam_account_name'] for application in applications or [] if application['portable_user']
            for user in application['portable_user']['users']]


def _chosen(accounts, wanted):
    """The accounts ``wanted`` names (all when it names none); a name no gMSA has fails."""
    if not wanted:
        return accounts
    by_name = {account.name.lower(): account for account in accounts}
    missing = [name for name in wanted if name.lower() not in by_name]
    if missing:
        raise ADInputError('no gMSA named %s in the domain' % ', '.join(missing), 'names')
    return [by_name[name.lower()] for name in wanted]
