# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The ``identity`` option, as microsoft.ad has it: an existing object found by its sAMAccountName,
distinguished name, SID, GUID or user principal name."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import common_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    check_name,
    check_sam_account_name,
    kind_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import find_principal


@dataclass(frozen=True)
class Identity:
    """The object an ``identity`` names: where it is and the names the modules find it by."""
    dn: str
    name: str
    sam_account_name: str


def find_identity(directory, text, kind, field='identity'):
    """The ``kind`` of object ('group', 'user', 'gMSA') that ``text`` names, or None when no object has that
    identity. An identity that names another kind of object, or more than one, is an input error."""
    entry = find_principal(directory, text, field)
    if entry is None:
        return None
    found_kind = kind_of(entry.texts('objectClass'))
    if found_kind != kind:
        raise ADInputError('%r names the %s %s, not a %s' % (text, found_kind, entry.dn, kind), field)
    return Identity(dn=entry.dn, name=common_name(entry.dn), sam_account_name=entry.text('sAMAccountName') or '')


def identified_names(directory, params, kind):
    """(name, sAMAccountName) of the object the task is about: as given, completed from the object that
    ``identity`` names. (None, None) when only an identity is given and no object has it."""
    name, sam = params['name'], params['sam_account_name']
    if not params.get('identity'):
        return name, sam or name
    found = find_identity(directory, params['identity'], kind)
    if found is None:
        return name, sam or name
    if sam and sam.lower() != found.sam_account_name.lower():
        raise ADInputError('names the %s %s, whose sAMAccountName is %s, not %r; renaming is not supported'
                           % (kind, found.dn, found.sam_account_name, sam), 'identity')
    return name or found.name, found.sam_account_name


def checked_names(directory, params, kind, sam_max_length):
    """(name, sAMAccountName) of the ``kind`` of object the task is about, checked; None for ``state: absent``
    with only an identity that no object has (nothing to remove)."""
    name, sam = identified_names(directory, params, kind)
    if name is None:
        if params['state'] == 'absent':
            return None
        raise ADInputError('no %s has this identity; give name to create one' % kind, 'identity')
    check_name(name)
    check_sam_account_name(sam, 'sam_account_name' if params['sam_account_name'] else 'name', sam_max_length)
    return name, sam
