# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The msDS-ManagedPassword blob (MSDS-MANAGEDPASSWORD_BLOB, MS-ADTS 2.2.19) and what a client derives from it.

The password is a secret: a ManagedPassword object never shows it in its
repr, and callers take only the derived Kerberos input (to obtain a ticket in
memory) and the timing, never the bytes themselves.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

# u16 version, u16 reserved, u32 length, then u16 offsets of the current password,
# the previous password (0 when there is none), the query and the unchanged intervals.
_HEADER = struct.Struct('<HHIHHHH')
_INTERVAL = struct.Struct('<Q')
BLOB_VERSION = 1
# The DC generates 256 bytes (128 UTF-16 code units); the string ends in a NUL code unit.
PASSWORD_BYTES = 256


class ManagedPasswordError(ValueError):
    """The bytes are not a managed password blob (the message never contains them)."""


@dataclass(frozen=True)
class ManagedPassword:
    """One reading of msDS-ManagedPassword: the passwords (hidden) and when they change."""
    current: bytes = field(repr=False)
    previous: Optional[bytes] = field(repr=False)
    query_interval: timedelta
    unchanged_interval: timedelta

    def __str__(self):
        return 'ManagedPassword(previous=%s, next change in %s)' % (self.previous is not None, self.query_interval)

    def kerberos_password(self):
        """The string-to-key input: the UTF-16LE password as UTF-8, unpaired surrogates as U+FFFD.

        This is what Windows itself feeds to the Kerberos key derivation, so
        the keys derived here equal the ones the KDC holds.
        """
        return kerberos_password(self.current)

    def next_change(self, now):
        """When the domain controller starts handing out the next password."""
        return now + self.query_interval


def parse_managed_password(data):
    """A ManagedPassword from the raw attribute value; ManagedPasswordError when it is malformed."""
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise ManagedPasswordError('msDS-ManagedPassword is %d bytes, shorter than its header' % len(data))
    version, _reserved, length, current_at, previous_at, query_at, unchanged_at = _HEADER.unpack_from(data)
    if version != BLOB_VERSION:
        raise ManagedPasswordError('msDS-ManagedPassword has version %d; only version 1 is known' % version)
    if length > len(data):
        raise ManagedPasswordError('msDS-ManagedPassword says it is %d bytes long but %d arrived' % (length, len(data)))
    data = data[:length]
    return ManagedPassword(
        current=_password_at(data, current_at, 'current password'),
        previous=_password_at(data, previous_at, 'previous password') if previous_at else None,
        query_interval=_interval_at(data, query_at, 'query interval'),
        unchanged_interval=_interval_at(data, unchanged_at, 'unchanged interval'),
    )


def kerberos_password(password_utf16):
    """UTF-8 bytes of a UTF-16LE password, as Windows turns a machine password into Kerberos keys."""
    return bytes(password_utf16).decode('utf-16-le', 'replace').encode('utf-8')


def password_age(password_last_set, now):
    return None if password_last_set is None else max(now - password_last_set, timedelta(0))


def next_rollover(password_last_set, interval_days):
    """When the current password expires by the account's own schedule (pwdLastSet + msDS-ManagedPasswordInterval)."""
    if password_last_set is None or not interval_days:
        return None
    return password_last_set + timedelta(days=interval_days)


def _password_at(data, offset, what):
    if offset < _HEADER.size or offset >= len(data):
        raise ManagedPasswordError('msDS-ManagedPassword: the %s offset %d is outside the blob' % (what, offset))
    end = _string_end(data, offset)
    if end is None:
        raise ManagedPasswordError('msDS-ManagedPassword: the %s has no terminating NUL' % what)
    if end == offset:
        raise ManagedPasswordError('msDS-ManagedPassword: the %s is empty' % what)
    return data[offset:end]


def _string_end(data, offset):
    """The offset of the NUL code unit ending the UTF-16LE string at ``offset``.

    The generated password is random binary and may contain a NUL code unit
    anywhere, so the fixed length is used when it fits, and only then a scan.
    """
    fixed_end = offset + PASSWORD_BYTES
    if fixed_end + 2 <= len(data) and data[fixed_end:fixed_end + 2] == b'\0\0':
        return fixed_end
    for position in range(offset, len(data) - 1, 2):
        if data[position:position + 2] == b'\0\0':
            return position
    return None


def _interval_at(data, offset, what):
    if offset < _HEADER.size or offset + _INTERVAL.size > len(data):
        raise ManagedPasswordError('msDS-ManagedPassword: the %s offset %d is outside the blob' % (what, offset))
    (value,) = _INTERVAL.unpack_from(data, offset)
    # A u64 of 100-ns units; the DC writes 0x7FFF... for "never", beyond what timedelta holds.
    return timedelta(microseconds=min(value // 10, int(timedelta.max.total_seconds()) * 10 ** 6))
