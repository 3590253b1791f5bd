# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Group Managed Service Accounts (msDS-GroupManagedServiceAccount objects)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

GMSA_CLASS = 'msDS-GroupManagedServiceAccount'
SUMMARY_ATTRIBUTES = ['sAMAccountName', 'dNSHostName', 'servicePrincipalName']


@dataclass(frozen=True)
class ServiceAccountSummary:
    dn: str
    sam_account_name: str
    dns_hostname: str
    spns: Tuple[str, ...]

    @property
    def name(self):
        return self.sam_account_name[:-1] if self.sam_account_name.endswith('$') else self.sam_account_name

    def as_dict(self):
        return {'name': self.name, 'sam_account_name': self.sam_account_name, 'dn': self.dn,
                'dns_hostname': self.dns_hostname, 'spns': sorted(self.spns)}


def list_service_accounts(directory):
    entries = directory.search(directory.facts.dn, '(objectClass=%s)' % GMSA_CLASS, SUMMARY_ATTRIBUTES)
    accounts = [ServiceAccountSummary(entry.dn, entry.text('sAMAccountName') or '', entry.text('dNSHostName') or '',
                                      tuple(entry.texts('servicePrincipalName')))
                for entry in entries]
    return sorted(accounts, key=lambda account: account.sam_account_name.lower())


def gmsa_schema_present(directory):
    """Whether the schema defines the gMSA class (schema version of Windows Server 2012 or later)."""
    found = directory.search(directory.facts.schema_dn, '(lDAPDisplayName=%s)' % GMSA_CLASS, ['cn'], scope='one')
    return bool(found)
