from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._codecs import (
    datetime_to_filetime,
    dn_to_dns_name,
    filetime_to_datetime,
    guid_to_string,
    sid_to_bytes,
    sid_to_string,
)

DOMAIN_SID = 'S-1-5-21-3623811015-3361044348-30300820'


def test_sid_round_trip():
    assert sid_to_string(sid_to_bytes(DOMAIN_SID)) == DOMAIN_SID
    assert sid_to_string(sid_to_bytes('S-1-5-32-544')) == 'S-1-5-32-544'


def test_sid_binary_layout_is_little_endian_subauthorities():
    assert sid_to_bytes('S-1-5-32-544') == bytes([1, 2, 0, 0, 0, 0, 0, 5]) + (32).to_bytes(4, 'little') + (544).to_bytes(4, 'little')


@pytest.mark.parametrize('text', ['', 'S-1', 'X-1-5-21', 'S-1-5-abc'])
def test_sid_rejects_what_is_not_a_sid(text):
    with pytest.raises(ValueError):
        sid_to_bytes(text)


def test_guid_uses_the_mixed_endian_windows_form():
    raw = bytes.fromhex('fe bc 07 ff 1d f0 e6 46 ae 1f b2 1d 63 76 4b 09'.replace(' ', ''))
    assert guid_to_string(raw) == 'ff07bcfe-f01d-46e6-ae1f-b21d63764b09'


def test_filetime_round_trip():
    moment = datetime(2026, 11, 27, 10, 2, 12, 813489, tzinfo=timezone.utc)
    assert filetime_to_datetime(datetime_to_filetime(moment)) == moment
    assert filetime_to_datetime(116444736000000000) == datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_dns_name_from_dn():
    assert dn_to_dns_name('DC=corp,DC=contoso,DC=com') == 'corp.contoso.com'
