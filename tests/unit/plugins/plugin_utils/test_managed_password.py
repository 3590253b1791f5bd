"""The msDS-ManagedPassword blob: layout, Kerberos input, and nothing secret in what is printed."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._managed_password import (
    ManagedPasswordError,
    kerberos_password,
    next_rollover,
    parse_managed_password,
    password_age,
)

HUNDRED_NS_PER_SECOND = 10_000_000


def blob(current, previous=None, query=timedelta(days=29), unchanged=timedelta(days=29) - timedelta(minutes=5),
         version=1, pad=0):
    """A blob laid out as domain controllers write it: header, passwords with NUL, then the two u64 intervals."""
    header_size = 16
    body = b''
    current_at = header_size
    body += current + b'\0\0'
    previous_at = 0
    if previous is not None:
        previous_at = header_size + len(body)
        body += previous + b'\0\0'
    body += b'\0' * pad  # intervals are not aligned; the offsets are what count
    query_at = header_size + len(body)
    body += struct.pack('<Q', int(query.total_seconds() * HUNDRED_NS_PER_SECOND))
    unchanged_at = header_size + len(body)
    body += struct.pack('<Q', int(unchanged.total_seconds() * HUNDRED_NS_PER_SECOND))
    length = header_size + len(body)
    return struct.pack('<HHIHHHH', version, 0, length, current_at, previous_at, query_at, unchanged_at) + body


def random_password(seed):
    # 256 bytes with no NUL code unit, as the DC's generator produces in practice.
    return bytes(((seed + i * 37) % 251) + 1 for i in range(256))


def test_current_password_and_intervals_are_read_at_their_offsets():
    current = random_password(1)
    parsed = parse_managed_password(blob(current, pad=3))
    assert parsed.current == current
    assert parsed.previous is None
    assert parsed.query_interval == timedelta(days=29)
    assert parsed.unchanged_interval == timedelta(days=29) - timedelta(minutes=5)


def test_previous_password_when_the_dc_still_serves_it():
    current, previous = random_password(1), random_password(2)
    parsed = parse_managed_password(blob(current, previous))
    assert parsed.current == current
    assert parsed.previous == previous


def test_a_nul_code_unit_inside_the_fixed_256_bytes_does_not_cut_the_password():
    current = b'\0\0' + random_password(3)[2:]
    assert parse_managed_password(blob(current)).current == current


def test_next_change_is_now_plus_the_query_interval():
    now = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    parsed = parse_managed_password(blob(random_password(4), query=timedelta(hours=5)))
    assert parsed.next_change(now) == datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


def test_kerberos_input_is_utf8_with_unpaired_surrogates_replaced():
    # 'A', an unpaired high surrogate, then a valid pair (U+1F600)
    utf16 = 'A'.encode('utf-16-le') + b'\x00\xd8' + '\U0001F600'.encode('utf-16-le')
    assert kerberos_password(utf16) == 'A\ufffd\U0001F600'.encode('utf-8')
    parsed = parse_managed_password(blob(random_password(5)))
    assert parsed.kerberos_password() == parsed.current.decode('utf-16-le', 'replace').encode('utf-8')


def test_repr_and_str_never_show_the_password():
    current = random_password(6)
    parsed = parse_managed_password(blob(current, random_password(7)))
    for text in (repr(parsed), str(parsed)):
        assert current.hex() not in text
        assert repr(current)[2:40] not in text
        assert 'current=' not in text


@pytest.mark.parametrize('data, expected', [
    (b'\x01\x00', 'shorter than its header'),
    (blob(random_password(1), version=2), 'version 2'),
    (blob(random_password(1))[:100], 'says it is'),
])
def test_malformed_blobs_fail_with_a_reason_and_no_bytes(data, expected):
    with pytest.raises(ManagedPasswordError) as caught:
        parse_managed_password(data)
    assert expected in str(caught.value)
    assert random_password(1).hex()[:16] not in str(caught.value)


def test_offsets_outside_the_blob_are_refused():
    data = bytearray(blob(random_password(1)))
    struct.pack_into('<H', data, 8, 2000)
    with pytest.raises(ManagedPasswordError, match='current password offset 2000'):
        parse_managed_password(bytes(data))


def test_age_and_rollover_from_pwd_last_set_and_interval():
    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    last_set = now - timedelta(days=3)
    assert password_age(last_set, now) == timedelta(days=3)
    assert next_rollover(last_set, 30) == last_set + timedelta(days=30)
    assert next_rollover(None, 30) is None
    assert password_age(None, now) is None
