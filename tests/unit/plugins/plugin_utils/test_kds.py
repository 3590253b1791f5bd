"""KDS root keys: the bytes a new key carries, its times, and which existing key counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
import uuid
from types import SimpleNamespace

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import (
    DH_GENERATOR,
    DH_PRIME,
    kdf_parameters,
    key_in_use,
    key_with_effective_time,
    parse_effective_time,
    planned_effective_time,
    planned_root_key,
    root_key,
    root_key_attributes,
    secret_agreement_parameters,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    DirectoryError,
    common_name,
    datetime_to_filetime,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import KDS_ROOT_KEY, Task
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import plan_object, write
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Mode

NOW = datetime(2026, 11, 27, 10, 0, 0, tzinfo=timezone.utc)
CONFIGURATION_DN = 'CN=Configuration,DC=contoso,DC=com'
KEYS_DN = 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,' + CONFIGURATION_DN

# RFC 5114 section 2.3: the order q of the subgroup g generates. Not used by the
# code, so checking p and g against it catches a mistyped digit in either.
RFC5114_2048_256_Q = int('8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3', 16)


def _probably_prime(number, bases=(2, 3, 5, 7, 11, 13, 17, 19, 23, 29)):
    """Miller-Rabin with fixed bases: enough to tell a typo from a prime."""
    odd, twos = number - 1, 0
    while odd % 2 == 0:
        odd, twos = odd // 2, twos + 1
    for base in bases:
        value = pow(base, odd, number)
        if value in (1, number - 1):
            continue
        for _square in range(twos - 1):
            value = pow(value, 2, number)
            if value == number - 1:
                break
        else:
            return False
    return True


# ------------------------------------------------------------ key format
def test_kdf_parameters_name_sha512_in_the_documented_layout():
    expected = bytes.fromhex('00000000 01000000 0e000000 00000000') + 'SHA512'.encode('utf-16-le') + b'\0\0'
    assert kdf_parameters() == expected
    assert len(kdf_parameters()) == 30


def test_secret_agreement_parameters_header_then_p_then_g():
    blob = secret_agreement_parameters()
    assert len(blob) == 524
    assert blob[:12] == bytes.fromhex('0c020000') + b'DHPM' + bytes.fromhex('00010000')
    assert int.from_bytes(blob[12:268], 'big') == DH_PRIME
    assert int.from_bytes(blob[268:], 'big') == DH_GENERATOR


def test_dh_group_is_the_rfc5114_2048_bit_group():
    assert DH_PRIME.bit_length() == 2048
    assert hex(DH_PRIME).upper().startswith('0X87A8E61DB4B6663C') and hex(DH_PRIME).upper().endswith('1E1A1597')
    assert hex(DH_GENERATOR).upper().startswith('0X3FB32C9B73134D0B') and hex(DH_GENERATOR).upper().endswith('6CC41659')
    assert _probably_prime(DH_PRIME)
    assert _probably_prime(RFC5114_2048_256_Q)
    assert (DH_PRIME - 1) % RFC5114_2048_256_Q == 0
    assert pow(DH_GENERATOR, RFC5114_2048_256_Q, DH_PRIME) == 1
    assert DH_GENERATOR != 1


def test_new_key_carries_every_attribute_add_kdsrootkey_writes():
    effective = NOW - timedelta(hours=10, minutes=10)
    attributes = dict(root_key_attributes(NOW, 'CN=DC01,OU=Domain Controllers,DC=contoso,DC=com', b'k' * 64),
                      **{'msKds-UseStartTime': str(datetime_to_filetime(effective))})
    assert attributes == {
        'msKds-Version': '1',
        'msKds-KDFAlgorithmID': 'SP800_108_CTR_HMAC',
        'msKds-KDFParam': kdf_parameters(),
        'msKds-SecretAgreementAlgorithmID': 'DH',
        'msKds-SecretAgreementParam': secret_agreement_parameters(),
        'msKds-PublicKeyLength': '2048',
        'msKds-PrivateKeyLength': '512',
        'msKds-RootKeyData': b'k' * 64,
        'msKds-CreateTime': str(datetime_to_filetime(NOW)),
        'msKds-UseStartTime': str(datetime_to_filetime(effective)),
        'msKds-DomainID': 'CN=DC01,OU=Domain Controllers,DC=contoso,DC=com',
    }
    assert attributes['msKds-CreateTime'] == '134402472000000000'


# ------------------------------------------------------------ times
@pytest.mark.parametrize('text, expected', [
    ('now', NOW),
    (' NOW ', NOW),
    ('2026-12-01T08:00:00Z', datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
    ('2026-12-01T08:00:00z', datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
    ('2026-12-01T09:30:00+01:30', datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
    ('2026-12-01T08:00:00', datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
    ('2026-12-01', datetime(2026, 12, 1, tzinfo=timezone.utc)),
    ('2026-12-01 08:00:00+00:00', datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
])
def test_effective_time_reads_now_and_iso_8601(text, expected):
    assert parse_effective_time(text, NOW) == expected


@pytest.mark.parametrize('text', ['tomorrow', '', '2026-13-01', '01/12/2026', '2026-12-01T25:00Z', '1600-12-31T00:00Z'])
def test_effective_time_rejects_anything_else_in_one_line(text):
    with pytest.raises(ADInputError) as raised:
        parse_effective_time(text, NOW)
    assert str(raised.value).startswith('effective_time must be')
    assert '\n' not in str(raised.value)


def test_lab_backdate_is_ten_hours_ten_minutes_back():
    assert planned_effective_time('now', True, NOW) == NOW - timedelta(hours=10, minutes=10)


def test_lab_backdate_and_an_explicit_time_contradict():
    with pytest.raises(ADInputError, match='effective_time and lab_backdate'):
        planned_effective_time('2026-12-01T08:00:00Z', True, NOW)


def test_a_key_is_usable_ten_hours_five_minutes_after_its_effective_time():
    fresh = root_key('a', 'CN=a', NOW, NOW)
    assert fresh.usable_from == NOW + timedelta(hours=10, minutes=5)
    assert fresh.usable_at(NOW) is False
    assert fresh.usable_at(NOW + timedelta(hours=10, minutes=5)) is True
    backdated = root_key('b', 'CN=b', NOW, planned_effective_time('now', True, NOW))
    assert backdated.usable_at(NOW) is True


def test_unreadable_times_give_unknown_usability():
    hidden = root_key('a', 'CN=a', None, None)
    assert hidden.usable_at(NOW) is None
    assert hidden.as_dict(NOW) == {'id': 'a', 'dn': 'CN=a', 'created': None, 'usable_from': None, 'usable_now': None}


def test_planned_key_has_no_identifier_yet():
    planned = planned_root_key(NOW, NOW).as_dict(NOW)
    assert planned['id'] is None and planned['dn'] is None
    assert planned['usable_from'] == '2026-11-27T20:05:00Z' and planned['usable_now'] is False


# ------------------------------------------------------------ which key counts
def _key(name, created_hours_ago, effective_hours_ago):
    return root_key(name, 'CN=' + name, NOW - timedelta(hours=created_hours_ago),
                    NOW - timedelta(hours=effective_hours_ago))


def test_the_key_in_use_is_the_newest_usable_one():
    old, newer, pending = _key('old', 100, 100), _key('newer', 50, 50), _key('pending', 1, 1)
    assert key_in_use([old, newer, pending], NOW) is newer


def test_without_a_usable_key_the_first_to_become_usable_counts():
    later, sooner = _key('later', 2, -5), _key('sooner', 1, 5)
    assert key_in_use([later, sooner], NOW) is sooner


def test_without_readable_times_the_newest_listed_counts():
    keys = [root_key('a', 'CN=a', None, None), root_key('b', 'CN=b', None, None)]
    assert key_in_use(keys, NOW) is keys[-1]
    assert key_in_use([], NOW) is None


def test_a_key_with_the_same_effective_time_to_the_second_is_found():
    key = root_key('a', 'CN=a', NOW, datetime(2026, 12, 1, 8, 0, 0, 400000, tzinfo=timezone.utc))
    assert key_with_effective_time([key], datetime(2026, 12, 1, 8, tzinfo=timezone.utc)) is key
    assert key_with_effective_time([key], datetime(2026, 12, 1, 8, 0, 1, tzinfo=timezone.utc)) is None
    assert key_with_effective_time([root_key('b', 'CN=b', None, None)], NOW) is None


# ------------------------------------------------------------ writing
class FakeDirectory:
    """Records the add; answers like a DC that refuses it when ``refuse`` names an LDAP result."""

    def __init__(self, refuse=None, server_reference='CN=DC01,OU=Domain Controllers,DC=contoso,DC=com'):
        self.facts = SimpleNamespace(configuration_dn=CONFIGURATION_DN, domain_controller='dc01.contoso.com',
                                     domain_controller_dn='CN=DC01,CN=Servers,CN=Site,CN=Sites,' + CONFIGURATION_DN)
        self.settings = SimpleNamespace(username='helpdesk@CONTOSO.COM')
        self.refuse = refuse
        self.server_reference = server_reference
        self.added = []

    def read(self, dn, attributes):
        assert dn == self.facts.domain_controller_dn and attributes == ['serverReference']
        return SimpleNamespace(text=lambda name: self.server_reference)

    def add(self, dn, object_classes, attributes):
        if self.refuse:
            raise DirectoryError('creating of %s failed: refused' % dn, {'description': self.refuse})
        self.added.append((dn, object_classes, attributes))


def create_root_key(directory, effective_time, now):
    """A new key made as the kds_root_key module makes it: planned from the engine's table, then written."""
    task = Task(directory, {}, Mode())
    task.found.update(now=now, effective_time=effective_time)
    plan = plan_object(task, KDS_ROOT_KEY, None)
    write(task, KDS_ROOT_KEY, plan)
    return plan


def test_create_writes_one_object_under_master_root_keys():
    directory = FakeDirectory()
    effective = NOW - timedelta(hours=1)
    plan = create_root_key(directory, effective, NOW)
    (dn, object_classes, attributes), = directory.added
    assert dn == plan.dn and dn.endswith(',' + KEYS_DN)
    assert uuid.UUID(common_name(dn))
    assert object_classes == ['top', 'msKds-ProvRootKey']
    assert attributes['msKds-DomainID'] == 'CN=DC01,OU=Domain Controllers,DC=contoso,DC=com'
    assert len(attributes['msKds-RootKeyData']) == 64
    assert attributes['msKds-CreateTime'] == str(datetime_to_filetime(NOW))
    assert attributes['msKds-UseStartTime'] == [str(datetime_to_filetime(effective))]


def test_two_keys_get_different_identifiers_and_key_data():
    directory = FakeDirectory()
    create_root_key(directory, NOW, NOW)
    create_root_key(directory, NOW, NOW)
    first, second = directory.added
    assert first[0] != second[0]
    assert first[2]['msKds-RootKeyData'] != second[2]['msKds-RootKeyData']


def test_missing_rights_say_what_creation_needs():
    with pytest.raises(ADError) as raised:
        create_root_key(FakeDirectory(refuse='insufficientAccessRights'), NOW, NOW)
    message = str(raised.value)
    assert 'Enterprise Admins' in message and 'create-child' in message and KEYS_DN in message
    assert 'helpdesk@CONTOSO.COM' in message and '\n' not in message


def test_other_failures_keep_their_own_words():
    with pytest.raises(ADError, match='refused') as raised:
        create_root_key(FakeDirectory(refuse='constraintViolation'), NOW, NOW)
    assert 'Enterprise Admins' not in str(raised.value)


def test_a_server_object_without_a_computer_account_fails_before_writing():
    directory = FakeDirectory(server_reference=None)
    with pytest.raises(ADError, match='serverReference'):
        create_root_key(directory, NOW, NOW)
    assert directory.added == []
