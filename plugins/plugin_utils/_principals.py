# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Principals and other objects as users write them: sAMAccountName (computers as HOST01$ or HOST01),
DOMAIN\\name, DN, SID, GUID or UPN. One parser and one way to find them, for every option that names an
existing object (members, allowed principals, identity, verify's account and principal, the credential spec's
accounts), and the names of SIDs."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    check_dn,
    escape_filter_bytes,
    escape_filter_value,
    guid_to_string,
    same_dn,
    sid_to_bytes,
    sid_to_string,
)

# What a Principal is made of; a search also reads userPrincipalName, to match names written as UPNs.
PRINCIPAL_ATTRIBUTES = ['objectSid', 'sAMAccountName', 'objectClass']
SEARCHED_ATTRIBUTES = PRINCIPAL_ATTRIBUTES + ['userPrincipalName', 'objectGUID']
_GUID = re.compile(r'^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$')


@dataclass(frozen=True)
class Principal:
    dn: str
    sid: str
    sam_account_name: str
    object_classes: Tuple[str, ...]

    @property
    def is_computer(self):
        return 'computer' in (c.lower() for c in self.object_classes)

    def as_dict(self):
        return {'name': self.sam_account_name, 'sid': self.sid, 'dn': self.dn}


@dataclass(frozen=True)
class _Wanted:
    """One principal as written, and how to recognise its entry."""
    text: str
    kind: str   # 'dn' | 'sid' | 'guid' | 'upn' | 'sam'
    value: str

    def ldap_filter(self):
        if self.kind == 'guid':
            return '(objectGUID=%s)' % escape_filter_bytes(uuid.UUID(self.value).bytes_le)
        if self.kind == 'sid':
            return '(objectSid=%s)' % escape_filter_bytes(sid_to_bytes(self.value))
        if self.kind == 'dn':
            return '(distinguishedName=%s)' % escape_filter_value(self.value)
        if self.kind == 'upn':
            return '(userPrincipalName=%s)' % escape_filter_value(self.value)
        return account_name_filter(sam_lookup_names(self.value))

    def matches(self, entry):
        if self.kind == 'guid':
            return entry.raw('objectGUID') is not None and guid_to_string(entry.raw('objectGUID')) == self.value
        if self.kind == 'sid':
            return sid_to_string(entry.raw('objectSid')) == self.value.upper()
        if self.kind == 'dn':
            return same_dn(entry.dn, self.value)
        if self.kind == 'upn':
            return (entry.text('userPrincipalName') or '').lower() == self.value.lower()
        sam = (entry.text('sAMAccountName') or '').lower()
        return sam in (self.value.lower(), self.value.lower() + '$')


def parse_principal(text, field):
    """How a principal was written. Raises ADInputError naming ``field`` for what cannot be one."""
    if not isinstance(text, str) or not text.strip():
        raise ADInputError('an empty name; give a sAMAccountName, DN, SID, GUID or UPN', field)
    text = text.strip()
    if text.upper().startswith('S-1-'):
        try:
            sid_to_bytes(text)
        except ValueError:
            raise ADInputError('%r is not a valid SID (S-1-5-21-...)' % text, field)
        return _Wanted(text, 'sid', text.upper())
    if _GUID.match(text):
        return _Wanted(text, 'guid', str(uuid.UUID(text.strip('{}'))))
    if '=' in text:
        check_dn(text, field)
        return _Wanted(text, 'dn', text)
    if '\\' in text:
        return _Wanted(text, 'sam', text.split('\\', 1)[1])
    if '@' in text:
        return _Wanted(text, 'upn', text)
    return _Wanted(text, 'sam', text)


def resolve_principals(directory, texts, field):
    """Principals for ``texts``, in order, found with one search.

    Every name that matches nothing, or more than one object, is named in a
    single error before anything is written.
    """
    wanted = [parse_principal(text, field) for text in texts]
    read_before = [_read_before(directory, item) for item in wanted]
    searched = [item for item, entry in zip(wanted, read_before) if entry is None]
    found = directory.search(directory.facts.dn, '(|%s)' % ''.join(w.ldap_filter() for w in searched),
                             SEARCHED_ATTRIBUTES) if searched else []
    resolved, unknown, ambiguous = [], [], []
    for item, entry in zip(wanted, read_before):
        entry = entry or _pick(item, found)
        if entry is None:
            (ambiguous if _is_ambiguous(item, found) else unknown).append(item.text)
        else:
            resolved.append(_principal(entry))
    if unknown:
        raise ADInputError('no account found for %s in %s; give an existing sAMAccountName, DN, SID or UPN'
                           % (', '.join(repr(t) for t in unknown), directory.facts.dns_name), field)
    if ambiguous:
        raise ADInputError('%s match more than one account; give the DN or SID instead'
                           % ', '.join(repr(t) for t in ambiguous), field)
    return resolved


def find_principal(directory, text, field, attributes=()):
    """The entry of the one object ``text`` names, read with ``attributes`` too, or None when no object has that
    name. A name that more than one object answers to is an input error naming ``field``."""
    wanted = parse_principal(text, field)
    found = directory.search(directory.facts.dn, wanted.ldap_filter(), SEARCHED_ATTRIBUTES + list(attributes))
    entry = _pick(wanted, found)
    if entry is None and _is_ambiguous(wanted, found):
        raise ADInputError('%r names more than one object: %s; give its DN, SID or GUID instead'
                           % (text, '; '.join(entry.dn for entry in found if wanted.matches(entry))), field)
    return entry


def names_of_sids(directory, sids):
    """{SID: sAMAccountName} of ``sids``, found with one search; SIDs the domain does not hold (deleted
    accounts, Everyone) are simply absent."""
    wanted = sorted({sid.upper() for sid in sids})
    if not wanted:
        return {}
    entries = directory.search(directory.facts.dn, '(|%s)' % ''.join(
        '(objectSid=%s)' % escape_filter_bytes(sid_to_bytes(sid)) for sid in wanted), ['objectSid', 'sAMAccountName'])
    return {sid_to_string(entry.raw('objectSid')).upper(): entry.text('sAMAccountName') for entry in entries}


def shown_account(directory, sid):
    """An account as people read it: DOMAIN\\name, or its SID when the domain holds no such account (a deleted
    one, another domain's)."""
    name = names_of_sids(directory, [sid]).get(sid.upper())
    return '%s\\%s' % (directory.facts.netbios_name, name) if name else sid


def sam_lookup_names(name):
    """The sAMAccountNames a principal written as the name ``name`` is looked up by: HOST01 may mean the computer
    HOST01$, so a name without its $ is also tried with it; an exact match wins (see _pick)."""
    return (name,) if name.endswith('$') else (name, name + '$')


def _read_before(directory, item):
    """The account an earlier search of this task item found under this sAMAccountName, or for a name without its
    $ under name$ when no account has the name itself (a computer written without its $); None when the searches
    before did not settle it. The search would pick the same: an exact name wins over name$."""
    if item.kind != 'sam':
        return None
    for name in sam_lookup_names(item.value):
        entries = directory.accounts_read.entries(name, PRINCIPAL_ATTRIBUTES)
        if entries is None or len(entries) > 1:
            return None
        if entries:
            return entries[0]
    return None


def _pick(item, entries):
    matching = [entry for entry in entries if item.matches(entry)]
    if item.kind == 'sam' and len(matching) > 1:
        exact = [e for e in matching if (e.text('sAMAccountName') or '').lower() == item.value.lower()]
        matching = exact
    return matching[0] if len(matching) == 1 else None


def _is_ambiguous(item, entries):
    return sum(1 for entry in entries if item.matches(entry)) > 1


def _principal(entry):
    return Principal(dn=entry.dn, sid=sid_to_string(entry.raw('objectSid')),
                     sam_account_name=entry.text('sAMAccountName') or '',
                     object_classes=tuple(entry.texts('objectClass')))


def account_name_filter(names, computer_accounts=False, same_common_name=False):
    terms = []
    for name in names:
        value = escape_filter_value(name)
        terms.append('(sAMAccountName=%s)' % value)
        if computer_accounts:
            terms.append('(sAMAccountName=%s$)' % value)
        if same_common_name:
            terms.append('(&(cn=%s)(sAMAccountName=*))' % value)
    return terms[0] if len(terms) == 1 else '(|%s)' % ''.join(terms)
