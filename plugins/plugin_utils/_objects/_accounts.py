# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What the kinds of AD object share: names, where new objects go, what kind of object an entry is, the
flags of userAccountControl, and finding existing accounts by their sAMAccountName."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError, refused_dn
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import account_name_filter
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    DirectoryError,
    check_dn,
    common_name,
    first_rdn,
    parent_dn,
    same_dn,
)

# Characters AD refuses in a sAMAccountName (and which Samba does not all check).
INVALID_SAM_CHARACTERS = '"/\\[]:;|=,+*?<>'
CN_MAX_LENGTH = 64


def check_name(name, field='name'):
    """The object's common name: any characters (they are escaped), at most 64 of them."""
    if not name or not name.strip():
        raise ADInputError('must not be empty', field)
    if len(name) > CN_MAX_LENGTH:
        raise ADInputError('%d characters, the directory allows at most %d' % (len(name), CN_MAX_LENGTH), field)


def check_sam_account_name(sam, field, max_length):
    if not sam or not sam.strip():
        raise ADInputError('must not be empty', field)
    bad = sorted({char for char in sam if char in INVALID_SAM_CHARACTERS or ord(char) < 32})
    if bad:
        raise ADInputError('%r contains %s; a sAMAccountName may not contain any of %s (give sam_account_name '
                           'without them; the name itself may keep them)'
                           % (sam, ' '.join(bad), INVALID_SAM_CHARACTERS), field)
    if sam.endswith('.'):
        raise ADInputError('%r ends with a dot, which a sAMAccountName may not' % sam, field)
    if len(sam) > max_length:
        raise ADInputError('%r has %d characters, at most %d are allowed' % (sam, len(sam), max_length), field)


# ------------------------------------------------------------------ userAccountControl
# The flags of an account's userAccountControl that this collection reads or writes (MS-ADTS 2.2.16).
UF_ACCOUNTDISABLE = 0x2
UF_NORMAL_ACCOUNT = 0x200
UF_WORKSTATION_TRUST_ACCOUNT = 0x1000   # a computer, and so a gMSA
UF_DONT_EXPIRE_PASSWD = 0x10000


def is_enabled(user_account_control):
    return not (user_account_control or 0) & UF_ACCOUNTDISABLE


def disabled_bits(enabled):
    """The ACCOUNTDISABLE bit for ``enabled``, for the engine's Flags."""
    return 0 if enabled else UF_ACCOUNTDISABLE


# ------------------------------------------------------------------ where new objects go
@dataclass(frozen=True)
class WellKnownContainer:
    """A container the domain head names by GUID (wellKnownObjects, MS-ADTS 6.1.1.4): it may be renamed or moved."""
    name: str
    guid: str


USERS_CONTAINER = WellKnownContainer('Users', 'a9d1ca15768811d1aded00c04fd8d5cd')
MANAGED_SERVICE_ACCOUNTS_CONTAINER = WellKnownContainer('Managed Service Accounts', '1EB93889E40C45DF9F0C64D23BBB6237')


def container_for(directory, path, default, field='path'):
    """The DN new objects go to: ``path`` after checking it exists, else the domain's ``default`` container.

    Either way the DN is the directory's own spelling of it.
    """
    if path:
        check_dn(path, field)
        entry = _read_path(directory, path, field)
        if entry is None:
            raise ADInputError('%s does not exist in %s; create the OU first or give an existing container or OU'
                               % (path, directory.facts.dns_name), field)
        return entry.dn
    return well_known_container(directory, default)


def _read_path(directory, path, field):
    try:
        return directory.read(path, ['objectClass'])
    except DirectoryError as exc:
        # A DN that parses here may still be one the DC cannot parse (a multi-valued RDN, say).
        if exc.description == 'invalidDNSyntax':
            raise refused_dn(field, path) from None
        raise


def well_known_container(directory, container):
    key = ('well-known container', container.guid)
    if key not in directory.remembered:
        entry = directory.read('<WKGUID=%s,%s>' % (container.guid, directory.facts.dn), ['objectClass'])
        if entry is None:
            raise ADError('the domain %s has no %s container; give path' % (directory.facts.dn, container.name))
        directory.remembered[key] = entry.dn  # a read by GUID answers with the container's real DN
    return directory.remembered[key]


# ------------------------------------------------------------------ what an object is
GMSA_CLASS = 'msDS-GroupManagedServiceAccount'
GMSA = 'gMSA'

# The most specific first: a gMSA is also a computer, and a computer also a user.
_KINDS = (
    (GMSA_CLASS.lower(), GMSA),
    ('msds-managedserviceaccount', 'managed service account'),
    ('computer', 'computer'),
    ('user', 'user'),
    ('group', 'group'),
)


def kind_of(object_classes):
    """What an object with these objectClass values is, in the words messages use ('gMSA', 'computer', 'user',
    'group', ...); for any other its most specific class."""
    lowered = [name.lower() for name in object_classes]
    for object_class, kind in _KINDS:
        if object_class in lowered:
            return kind
    return object_classes[-1] if object_classes else 'object'


def is_gmsa(object_classes):
    return kind_of(object_classes) == GMSA


# ------------------------------------------------------------------ finding accounts
# Names per search when reading ahead: up to three terms each, far below what AD and Samba accept in one request.
READ_AHEAD_CHUNK = 200


def accounts_named(directory, names, attributes, computer_accounts=False, same_common_name=False):
    """Every object whose sAMAccountName is one of ``names``, found with one search of the domain.

    ``computer_accounts`` also finds name$ (a computer or gMSA written without its $);
    ``same_common_name`` also every account whose common name is one of ``names``. Names an earlier
    search of this task already covered (``Directory.accounts_read``) need no search.
    """
    searched = [variant for name in names for variant in ((name, name + '$') if computer_accounts else (name,))]
    common_names = list(names) if same_common_name else []
    read = directory.accounts_read
    known = ([read.entries(name, attributes) for name in searched]
             + [read.entries(name, attributes, by_common_name=True) for name in common_names])
    if None not in known:
        return list({entry.dn.lower(): entry for entries in known for entry in entries}.values())
    found = directory.search(directory.facts.dn, account_name_filter(names, computer_accounts, same_common_name),
                             list(attributes))
    read.note(searched, attributes, found, common_names)
    return found


def read_accounts_ahead(directory, names, attributes, computer_accounts=False, same_common_name=False):
    """Read the accounts ``names`` name, as ``accounts_named`` would one by one, with a few searches: so that the
    finds of a task of many applications are answered without searching again."""
    unique = sorted({name.lower(): name for name in names if name}.values(), key=str.lower)
    for start in range(0, len(unique), READ_AHEAD_CHUNK):
        accounts_named(directory, unique[start:start + READ_AHEAD_CHUNK], attributes, computer_accounts,
                       same_common_name)


def find_account(directory, sam, attributes, kind):
    """The ``kind`` of object ('user', 'group') with this sAMAccountName in the domain, or None.

    Another kind of object holding the name is an input error: the name is taken.
    """
    found = accounts_named(directory, [sam], attributes)
    if len(found) > 1:  # the DC keeps them unique; a replication conflict can still leave two
        raise ADError('more than one object has the sAMAccountName %r: %s; resolve the conflict first'
                      % (sam, '; '.join(entry.dn for entry in found)))
    if not found:
        return None
    entry = found[0]
    found_kind = kind_of(entry.texts('objectClass'))
    if found_kind != kind:
        raise ADInputError('%r belongs to the %s %s, not to a %s; choose another name'
                           % (sam, found_kind, entry.dn, kind), 'sam_account_name')
    return entry


# ------------------------------------------------------------------ existing objects
def check_common_name(dn, name, kind):
    """Refuse to silently manage an object whose name is not the one the task gives (no renames; a move is
    ``new_parent_for``)."""
    if common_name(dn).casefold() != name.casefold():
        raise ADInputError('the %s with this sAMAccountName is %s, whose name is not %r; give its name '
                           '(or a different sam_account_name); renaming is not supported' % (kind, dn, name), 'name')


def new_parent_for(directory, dn, path, default):
    """Where the existing object ``dn`` moves to for ``path`` (checked as a new object's path is), or None when
    it stays: no path given, or it is there already."""
    if not path or same_dn(parent_dn(dn), path):
        return None
    container = container_for(directory, path, default)
    return None if same_dn(parent_dn(dn), container) else container


def moved_dn(dn, new_parent):
    """``dn`` once moved under ``new_parent`` (None: where it is)."""
    return '%s,%s' % (first_rdn(dn), new_parent) if new_parent else dn
