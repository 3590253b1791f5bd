# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the credential_spec module: the document of the gMSAs as the directory names them, its
Kubernetes resources, and its file unless in check mode."""

from __future__ import annotations

from dataclasses import replace

from ansible.utils.display import Display

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import (
    SECRET_FILE_MODE,
    account_name,
    build_credential_spec,
    check_kubernetes_name,
    credential_spec_json,
    default_kubernetes_name,
    file_mode,
    file_name,
    kubernetes_resources,
    non_string_leaves,
    parse_additional_accounts,
    parse_host_account_config,
    require_service_accounts,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._files import check_writable, ensure_file
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options

display = Display()

CREDENTIAL_SPEC_OPTIONS = Options(dict(
    account=dict(type='str', required=True),
    additional_accounts=dict(type='list', elements='raw', default=[]),
    host_account_config=dict(
        type='dict',
        options=dict(
            plugin_guid=dict(type='str', required=True),
            plugin_input=dict(type='raw', required=True),
            portable_ccg_version=dict(type='str', default='1'),
        ),
    ),
    dest=dict(type='path'),
    kubernetes_name=dict(type='str'),
))


def ensure_credential_spec(directory, params, mode):
    """The credential spec of ``params``: the module's result (the document, its JSON, its Kubernetes
    resources, and whether ``dest`` changed)."""
    account, additional, host_account, kubernetes_name = parsed_options(params)
    facts = directory.facts
    same_domain = [extra.name for extra in additional if extra.in_domain(facts.dns_name)]
    stored = require_service_accounts(directory, [account] + same_domain)
    # The names as the directory spells them, as New-CredentialSpec writes them.
    account = stored[account.lower()]
    kubernetes_name = kubernetes_name or default_kubernetes_name(account)
    additional = [replace(extra, name=stored[extra.name.lower()]) if extra.in_domain(facts.dns_name) else extra
                  for extra in additional]

    document = build_credential_spec(facts, account, additional, host_account)
    bad_leaves = non_string_leaves(document)
    if bad_leaves:
        raise ADInputError('credential spec values must be strings: %s' % ', '.join(bad_leaves))
    text = credential_spec_json(document)
    kubernetes, rbac = kubernetes_resources(kubernetes_name, document)
    result = {
        'changed': False,
        'credential_spec': document,
        'json': text,
        'file_name': file_name(facts, account),
        'kubernetes': kubernetes,
        'kubernetes_rbac': rbac,
    }
    if params['dest']:
        result.update(_write(params['dest'], text, document, mode))
    return result


def parsed_options(params):
    """The options that need no directory, checked: (account, additional accounts, host account config,
    Kubernetes name when given), and that ``dest`` can be written. A task that makes the gMSA first checks
    them before it makes anything."""
    account = account_name(params['account'])
    if params['dest']:
        check_writable(params['dest'])
    return (account, parse_additional_accounts(params['additional_accounts']),
            parse_host_account_config(params['host_account_config']),
            check_kubernetes_name(params['kubernetes_name']) if params['kubernetes_name'] else None)


def _write(dest, text, document, mode):
    permissions = file_mode(document)
    if permissions == SECRET_FILE_MODE:
        display.warning('host_account_config.plugin_input looks like it carries a credential: %s is written '
                        'readable by its owner only (0600); prefer a plug-in that reads the secret from a '
                        'secret store' % dest)
    change = ensure_file(dest, text, permissions, mode.check)
    written = {'changed': change.changed, 'dest': dest}
    if mode.diff and change.changed:
        written['diff'] = {'before': change.before or '', 'after': text,
                           'before_header': dest, 'after_header': dest}
    return written
