"""msDS-GroupMSAMembership descriptors: what is built, and what is read from other tools.

The byte strings below were produced by Samba's own NDR code
(samba.dcerpc.security.descriptor.from_sddl, then ndr_pack) from the SDDL
beside each one, so the parser is checked against an independent encoder.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._security_descriptor import (
    ACCESS_ALLOWED,
    ACCESS_DENIED,
    GMSA_MEMBERSHIP_MASK,
    Ace,
    SecurityDescriptorError,
    build_membership_descriptor,
    parse_security_descriptor,
)

DOMAIN = 'S-1-5-21-596569936-589271614-3225003482'

# O:BAD:(A;;0xf01ff;;;<DOMAIN>-1105) -- also byte for byte what samba-tool
# service-account group-msa-membership add writes.
ONE_ALLOWED = bytes.fromhex(
    '01000480140000000000000000000000240000000102000000000005200000002002000004002c000100000000002400ff010f00'
    '01050000000000051500000050ef8e233e921f23daa539c051040000')

# O:BAG:DUD:(D;;RP;;;<DOMAIN>-1201)(A;;0xf01ff;;;<DOMAIN>-1200)(A;;0xf01ff;;;<DOMAIN>-1201)(A;;RP;;;S-1-5-32-544)
WITH_DENY_AND_GROUP = bytes.fromhex(
    '01000480140000002400000000000000400000000102000000000005200000002002000001050000000000051500000050ef8e23'
    '3e921f23daa539c00102000004008c0004000000010024001000000001050000000000051500000050ef8e233e921f23daa539c0'
    'b104000000002400ff010f0001050000000000051500000050ef8e233e921f23daa539c0b004000000002400ff010f0001050000'
    '000000051500000050ef8e233e921f23daa539c0b1040000000018001000000001020000000000052000000020020000')

# O:BAD:(OA;;RP;e48d0154-bcf8-11d1-8702-00c04fb96050;;<DOMAIN>-1300)(OA;;RP;;;<DOMAIN>-1303)
#       (A;IO;RP;;;<DOMAIN>-1301)(A;;CC;;;<DOMAIN>-1302)
OBJECT_AND_INHERIT_ONLY = bytes.fromhex(
    '0100048014000000000000000000000024000000010200000000000520000000200200000400b0000400000005003800100000'
    '000100000054018de4f8bcd111870200c04fb9605001050000000000051500000050ef8e233e921f23daa539c01405000005002800'
    '100000000000000001050000000000051500000050ef8e233e921f23daa539c017050000000824001000000001050000000000051500'
    '000050ef8e233e921f23daa539c015050000000024000100000001050000000000051500000050ef8e233e921f23daa539c016050000')

# O:BAD:(A;;0xf01ff;;;<DOMAIN>-1105)S:(AU;SA;RP;;;WD)
WITH_SACL = bytes.fromhex(
    '01001480140000000000000024000000400000000102000000000005200000002002000004001c00010000000240140010000000'
    '01010000000000010000000004002c000100000000002400ff010f0001050000000000051500000050ef8e233e921f23daa539c0'
    '51040000')


def test_built_descriptor_is_what_windows_and_samba_tools_write():
    assert build_membership_descriptor([DOMAIN + '-1105']).to_bytes() == ONE_ALLOWED


def test_built_descriptor_has_administrators_as_owner_and_one_full_allow_per_sid():
    sids = [DOMAIN + '-1105', DOMAIN + '-1106', 'S-1-5-32-544']
    parsed = parse_security_descriptor(build_membership_descriptor(sids).to_bytes())
    assert parsed.owner == 'S-1-5-32-544'
    assert parsed.group is None
    assert [(ace.ace_type, ace.mask, ace.sid) for ace in parsed.dacl] == [
        (ACCESS_ALLOWED, GMSA_MEMBERSHIP_MASK, sid) for sid in sids]
    assert parsed.allowed_sids() == sids


def test_a_descriptor_read_from_samba_tool_lists_its_trustee():
    parsed = parse_security_descriptor(ONE_ALLOWED)
    assert parsed.allowed_sids() == [DOMAIN + '-1105']
    assert parsed.owner == 'S-1-5-32-544'


def test_a_deny_entry_outweighs_an_allow_for_the_same_sid():
    parsed = parse_security_descriptor(WITH_DENY_AND_GROUP)
    assert parsed.group == DOMAIN + '-513'
    assert parsed.dacl[0].ace_type == ACCESS_DENIED
    assert parsed.allowed_sids() == [DOMAIN + '-1200', 'S-1-5-32-544']


def test_inherit_only_object_specific_and_non_read_entries_grant_no_password_read():
    parsed = parse_security_descriptor(OBJECT_AND_INHERIT_ONLY)
    assert len(parsed.dacl) == 4
    # Only the object entry without an object type is a plain read grant.
    assert parsed.allowed_sids() == [DOMAIN + '-1303']


def test_unchanged_descriptors_are_written_back_byte_for_byte():
    for data in (ONE_ALLOWED, WITH_DENY_AND_GROUP, OBJECT_AND_INHERIT_ONLY, WITH_SACL):
        assert parse_security_descriptor(data).to_bytes() == data


def test_a_sacl_is_kept_when_the_dacl_changes():
    changed = parse_security_descriptor(WITH_SACL).with_allowed(add=[DOMAIN + '-1106'])
    again = parse_security_descriptor(changed.to_bytes())
    assert again.sacl == parse_security_descriptor(WITH_SACL).sacl
    assert again.allowed_sids() == [DOMAIN + '-1105', DOMAIN + '-1106']


def test_adding_and_removing_keeps_the_other_entries():
    changed = parse_security_descriptor(WITH_DENY_AND_GROUP).with_allowed(
        add=[DOMAIN + '-1300'], remove=['S-1-5-32-544'])
    parsed = parse_security_descriptor(changed.to_bytes())
    assert parsed.allowed_sids() == [DOMAIN + '-1200', DOMAIN + '-1300']
    # The deny entry of -1201 and its own allow entry stay: it remains unable to read.
    assert [(ace.ace_type, ace.sid) for ace in parsed.dacl] == [
        (ACCESS_DENIED, DOMAIN + '-1201'), (ACCESS_ALLOWED, DOMAIN + '-1200'),
        (ACCESS_ALLOWED, DOMAIN + '-1201'), (ACCESS_ALLOWED, DOMAIN + '-1300')]


def test_allowing_a_denied_sid_drops_its_deny_entry():
    changed = parse_security_descriptor(WITH_DENY_AND_GROUP).with_allowed(add=[DOMAIN + '-1201'])
    parsed = parse_security_descriptor(changed.to_bytes())
    assert DOMAIN + '-1201' in parsed.allowed_sids()
    assert all(ace.ace_type != ACCESS_DENIED for ace in parsed.dacl)


def test_adding_an_allowed_sid_again_adds_no_second_entry():
    parsed = parse_security_descriptor(ONE_ALLOWED)
    assert parsed.with_allowed(add=[DOMAIN.lower() + '-1105']).to_bytes() == ONE_ALLOWED


def test_removing_everyone_leaves_an_empty_dacl():
    parsed = parse_security_descriptor(parse_security_descriptor(ONE_ALLOWED).with_allowed(
        remove=[DOMAIN + '-1105']).to_bytes())
    assert parsed.dacl == ()
    assert parsed.allowed_sids() == []


@pytest.mark.parametrize('data', [
    b'',
    b'\x01\x00\x04\x80' + b'\x00' * 8,            # shorter than the header
    b'\x02' + ONE_ALLOWED[1:],                    # unknown revision
    ONE_ALLOWED[:2] + b'\x04\x00' + ONE_ALLOWED[4:],  # not self-relative
    ONE_ALLOWED[:-6],                             # cut inside the last SID
    ONE_ALLOWED[:38] + b'\xff\x00' + ONE_ALLOWED[40:],  # ACL size past the end
])
def test_malformed_bytes_raise_a_descriptor_error(data):
    with pytest.raises(SecurityDescriptorError):
        parse_security_descriptor(data)


def test_only_plain_entries_can_be_built_from_fields():
    with pytest.raises(SecurityDescriptorError):
        Ace(0x05, 0, 0x10, DOMAIN + '-1').to_bytes()


SAMBA_PYTHON = '/usr/bin/python3'


@pytest.mark.skipif(not shutil.which('samba-tool'), reason='Samba is not installed')
def test_samba_decodes_the_built_descriptor_to_the_expected_sddl():
    built = build_membership_descriptor([DOMAIN + '-1105', 'S-1-5-32-544']).to_bytes()
    script = ('import sys\nfrom samba.dcerpc import security\nfrom samba.ndr import ndr_unpack\n'
              'print(ndr_unpack(security.descriptor, bytes.fromhex(sys.argv[1])).as_sddl())')
    done = subprocess.run([SAMBA_PYTHON, '-c', script, built.hex()], capture_output=True, text=True, check=False)
    if done.returncode and 'No module named' in done.stderr:
        pytest.skip('the Samba Python bindings are not importable')
    assert done.stdout.strip() == ('O:BAD:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s-1105)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)'
                                   % DOMAIN)
