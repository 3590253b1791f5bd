# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""KDS root keys: the forest-wide secret every gMSA password is derived from."""

from __future__ import annotations

import secrets
import struct
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    FILETIME_EPOCH,
    DirectoryError,
    datetime_to_filetime,
    describe_missing_rights,
    filetime_to_datetime,
    guid_to_string,
    iso,
)

ROOT_KEY_ATTRIBUTES = ['cn', 'msKds-CreateTime', 'msKds-UseStartTime']

# Domain controllers start deriving passwords from a key one key cycle (10 h)
# after its effective time, so that it has reached every controller first;
# Samba adds its 5 minutes of allowed clock skew on top. Reporting the later
# of the two keeps "usable" true for both.
DC_WAIT = timedelta(hours=10, minutes=5)
# The lab shortcut: an effective time far enough back for both to use the key at once.
LAB_BACKDATE = timedelta(hours=10, minutes=10)

# ------------------------------------------------------------ key format
# What Add-KdsRootKey writes. gMSA passwords depend only on the KDF values and
# the key data; the schema requires most of the rest.
KDS_VERSION = 1
KDF_ALGORITHM = 'SP800_108_CTR_HMAC'
KDF_HASH = 'SHA512'
SECRET_AGREEMENT_ALGORITHM = 'DH'
PUBLIC_KEY_LENGTH = 2048
PRIVATE_KEY_LENGTH = 512  # Windows' value (Samba writes 256); no gMSA password depends on it
ROOT_KEY_DATA_LENGTH = 64

# The 2048-bit MODP group with 256-bit prime order subgroup, RFC 5114 section 2.3.
DH_PRIME = int(
    '87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00'
    'E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C'
    '209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B'
    '6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76'
    'B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E'
    'F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026'
    'C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103'
    'A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597', 16)
DH_GENERATOR = int(
    '3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125'
    '10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62'
    '901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B'
    '777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193'
    'B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A'
    'DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915'
    'B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3'
    '2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659', 16)


def kdf_parameters(hash_name=KDF_HASH):
    """msKds-KDFParam: a fixed header, then the hash name in UTF-16LE ending in a NUL character."""
    name = (hash_name + '\0').encode('utf-16-le')
    return struct.pack('<IIII', 0, 1, len(name), 0) + name


def secret_agreement_parameters(prime=DH_PRIME, generator=DH_GENERATOR, key_bytes=PUBLIC_KEY_LENGTH // 8):
    """msKds-SecretAgreementParam: a BCRYPT_DH_PARAMETER_HEADER (total length, "DHPM", key length),
    then p and g big-endian."""
    body = prime.to_bytes(key_bytes, 'big') + generator.to_bytes(key_bytes, 'big')
    return struct.pack('<I4sI', 12 + len(body), b'DHPM', key_bytes) + body


# ------------------------------------------------------------ reading keys
def master_root_keys_dn(facts):
    return 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,' + facts.configuration_dn


@dataclass(frozen=True)
class RootKey:
    key_id: Optional[str]
    dn: Optional[str]
    created: Optional[datetime]
    usable_from: Optional[datetime]
    effective_time: Optional[datetime] = None  # msKds-UseStartTime; usable_from is DC_WAIT later
    entry: object = field(default=None, repr=False, compare=False)   # as read, when read

    def usable_at(self, moment):
        """True or False; None when the bind account may not read the key's times."""
        return None if self.usable_from is None else self.usable_from <= moment

    def as_dict(self, now):
        return {'id': self.key_id, 'dn': self.dn,
                'created': iso(self.created) if self.created else None,
                'usable_from': iso(self.usable_from) if self.usable_from else None,
                'usable_now': self.usable_at(now)}


def root_key(key_id, dn, created, effective_time, entry=None):
    """A key as domain controllers see it: usable DC_WAIT after its effective time."""
    return RootKey(key_id=key_id, dn=dn, created=created,
                   usable_from=effective_time + DC_WAIT if effective_time else None,
                   effective_time=effective_time, entry=entry)


def read_root_keys(directory):
    """The forest's KDS root keys the bind account can see, oldest first, for reports (whether to create one
    is decided on read_every_root_key). Their times are confidential: reading them needs admin rights."""
    entries = directory.search(master_root_keys_dn(directory.facts), '(objectClass=msKds-ProvRootKey)',
                               ROOT_KEY_ATTRIBUTES, scope='one')
    return _oldest_first(root_key_of(entry) for entry in entries)


def read_every_root_key(directory):
    """Every KDS root key of the forest, oldest first, or an ADError when the bind account cannot tell.

    A key the account may not read comes back as a bare DN without its objectClass, which a search
    for keys passes over: such an account sees no key and would create a second one. So deciding
    whether to create one needs the container readable, and every object in it.
    """
    container_dn = master_root_keys_dn(directory.facts)
    container = directory.read(container_dn, ['objectClass'])
    if container is None or not container.values('objectClass'):
        raise ADError(_keys_not_visible(directory, 'it may not read %s' % container_dn))
    entries = directory.search(container_dn, '(objectClass=*)', ['objectClass'] + ROOT_KEY_ATTRIBUTES, scope='one')
    unreadable = [entry for entry in entries if not entry.values('objectClass')]
    if unreadable:
        raise ADError(_keys_not_visible(directory, 'it may not read %d object%s it sees in %s'
                                                   % (len(unreadable), '' if len(unreadable) == 1 else 's', container_dn)))
    return _oldest_first(root_key_of(entry) for entry in entries if _is_root_key(entry))


def _keys_not_visible(directory, what):
    return describe_missing_rights(
        directory.settings.username or 'the bind account',
        '%s, so it cannot tell whether the forest already has a KDS root key and creating one could make a second; '
        'grant it list contents and read property on that container and its objects '
        '(dsacls "<container>" /I:T /G "<account>:LCRP"), or bind as an Enterprise Admin' % what)


def _is_root_key(entry):
    return 'mskds-provrootkey' in (name.lower() for name in entry.texts('objectClass'))


def _oldest_first(keys):
    return sorted(keys, key=lambda key: key.created or FILETIME_EPOCH)


def root_key_of(entry):
    """The key an entry of the Master Root Keys container holds."""
    create_time = entry.integer('msKds-CreateTime')
    use_start_time = entry.integer('msKds-UseStartTime')
    return root_key(
        key_id=entry.text('cn'),
        dn=entry.dn,
        created=filetime_to_datetime(create_time) if create_time is not None else None,
        effective_time=filetime_to_datetime(use_start_time) if use_start_time is not None else None,
        entry=entry,
    )


# msDS-ManagedPasswordId is a KDS key identifier (MS-GKDI 2.2.4): u32 version, "KDSK", u32 flags, the L0, L1
# and L2 indexes, then the root key's GUID at byte 24.
_KEY_ID_MAGIC = b'KDSK'
_KEY_ID_GUID_AT = 24


def root_key_id_of(password_id):
    """The id (cn) of the KDS root key a gMSA's current password derives from, read from its
    msDS-ManagedPasswordId; None when there is none or it is not a key identifier."""
    data = bytes(password_id or b'')
    if len(data) < _KEY_ID_GUID_AT + 16 or data[4:8] != _KEY_ID_MAGIC:
        return None
    return guid_to_string(data[_KEY_ID_GUID_AT:_KEY_ID_GUID_AT + 16])


def key_in_use(keys, now):
    """The key gMSA passwords come from: the newest usable one (as domain controllers choose),
    else the one that becomes usable first, else (times unreadable) the newest."""
    if not keys:
        return None
    usable = [key for key in keys if key.usable_at(now)]
    if usable:
        return max(usable, key=lambda key: key.created or FILETIME_EPOCH)
    pending = [key for key in keys if key.usable_from is not None]
    if pending:
        return min(pending, key=lambda key: key.usable_from)
    return keys[-1]


# ------------------------------------------------------------ planning
def parse_effective_time(value, now):
    """``now`` or an ISO 8601 time (UTC when it names no offset) as an aware datetime."""
    text = str(value).strip()
    if text.lower() == 'now':
        return now
    try:
        # Python before 3.11 does not read a trailing Z.
        moment = datetime.fromisoformat(text[:-1] + '+00:00' if text[-1:] in 'Zz' and text else text)
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ADInputError('effective_time must be "now" or an ISO 8601 time such as 2026-12-01T08:00:00Z, not %r'
                           % text) from None
    if moment <= FILETIME_EPOCH:
        raise ADInputError('effective_time must be after 1601-01-01 (the start of Windows time), not %r' % text)
    return moment


def planned_effective_time(effective_time, lab_backdate, now):
    if lab_backdate:
        if str(effective_time).strip().lower() != 'now':
            raise ADInputError('effective_time and lab_backdate contradict each other: lab_backdate sets the effective '
                               'time itself (%s ago); give only one of them' % _hours_and_minutes(LAB_BACKDATE))
        return now - LAB_BACKDATE
    return parse_effective_time(effective_time, now)


def _hours_and_minutes(delta):
    minutes = int(delta.total_seconds()) // 60
    return '%d h %d min' % (minutes // 60, minutes % 60)


def key_with_effective_time(keys, effective_time):
    """An existing key with exactly this effective time (to the second), so a repeated run adds no second one."""
    wanted = effective_time.replace(microsecond=0)
    for key in keys:
        if key.effective_time is not None and key.effective_time.replace(microsecond=0) == wanted:
            return key
    return None


# ------------------------------------------------------------ writing
def root_key_attributes(created, domain_id, key_data):
    """What every new msKds-ProvRootKey carries besides its effective time, as Add-KdsRootKey writes it."""
    return {
        'msKds-Version': str(KDS_VERSION),
        'msKds-KDFAlgorithmID': KDF_ALGORITHM,
        'msKds-KDFParam': kdf_parameters(),
        'msKds-SecretAgreementAlgorithmID': SECRET_AGREEMENT_ALGORITHM,
        'msKds-SecretAgreementParam': secret_agreement_parameters(),
        'msKds-PublicKeyLength': str(PUBLIC_KEY_LENGTH),
        'msKds-PrivateKeyLength': str(PRIVATE_KEY_LENGTH),
        'msKds-RootKeyData': key_data,
        'msKds-CreateTime': str(datetime_to_filetime(created)),
        'msKds-DomainID': domain_id,
    }


def new_root_key_data():
    """64 random bytes: the secret every gMSA password of the forest derives from."""
    return secrets.token_bytes(ROOT_KEY_DATA_LENGTH)


def new_key_id():
    return str(uuid.uuid4())


def writing_dc_account_dn(directory):
    """The DN of the answering controller's computer account: its server object's serverReference."""
    server_dn = directory.facts.domain_controller_dn
    server = directory.read(server_dn, ['serverReference']) if server_dn else None
    account_dn = server.text('serverReference') if server else None
    if not account_dn:
        raise ADError('cannot create a KDS root key: the server object %s of domain controller %s names no computer '
                      'account (serverReference)' % (server_dn, directory.facts.domain_controller))
    return account_dn


def missing_create_rights(directory, error):
    """A refused add of a root key for want of rights, in one line; None for any other refusal."""
    if not isinstance(error, DirectoryError) or error.description != 'insufficientAccessRights':
        return None
    account = directory.settings.username or 'the bind account'
    return ADError('creating a KDS root key needs Enterprise Admins membership or delegated create-child rights on '
                   '%s; %s has neither' % (master_root_keys_dn(directory.facts), account))


def planned_root_key(effective_time, now):
    """The key a run would create, for check mode: its identifier is only chosen when it is written."""
    return root_key(None, None, now, effective_time)


def utc_now():
    return datetime.now(timezone.utc)
