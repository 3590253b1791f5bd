from __future__ import annotations

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    check_common_name,
    check_sam_account_name,
    moved_dn,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._group import (
    GROUP,
    group_type,
    read_members,
    scope_of,
    scope_steps,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Entry, common_name, parent_dn
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import plan_values


@pytest.mark.parametrize('scope, value', [('domain_local', -2147483644), ('global', -2147483646),
                                          ('universal', -2147483640)])
def test_group_type_is_the_signed_security_group_value(scope, value):
    assert group_type(scope) == value
    assert scope_of(value) == scope


@pytest.mark.parametrize('current, wanted, steps', [
    ('global', 'domain_local', ['universal', 'domain_local']),
    ('domain_local', 'global', ['universal', 'global']),
    ('global', 'universal', ['universal']),
    ('universal', 'domain_local', ['domain_local']),
    ('global', 'global', []),
])
def test_scope_changes_go_through_universal_where_ad_requires(current, wanted, steps):
    assert scope_steps(current, wanted) == steps


def test_members_compare_as_dns_not_as_strings():
    change = plan_values(['CN=HOST01,CN=Computers,DC=x'], {'add': ['cn=host01, cn=computers, dc=X']},
                         key=GROUP.property('members').key)
    assert not change.changed


class _RangedDirectory:
    """A DC that sends the member attribute two values at a time."""

    def __init__(self, members):
        self.members = members
        self.reads = 0

    def read(self, dn, attributes):
        self.reads += 1
        start = int(attributes[0].split('=')[1].split('-')[0])
        return self.entry(dn, start)

    def entry(self, dn, start):
        chunk = self.members[start:start + 2]
        end = '*' if start + 2 >= len(self.members) else str(start + 1)
        return Entry(dn, {'member;range=%d-%s' % (start, end): [m.encode() for m in chunk]})


def test_large_groups_are_read_range_by_range():
    members = ['CN=m%d,DC=x' % index for index in range(5)]
    directory = _RangedDirectory(members)
    assert read_members(directory, directory.entry('CN=g,DC=x', 0)) == members
    assert directory.reads == 2


def test_a_small_group_needs_no_more_reads():
    entry = Entry('CN=g,DC=x', {'member': [b'CN=a,DC=x']})
    assert read_members(None, entry) == ['CN=a,DC=x']


@pytest.mark.parametrize('sam', ['a,b', 'a*b', 'a"b', 'a/b', 'a[b]', 'a.'])
def test_forbidden_sam_account_names_fail_naming_the_field(sam):
    with pytest.raises(ADInputError, match='^sam_account_name: '):
        check_sam_account_name(sam, 'sam_account_name', 256)


def test_sam_account_name_length():
    check_sam_account_name('a' * 20, 'sam_account_name', 20)
    with pytest.raises(ADInputError, match='21 characters, at most 20'):
        check_sam_account_name('a' * 21, 'sam_account_name', 20)


def test_parent_and_name_of_an_escaped_dn():
    dn = 'CN=a\\,b\\3Bc,OU=x\\,y,DC=z'
    assert parent_dn(dn) == 'OU=x\\,y,DC=z'
    assert common_name(dn) == 'a,b;c'


def test_an_object_of_another_name_is_refused_not_renamed():
    check_common_name('CN=g,OU=x,DC=z', 'G', 'group')
    with pytest.raises(ADInputError, match='^name: .*renaming is not supported'):
        check_common_name('CN=g,OU=x,DC=z', 'h', 'group')


def test_a_moved_dn_keeps_its_escaped_name():
    assert moved_dn('CN=a\\,b,OU=x,DC=z', 'OU=y,DC=z') == 'CN=a\\,b,OU=y,DC=z'
    assert moved_dn('CN=g,OU=x,DC=z', None) == 'CN=g,OU=x,DC=z'
