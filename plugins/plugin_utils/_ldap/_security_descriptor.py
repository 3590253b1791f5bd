# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The self-relative security descriptor (MS-DTYP 2.4.6): the one stored in msDS-GroupMSAMembership, and the
owner of an object's nTSecurityDescriptor.

Who may read a gMSA's password is the DACL of this descriptor: the domain
controller grants the read to principals with READ_PROPERTY in it. Only the
few structures that appear there are decoded; ACEs of other kinds are kept
byte for byte, so rewriting a descriptor another tool made loses nothing.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from typing import Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._codecs import sid_to_bytes, sid_to_string

ADMINISTRATORS_SID = 'S-1-5-32-544'

# What Windows tools (Set-ADServiceAccount, the AD module) and samba-tool write:
# CC DC LC SW RP WP DT LO CR SD RC WD WO. Reading the password needs only RP.
GMSA_MEMBERSHIP_MASK = 0x000F01FF
READ_PROPERTY = 0x10

ACCESS_ALLOWED = 0x00
ACCESS_DENIED = 0x01
ACCESS_ALLOWED_OBJECT = 0x05
ACCESS_DENIED_OBJECT = 0x06
_OBJECT_TYPES = (ACCESS_ALLOWED_OBJECT, ACCESS_DENIED_OBJECT)
_SIMPLE_TYPES = (ACCESS_ALLOWED, ACCESS_DENIED)
_ALLOWING = (ACCESS_ALLOWED, ACCESS_ALLOWED_OBJECT)
_DENYING = (ACCESS_DENIED, ACCESS_DENIED_OBJECT)

INHERIT_ONLY = 0x08
OBJECT_TYPE_PRESENT = 0x1
INHERITED_OBJECT_TYPE_PRESENT = 0x2

SE_DACL_PRESENT = 0x0004
SE_SELF_RELATIVE = 0x8000
# ACL revision 4 (ACL_REVISION_DS) is what AD writes; it also allows object ACEs.
ACL_REVISION_DS = 4

_HEADER = struct.Struct('<BBHIIII')   # revision, sbz1, control, owner, group, sacl, dacl offsets
_ACL_HEADER = struct.Struct('<BBHHH')  # revision, sbz1, size, count, sbz2
_ACE_HEADER = struct.Struct('<BBH')    # type, flags, size


class SecurityDescriptorError(ValueError):
    """The bytes are not a security descriptor this module can read."""


@dataclass(frozen=True)
class Ace:
    """One access control entry; ``raw`` keeps an entry read from the directory exactly as it was."""
    ace_type: int
    flags: int
    mask: int
    sid: Optional[str]
    object_type: Optional[bytes] = None
    raw: Optional[bytes] = field(default=None, repr=False, compare=False)

    @classmethod
    def allow(cls, sid, mask=GMSA_MEMBERSHIP_MASK):
        return cls(ACCESS_ALLOWED, 0, mask, sid)

    @property
    def applies_to_this_object(self):
        # Inherit-only entries only reach child objects; an object entry limited
        # to one property or right does not grant a plain read.
        return not self.flags & INHERIT_ONLY and self.object_type is None

    @property
    def allows(self):
        return self.ace_type in _ALLOWING

    @property
    def grants_read(self):
        return self.ace_type in _ALLOWING and self.applies_to_this_object and bool(self.mask & READ_PROPERTY)

    @property
    def denies_read(self):
        return self.ace_type in _DENYING and self.applies_to_this_object and bool(self.mask & READ_PROPERTY)

    def to_bytes(self):
        if self.raw is not None:
            return self.raw
        if self.ace_type not in _SIMPLE_TYPES:
            raise SecurityDescriptorError('only plain allow and deny entries can be built')
        body = struct.pack('<I', self.mask) + sid_to_bytes(self.sid)
        return _ACE_HEADER.pack(self.ace_type, self.flags, _ACE_HEADER.size + len(body)) + body


@dataclass(frozen=True)
class SecurityDescriptor:
    owner: Optional[str] = ADMINISTRATORS_SID
    group: Optional[str] = None
    dacl: Tuple[Ace, ...] = ()
    control: int = SE_SELF_RELATIVE | SE_DACL_PRESENT
    sacl: Optional[bytes] = field(default=None, repr=False)  # kept as read; never interpreted here
    dacl_revision: int = ACL_REVISION_DS

    def allowed_sids(self):
        """SIDs that may read the password, in DACL order: granted READ_PROPERTY and not denied it.

        The DC evaluates deny entries first in a canonical DACL, so one deny
        outweighs any number of allows for the same SID.
        """
        denied = {ace.sid for ace in self.dacl if ace.denies_read}
        allowed = []
        for ace in self.dacl:
            if ace.grants_read and ace.sid not in denied and ace.sid not in allowed:
                allowed.append(ace.sid)
        return allowed

    def with_allowed(self, add=(), remove=()):
        """A copy where the SIDs in ``add`` may read the password and those in ``remove`` no longer may.

        Other entries (deny entries of other principals, entries another tool
        wrote) stay as they were. A SID being added loses its deny entries,
        since asking to allow it means it should be able to read; new allow
        entries go last, after any deny, as canonical order wants.
        """
        add = [sid.upper() for sid in add]
        remove = {sid.upper() for sid in remove}
        kept = []
        for ace in self.dacl:
            if ace.sid in remove and ace.ace_type in _ALLOWING:
                continue
            if ace.sid in add and ace.ace_type in _DENYING:
                continue
            kept.append(ace)
        granted = {ace.sid for ace in kept if ace.grants_read}
        kept.extend(Ace.allow(sid) for sid in add if sid not in granted)
        return replace(self, dacl=tuple(kept), control=self.control | SE_DACL_PRESENT | SE_SELF_RELATIVE)

    def to_bytes(self):
        """The self-relative form: header, then owner, group, SACL and DACL in that order."""
        owner = sid_to_bytes(self.owner) if self.owner else b''
        group = sid_to_bytes(self.group) if self.group else b''
        sacl = self.sacl or b''
        dacl = _acl_bytes(self.dacl, self.dacl_revision)
        offset = _HEADER.size
        offsets = []
        for part in (owner, group, sacl, dacl):
            offsets.append(offset if part else 0)
            offset += len(part)
        control = self.control | SE_SELF_RELATIVE | SE_DACL_PRESENT
        return _HEADER.pack(1, 0, control, *offsets) + owner + group + sacl + dacl


def owner_descriptor(sid):
    """A descriptor that holds only an owner: what a modify of nTSecurityDescriptor limited to the owner writes."""
    owner = sid_to_bytes(sid)
    return _HEADER.pack(1, 0, SE_SELF_RELATIVE, _HEADER.size, 0, 0, 0) + owner


def owner_of_descriptor(data):
    """The owner SID of a self-relative descriptor (one read limited to its owner, say), or None."""
    return parse_security_descriptor(data).owner if data else None


def build_membership_descriptor(sids):
    """The descriptor Windows tools write for PrincipalsAllowedToRetrieveManagedPassword = ``sids``."""
    return SecurityDescriptor(dacl=tuple(Ace.allow(sid.upper()) for sid in sids))


def parse_security_descriptor(data):
    """A SecurityDescriptor from self-relative bytes. Raises SecurityDescriptorError for anything malformed."""
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise SecurityDescriptorError('%d bytes are too short for a security descriptor' % len(data))
    revision, _sbz1, control, owner_at, group_at, sacl_at, dacl_at = _HEADER.unpack_from(data)
    if revision != 1:
        raise SecurityDescriptorError('unknown security descriptor revision %d' % revision)
    if not control & SE_SELF_RELATIVE:
        raise SecurityDescriptorError('not a self-relative security descriptor')
    dacl, dacl_revision = (), ACL_REVISION_DS
    if control & SE_DACL_PRESENT and dacl_at:
        dacl_revision, dacl = _read_acl(data, dacl_at)
    sacl = None
    if sacl_at:
        sacl_size = _ACL_HEADER.unpack_from(_slice(data, sacl_at, _ACL_HEADER.size))[2]
        sacl = _slice(data, sacl_at, sacl_size)
    return SecurityDescriptor(owner=_read_sid(data, owner_at) if owner_at else None,
                              group=_read_sid(data, group_at) if group_at else None,
                              dacl=dacl, control=control, sacl=sacl, dacl_revision=dacl_revision)


def _acl_bytes(aces, revision):
    body = b''.join(ace.to_bytes() for ace in aces)
    return _ACL_HEADER.pack(revision, 0, _ACL_HEADER.size + len(body), len(aces), 0) + body


def _read_acl(data, offset):
    revision, _sbz1, size, count, _sbz2 = _ACL_HEADER.unpack_from(_slice(data, offset, _ACL_HEADER.size))
    end = offset + size
    if end > len(data):
        raise SecurityDescriptorError('the access control list runs past the end of the descriptor')
    position, aces = offset + _ACL_HEADER.size, []
    for _index in range(count):
        ace_type, flags, ace_size = _ACE_HEADER.unpack_from(_slice(data, position, _ACE_HEADER.size))
        if ace_size < _ACE_HEADER.size + 4 or position + ace_size > end:
            raise SecurityDescriptorError('an access control entry has an impossible size %d' % ace_size)
        aces.append(_read_ace(data[position:position + ace_size], ace_type, flags))
        position += ace_size
    return revision, tuple(aces)


def _read_ace(raw, ace_type, flags):
    (mask,) = struct.unpack_from('<I', raw, _ACE_HEADER.size)
    body = _ACE_HEADER.size + 4
    if ace_type in _SIMPLE_TYPES:
        return Ace(ace_type, flags, mask, _read_sid(raw, body), raw=raw)
    if ace_type in _OBJECT_TYPES:
        (object_flags,) = struct.unpack_from('<I', _slice(raw, body, 4))
        position, object_type = body + 4, None
        if object_flags & OBJECT_TYPE_PRESENT:
            object_type = _slice(raw, position, 16)
            position += 16
        if object_flags & INHERITED_OBJECT_TYPE_PRESENT:
            position += 16
        return Ace(ace_type, flags, mask, _read_sid(raw, position), object_type=object_type, raw=raw)
    # Audit, alarm, callback and resource entries carry no grant to read; kept as they are.
    return Ace(ace_type, flags, mask, None, raw=raw)


def _read_sid(data, offset):
    header = _slice(data, offset, 8)
    length = 8 + 4 * header[1]
    return sid_to_string(_slice(data, offset, length)).upper()


def _slice(data, offset, length):
    if offset + length > len(data):
        raise SecurityDescriptorError('the descriptor ends inside a structure at offset %d' % offset)
    return data[offset:offset + length]
