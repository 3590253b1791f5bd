# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Values as AD stores them, bytes or numbers in, Python values out, and back: SIDs, GUIDs, FILETIMEs and GeneralizedTimes.

Pure functions that depend on nothing, not even the rest of this package.
"""

from __future__ import annotations

import struct
import uuid
from datetime import datetime, timedelta, timezone

FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


def sid_to_string(data):
    """A binary objectSid as S-1-5-21-..."""
    revision, count = data[0], data[1]
    authority = int.from_bytes(data[2:8], 'big')
    subs = struct.unpack('<%dI' % count, data[8:8 + 4 * count])
    return 'S-%d-%d%s' % (revision, authority, ''.join('-%d' % sub for sub in subs))


def sid_to_bytes(text):
    parts = text.strip().upper().split('-')
    if len(parts) < 3 or parts[0] != 'S' or not all(p.isdigit() for p in parts[1:]):
        raise ValueError('not a SID: %s' % text)
    revision, authority, subs = int(parts[1]), int(parts[2]), [int(p) for p in parts[3:]]
    return bytes([revision, len(subs)]) + authority.to_bytes(6, 'big') + struct.pack('<%dI' % len(subs), *subs)


def guid_to_string(data):
    """A binary objectGUID in the lowercase form Windows tools print, without braces."""
    return str(uuid.UUID(bytes_le=bytes(data)))


def filetime_to_datetime(value):
    """A FILETIME (100-ns intervals since 1601) as an aware UTC datetime."""
    return FILETIME_EPOCH + timedelta(microseconds=int(value) // 10)


def datetime_to_filetime(moment):
    delta = moment.astimezone(timezone.utc) - FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def generalized_time_to_datetime(text):
    """An LDAP GeneralizedTime in UTC as AD writes it (``20261202023935.0Z``, rootDSE currentTime) as an aware
    datetime; None for what is not one."""
    digits, _dot, fraction = (text or '').rstrip('Zz').partition('.')
    try:
        moment = datetime.strptime(digits, '%Y%m%d%H%M%S').replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if fraction.isdigit():
        moment += timedelta(seconds=float('0.' + fraction))
    return moment


def iso(moment):
    """An aware datetime as the modules return times: ISO 8601 in UTC, with a Z."""
    return moment.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')


def dn_to_dns_name(dn):
    """DC=contoso,DC=com as contoso.com."""
    return '.'.join(part.split('=', 1)[1] for part in dn.split(',') if part.strip().upper().startswith('DC='))
