# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the domain_info module: what the domain is, its KDS root keys and its gMSAs. It only reads."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import read_root_keys, utc_now
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import (
    gmsa_schema_present,
    list_service_accounts,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options

DOMAIN_INFO_OPTIONS = Options(dict(
    list_service_accounts=dict(type='bool', default=True),
))


def domain_info(directory, params, mode):  # pylint: disable=unused-argument
    """The module's result."""
    now = utc_now()
    keys = [key.as_dict(now) for key in read_root_keys(directory)]
    accounts = list_service_accounts(directory) if params['list_service_accounts'] else []
    return {
        'changed': False,
        'domain': directory.facts.as_dict(),
        'kds_root_keys': keys,
        'kds_root_key_usable': any(key['usable_now'] for key in keys),
        'gmsa_supported': gmsa_schema_present(directory),
        'service_accounts': [account.as_dict() for account in accounts],
    }
