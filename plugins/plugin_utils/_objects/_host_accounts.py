# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The computer accounts of container hosts, proven to be the machines meant before they may read a gMSA's
password.

A computer account's name says little: any domain user may create up to ten computers under names of their
choosing (ms-DS-MachineAccountQuota, 10 by default), and a name derived from an inventory (an alias, an
address) may be another machine's. So each account is read from AD first: it must exist and be a computer; it
must carry the DNS host name the inventory knows the host by; and one created through the machine account quota
(Windows then writes the creator's SID in mS-DS-CreatorSID, MS-ADTS 3.1.1.5.2.1) is taken only when the
application names it itself, in host_computer_accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import sid_to_string
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import same_host_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import accounts_named, kind_of
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import shown_account

CREATOR_SID = 'mS-DS-CreatorSID'
COMPUTER_ATTRIBUTES = ('objectClass', 'objectSid', 'sAMAccountName', 'dNSHostName', CREATOR_SID)


@dataclass(frozen=True)
class HostAccount:
    """A computer account that is to read a password, and what proves it is the machine meant."""
    computer_account: str                # its sAMAccountName, with the $
    option: str                          # the option that gives it: container_hosts or host_computer_accounts
    dns_hostname: Optional[str] = None   # the name the inventory knows the host by: the one it must carry
    host: Optional[str] = None           # the host as the inventory names it
    named: bool = False                  # named by the application itself (host_computer_accounts)

    def __str__(self):
        return '%s: %s' % (self.option, '%s (%s)' % (self.host, self.computer_account) if self.host
                           else self.computer_account)


def host_accounts(container_hosts, host_computer_accounts):
    """The HostAccounts of an application's options: its container hosts, and the accounts it names (a container
    host's account named there too counts as named)."""
    named = [_with_dollar(name) for name in host_computer_accounts or []]
    named_lower = {name.lower() for name in named}
    accounts = [HostAccount(account, 'container_hosts', host.get('dns_hostname'), host.get('host'),
                            account.lower() in named_lower)
                for host in container_hosts or [] for account in [_with_dollar(host['computer_account'])]]
    taken = {account.computer_account.lower() for account in accounts}
    return accounts + [HostAccount(name, 'host_computer_accounts', named=True)
                       for name in named if name.lower() not in taken]


def check_host_accounts(directory, accounts):
    """Each account read from AD (with one search, or none after a read-ahead) and proven to be the machine
    meant; every one that is not is named in one input error, before anything is written."""
    if not accounts:
        return
    found = accounts_named(directory, [account.computer_account for account in accounts], COMPUTER_ATTRIBUTES)
    by_name = {(entry.text('sAMAccountName') or '').lower(): entry for entry in found}
    problems = [_problem(directory, account, by_name.get(account.computer_account.lower())) for account in accounts]
    problems = [problem for problem in problems if problem]
    if problems:
        raise ADInputError('; '.join(problems))


def _problem(directory, account, entry):
    """Why ``entry`` is not the machine ``account`` means, with the fix; None when it is."""
    if entry is None:
        fix = ('join the host to the domain first, or set gmsa_computer_account to its computer account'
               if account.option == 'container_hosts' else 'give an existing computer account')
        return '%s: no computer account %s in %s; %s' % (account, account.computer_account,
                                                         directory.facts.dns_name, fix)
    kind = kind_of(entry.texts('objectClass'))
    if kind != 'computer':
        return '%s: %s is the %s %s, not a computer' % (account, account.computer_account, kind, entry.dn)
    carried = entry.text('dNSHostName')
    if account.dns_hostname and not _carries(carried, account.dns_hostname):
        return ('%s: the computer account %s carries the DNS host name %s, not %s: it is another machine (or one not '
                'joined yet); set gmsa_computer_account to this host\'s computer account, or gmsa_host_fqdn to its '
                'DNS name' % (account, entry.dn, carried or '(none)', account.dns_hostname))
    creator = entry.raw(CREATOR_SID)
    if creator and not account.named:
        return ('%s: %s was created through the machine account quota by %s (mS-DS-CreatorSID), and any domain user '
                'may create such an account under any free name; if it is this host, name it in the application\'s '
                'host_computer_accounts' % (account, entry.dn, shown_account(directory, sid_to_string(creator))))
    return None


def _carries(carried, expected):
    """A host known only by its short name is taken when the account carries no DNS name yet; a known domain
    must match."""
    if not carried:
        return '.' not in expected
    return same_host_name(carried, expected)


def _with_dollar(name):
    return name if name.endswith('$') else name + '$'
