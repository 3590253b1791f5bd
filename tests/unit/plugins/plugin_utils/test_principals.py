from __future__ import annotations

import pytest

from types import SimpleNamespace

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import AccountsRead, Entry, dn_key, sid_to_bytes, split_dn
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import (
    PRINCIPAL_ATTRIBUTES,
    parse_principal,
    resolve_principals,
)


def test_split_dn_unescapes_values_the_way_the_dc_writes_them():
    dn = r'CN=grpt\, a\+b \"\#*()\\ \C3\A9\3B\<\>\3Dx\ ,CN=Users,DC=gmsa,DC=test'
    assert split_dn(dn) == [[('CN', 'grpt, a+b "#*()\\ é;<>=x ')], [('CN', 'Users')], [('DC', 'gmsa')],
                            [('DC', 'test')]]


def test_split_dn_keeps_multi_valued_rdns_together():
    assert split_dn('CN=a+UID=b,DC=x') == [[('CN', 'a'), ('UID', 'b')], [('DC', 'x')]]


@pytest.mark.parametrize('first, second', [
    ('CN=a\\2Cb, cn=Users ,DC=x', 'cn=A\\,B,CN=users,dc=X'),
    ('CN=\\C3\\A9t\\C3\\A9,DC=x', 'CN=ÉTÉ,DC=x'),
    ('CN=a+UID=b,DC=x', 'UID=b+CN=a,DC=x'),
    ('CN=a\\20,DC=x', 'CN=a\\ ,DC=x'),
])
def test_dn_key_equal_for_the_same_dn_written_differently(first, second):
    assert dn_key(first) == dn_key(second)


@pytest.mark.parametrize('first, second', [
    ('CN=a\\ ,DC=x', 'CN=a,DC=x'),     # an escaped trailing space is part of the value
    ('CN=a\\,b,DC=x', 'CN=a,CN=b,DC=x'),
    ('CN=a,DC=x', 'OU=a,DC=x'),
])
def test_dn_key_differs_for_different_dns(first, second):
    assert dn_key(first) != dn_key(second)


@pytest.mark.parametrize('text, kind, value', [
    ('HOST01$', 'sam', 'HOST01$'),
    ('CONTOSO\\web01', 'sam', 'web01'),
    ('s-1-5-21-1-2-3-1104', 'sid', 'S-1-5-21-1-2-3-1104'),
    ('CN=HOST01,OU=Hosts,DC=contoso,DC=com', 'dn', 'CN=HOST01,OU=Hosts,DC=contoso,DC=com'),
    ('ccg@contoso.com', 'upn', 'ccg@contoso.com'),
])
def test_parse_principal_recognises_each_form(text, kind, value):
    wanted = parse_principal(text, 'members')
    assert (wanted.kind, wanted.value) == (kind, value)


@pytest.mark.parametrize('text', ['', '  ', 'S-1-5-x', 'CN=a,=b'])
def test_parse_principal_refuses_what_cannot_be_one_naming_the_field(text):
    with pytest.raises(ADInputError, match='^members: '):
        parse_principal(text, 'members')


def test_a_dn_principal_filter_is_escaped():
    assert parse_principal('CN=a*(b),DC=x', 'm').ldap_filter() == '(distinguishedName=CN=a\\2a\\28b\\29,DC=x)'


class FakeDirectory:
    """Finds ``entries`` for any search; records each filter."""

    def __init__(self, entries=()):
        self.entries = list(entries)
        self.searches = []
        self.facts = SimpleNamespace(dn='DC=contoso,DC=com', dns_name='contoso.com')
        self.accounts_read = AccountsRead()

    def search(self, base, ldap_filter, attributes):
        self.searches.append(ldap_filter)
        return list(self.entries)


def principal_entry(sam, rid):
    return Entry('CN=%s,CN=Users,DC=contoso,DC=com' % sam, {
        'sAMAccountName': [sam.encode()], 'objectClass': [b'top', b'group'],
        'objectSid': [sid_to_bytes('S-1-5-21-1-2-3-%d' % rid)]})


def test_an_account_read_earlier_in_the_item_by_its_exact_name_is_not_searched_again():
    group = principal_entry('webHosts', 1105)
    directory = FakeDirectory()
    directory.accounts_read.note(['webhosts'], PRINCIPAL_ATTRIBUTES + ['member'], [group])
    [found] = resolve_principals(directory, ['WEBHOSTS'], 'allowed_to_retrieve_password')
    assert (found.dn, found.sid) == (group.dn, 'S-1-5-21-1-2-3-1105')
    assert directory.searches == []


def test_only_the_names_not_read_earlier_are_searched():
    directory = FakeDirectory([principal_entry('host01$', 1106)])
    directory.accounts_read.note(['webhosts'], PRINCIPAL_ATTRIBUTES, [principal_entry('webHosts', 1105)])
    directory.accounts_read.note(['host01'], PRINCIPAL_ATTRIBUTES, [])   # free: the computer host01$ may hold it
    found = resolve_principals(directory, ['webHosts', 'host01'], 'members')
    assert [principal.sam_account_name for principal in found] == ['webHosts', 'host01$']
    assert directory.searches == ['(|(|(sAMAccountName=host01)(sAMAccountName=host01$)))']
