# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What the group and user modules share: names, where new objects go, and
finding an existing account by its sAMAccountName."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import dn_key, split_dn

# The Users container can be renamed or moved; its well-known GUID finds it anyway.
USERS_CONTAINER_GUID = 'a9d1ca15768811d1aded00c04fd8d5cd'

# Characters AD refuses in a sAMAccountName (and which Samba does not all check).
INVALID_SAM_CHARACTERS = '"/\\[]:;|=,+*?<>'
CN_MAX_LENGTH = 64


def check_name(name, field='name'):
    """The object's common name: any characters (they are escaped), at most 64 of them."""
    if not name or not name.strip():
        raise ADInputError('%s: must not be empty' % field)
    if len(name) > CN_MAX_LENGTH:
        raise ADInputError('%s: %d characters, the directory allows at most %d' % (field, len(name), CN_MAX_LENGTH))


def check_sam_account_name(sam, field, max_length):
    if not sam or not sam.strip():
        raise ADInputError('%s: must not be empty' % field)
    bad = sorted({char for char in sam if char in INVALID_SAM_CHARACTERS or ord(char) < 32})
    if bad:
        raise ADInputError('%s: %r contains %s; a sAMAccountName may not contain any of %s (give sam_account_name '
                           'without them; the name itself may keep them)'
                           % (field, sam, ' '.join(bad), INVALID_SAM_CHARACTERS))
    if sam.endswith('.'):
        raise ADInputError('%s: %r ends with a dot, which a sAMAccountName may not' % (field, sam))
    if len(sam) > max_length:
        raise ADInputError('%s: %r has %d characters, at most %d are allowed' % (field, sam, len(sam), max_length))


def object_dn(name, parent_dn):
    from ldap3.utils.dn import escape_rdn

    return 'CN=%s,%s' % (escape_rdn(name), parent_dn)


def same_dn(first, second):
    return dn_key(first) == dn_key(second)


def parent_of(dn):
    """The parent DN, as the directory wrote it (only the first RDN is cut off)."""
    index = 0
    while index < len(dn):
        if dn[index] == '\\':
            index += 2
            continue
        if dn[index] == ',':
            return dn[index + 1:].strip()
        index += 1
    return ''


def common_name_of(dn):
    rdns = split_dn(dn)
    return rdns[0][0][1] if rdns and rdns[0] else ''


def container_for(directory, path, field='path'):
    """The DN new objects go to: ``path`` after checking it exists, else the domain's Users container."""
    if path:
        _check_dn_syntax(path, field)
        entry = directory.read(path, ['objectClass'])
        if entry is None:
            raise ADInputError('%s: %s does not exist in %s; create the OU first or give an existing one'
                               % (field, path, directory.facts.dns_name))
        return entry.dn
    entry = directory.read('<WKGUID=%s,%s>' % (USERS_CONTAINER_GUID, directory.facts.dn), ['objectClass'])
    # A read by GUID answers with the container's real DN.
    return entry.dn if entry is not None else 'CN=Users,%s' % directory.facts.dn


def _check_dn_syntax(dn, field):
    if '=' not in dn or not all(attribute for rdn in split_dn(dn) for attribute, _value in rdn):
        raise ADInputError('%s: %r is not a distinguished name (such as OU=Groups,DC=contoso,DC=com)' % (field, dn))


def find_account(directory, sam, attributes):
    """The one object with this sAMAccountName in the domain, or None."""
    from ldap3.utils.conv import escape_filter_chars

    found = directory.search(directory.facts.dn, '(sAMAccountName=%s)' % escape_filter_chars(sam),
                             list(attributes))
    if len(found) > 1:  # the DC keeps them unique; a replication conflict can still leave two
        raise ADError('more than one object has the sAMAccountName %r: %s; resolve the conflict first'
                      % (sam, '; '.join(entry.dn for entry in found)))
    return found[0] if found else None


def object_classes(entry):
    return [value.lower() for value in entry.texts('objectClass')]


def check_location(dn, name, path, kind):
    """Refuse to silently manage an object that is not where the task says it is (no moves or renames)."""
    if common_name_of(dn).casefold() != name.casefold():
        raise ADInputError('name: the %s with this sAMAccountName is %s, whose name is not %r; give its name '
                           '(or a different sam_account_name); renaming is not supported' % (kind, dn, name))
    if path and not same_dn(parent_of(dn), path):
        raise ADInputError('path: the %s with this sAMAccountName is %s, not in %s; give its current path, or move '
                           'it first; moving is not supported' % (kind, dn, path))


def name_taken_message(directory, dn, kind):
    """For an add the DC refused because an object with that DN exists (with another sAMAccountName)."""
    result = directory.connection.result or {}
    if result.get('description') == 'entryAlreadyExists':
        return ('name: %s already exists and is not this %s (its sAMAccountName differs); choose another name or '
                'path, or give its sAMAccountName in sam_account_name' % (dn, kind))
    return None
