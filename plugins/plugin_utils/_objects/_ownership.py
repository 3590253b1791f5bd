# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Whose an existing object is, and whether a task may take it as it finds it (the ``adopt`` option).

The names of an application's group, portable user and gMSA follow a public rule, so anyone allowed to create a
group or a user somewhere (a delegation on an OU) can make them first. What a delegated user creates, that user
owns, and an owner keeps the right to change the object's permissions: between two runs they could add
themselves to the group that reads the gMSA password, or reset the portable user's password. So an object is
taken as it is only when the domain's administrators, the domain controller itself or the bind account own it
(what an administrator makes with the PowerShell steps is owned by Domain Admins), and, when the task gives a
path, it sits there. Anything else stops the task, unless ``adopt: true`` says to take it over: the bind account
then becomes its owner."""

from __future__ import annotations

from dataclasses import dataclass
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    SECURITY_DESCRIPTOR,
    DirectoryError,
    SecurityDescriptorError,
    owner_of_descriptor,
    parent_dn,
    same_dn,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import find_principal, shown_account

# Owners trusted whatever the domain: BUILTIN\Administrators, and the domain controller itself (LocalSystem).
WELL_KNOWN_OWNERS = {'S-1-5-32-544': 'BUILTIN\\Administrators', 'S-1-5-18': 'NT AUTHORITY\\SYSTEM'}
DOMAIN_ADMINS_RID = 512
ENTERPRISE_ADMINS_RID = 519


@dataclass(frozen=True)
class Adoption:
    """An object this task takes over: its owner becomes the bind account."""
    previous_owner: str     # as shown: DOMAIN\name, or the SID when it names no account
    owner_sid: str          # the bind account's SID, written as the new owner
    owner: str              # the bind account as shown

    def warning(self, kind, dn, check_mode):
        return '%s ownership of the %s %s from %s (adopt: true)' % (
            'would take' if check_mode else 'took', kind, dn, self.previous_owner)


def adoption_of(task, kind, entry):
    """What taking ``entry`` as it is needs, under the task's ``adopt`` option: None when the object is this
    collection's to take (or adopt is not given, or there is no object), an Adoption when adopt is true and
    someone else owns it. An object not ours with adopt false is refused, naming its owner and place."""
    adopt = task.asked('adopt')
    if adopt is None or entry is None:
        return None
    owner = owner_sid(entry)
    trusted = owner is not None and is_trusted_owner(task.directory, owner)
    placed = _where_asked(task, entry)
    if trusted and placed:
        return None
    if not adopt:
        raise ADInputError(_refusal(task, kind, entry, owner, trusted, placed), 'adopt')
    if trusted:
        return None  # ours, only somewhere else: moving it to path is all that adopting it takes
    account = bound_account_sid(task.directory)
    if account is None:
        raise ADError('the %s %s cannot be taken over: the domain controller does not say which account this '
                      'connection is bound as' % (kind, entry.dn))
    return Adoption(previous_owner=shown_owner(task.directory, owner), owner_sid=account,
                    owner=shown_owner(task.directory, account))


def owner_sid(entry):
    """The owner of the object as read (nTSecurityDescriptor limited to its owner), or None when the bind account
    may not read it."""
    try:
        return owner_of_descriptor(entry.raw(SECURITY_DESCRIPTOR))
    except SecurityDescriptorError:
        return None


def is_trusted_owner(directory, sid):
    """Whether an object owned by ``sid`` was made by the domain's administrators, the DC or the bind account."""
    sid = sid.upper()
    if sid in WELL_KNOWN_OWNERS or sid == '%s-%d' % (directory.facts.sid, DOMAIN_ADMINS_RID):
        return True
    return sid in (enterprise_admins_sid(directory), bound_account_sid(directory))


def enterprise_admins_sid(directory):
    """Enterprise Admins of the forest (a group of the forest root domain), or None when this DC cannot read that
    domain's head (a DC of a child domain holds only its own)."""
    key = 'enterprise admins'
    if key not in directory.remembered:
        facts = directory.facts
        root_sid = facts.sid if same_dn(facts.root_domain_dn, facts.dn) else _domain_sid(directory, facts.root_domain_dn)
        directory.remembered[key] = '%s-%d' % (root_sid, ENTERPRISE_ADMINS_RID) if root_sid else None
    return directory.remembered[key]


def bound_account_sid(directory):
    """The SID of the account the connection is bound as, or None when the DC does not say."""
    key = 'bound account sid'
    if key not in directory.remembered:
        name = directory.bound_account()
        entry = find_principal(directory, name, 'domain_username') if name else None
        directory.remembered[key] = sid_to_string(entry.raw('objectSid')).upper() if entry is not None else None
    return directory.remembered[key]


def shown_owner(directory, sid):
    """An owner as people read it: DOMAIN\\name, the well-known name, or the SID of a deleted account."""
    if sid is None:
        return 'an owner this account may not read'
    return WELL_KNOWN_OWNERS.get(sid) or shown_account(directory, sid)


def _domain_sid(directory, domain_dn):
    try:
        head = directory.read(domain_dn, ['objectSid'])
    except DirectoryError:
        return None
    return sid_to_string(head.raw('objectSid')) if head is not None and head.raw('objectSid') else None


def _where_asked(task, entry):
    path = task.asked('path')
    return not path or same_dn(parent_dn(entry.dn), path)


def _refusal(task, kind, entry, owner, trusted, placed):
    reasons, takes = [], []
    if not trusted:
        reasons.append('is owned by %s, neither the domain\'s administrators nor this account, and its owner may '
                       'change it at any time (add members, reset a password)' % shown_owner(task.directory, owner))
        takes.append('this account becomes its owner')
    if not placed:
        reasons.append('sits in %s, not in the path given (%s)' % (parent_dn(entry.dn), task.asked('path')))
        takes.append('it moves to the path')
    return 'the existing %s %s %s; remove it, or set adopt: true to take it over as it is (%s)' % (
        kind, entry.dn, ' and '.join(reasons), ' and '.join(takes))
