"""Where new objects go, what an object is, and finding accounts, against a directory stand-in."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    MANAGED_SERVICE_ACCOUNTS_CONTAINER,
    USERS_CONTAINER,
    account_name_filter,
    accounts_named,
    container_for,
    find_account,
    kind_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import AccountsRead, Directory, Entry

DOMAIN_DN = 'DC=contoso,DC=com'
GMSA_CLASSES = ['top', 'person', 'organizationalPerson', 'user', 'computer', 'msDS-GroupManagedServiceAccount']


class FakeDirectory:
    """Holds objects by DN (as the DC spells them) and the domain's well-known containers; records each request."""

    def __init__(self, objects=(), well_known=None):
        self.objects = list(objects)
        self.well_known = well_known or {}
        self.requests = []
        self.facts = SimpleNamespace(dn=DOMAIN_DN, dns_name='contoso.com')
        self.remembered = {}
        self.accounts_read = AccountsRead()

    def read(self, dn, attributes):
        self.requests.append(('read', dn))
        if dn.startswith('<WKGUID='):
            found = self.well_known.get(dn[len('<WKGUID='):].split(',', 1)[0])
            return Entry(found, {}) if found else None
        return next((entry for entry in self.objects if entry.dn.lower() == dn.lower()), None)

    def search(self, base, ldap_filter, attributes):
        self.requests.append(('search', ldap_filter))
        return list(self.objects)


def account(dn, sam, classes):
    return Entry(dn, {'sAMAccountName': [sam.encode()], 'objectClass': [value.encode() for value in classes]})


@pytest.mark.parametrize('classes, kind', [
    (GMSA_CLASSES, 'gMSA'),
    (['top', 'user', 'computer', 'msDS-ManagedServiceAccount'], 'managed service account'),
    (['top', 'person', 'organizationalPerson', 'user', 'computer'], 'computer'),
    (['top', 'person', 'organizationalPerson', 'user', 'inetOrgPerson'], 'user'),
    (['top', 'group'], 'group'),
    (['top', 'contact'], 'contact'),
    ([], 'object'),
])
def test_the_kind_of_an_object_is_its_most_specific_account_class(classes, kind):
    assert kind_of(classes) == kind


def test_new_objects_go_to_the_well_known_container_wherever_it_is():
    moved = 'CN=Accounts,OU=Tier0,' + DOMAIN_DN
    directory = FakeDirectory(well_known={USERS_CONTAINER.guid: moved})
    assert container_for(directory, None, USERS_CONTAINER) == moved
    assert directory.requests == [('read', '<WKGUID=%s,%s>' % (USERS_CONTAINER.guid, DOMAIN_DN))]


def test_a_missing_well_known_container_asks_for_a_path():
    with pytest.raises(ADError, match='has no Managed Service Accounts container; give path'):
        container_for(FakeDirectory(), None, MANAGED_SERVICE_ACCOUNTS_CONTAINER)


def test_a_path_is_checked_and_given_as_the_directory_spells_it():
    directory = FakeDirectory([Entry('OU=Hosts,' + DOMAIN_DN, {})])
    assert container_for(directory, 'ou=hosts,dc=contoso,dc=com', USERS_CONTAINER) == 'OU=Hosts,' + DOMAIN_DN
    with pytest.raises(ADInputError, match='^path: OU=Nowhere,DC=contoso,DC=com does not exist in contoso.com'):
        container_for(directory, 'OU=Nowhere,' + DOMAIN_DN, USERS_CONTAINER)


def test_a_path_that_is_no_dn_fails_before_anything_is_read():
    directory = FakeDirectory()
    with pytest.raises(ADInputError, match='^path: .*not a valid distinguished name'):
        container_for(directory, 'Hosts', USERS_CONTAINER)
    assert directory.requests == []


def test_account_names_are_escaped_and_computer_names_found_without_their_dollar():
    assert account_name_filter(['a*(b)']) == '(sAMAccountName=a\\2a\\28b\\29)'
    assert account_name_filter(['web01', 'web02'], computer_accounts=True) == (
        '(|(sAMAccountName=web01)(sAMAccountName=web01$)(sAMAccountName=web02)(sAMAccountName=web02$))')


def test_an_account_of_another_kind_holding_the_name_is_refused():
    directory = FakeDirectory([account('CN=web01,CN=Managed Service Accounts,' + DOMAIN_DN, 'web01', GMSA_CLASSES)])
    with pytest.raises(ADInputError, match="^sam_account_name: 'web01' belongs to the gMSA CN=web01,.*not to a user"):
        find_account(directory, 'web01', ['objectClass'], 'user')
    assert directory.requests == [('search', '(sAMAccountName=web01)')]


def test_two_objects_with_one_name_are_a_conflict_to_resolve():
    directory = FakeDirectory([account('CN=g,' + DOMAIN_DN, 'g', ['group']),
                               account('CN=g\\0ACNF:1,' + DOMAIN_DN, 'g', ['group'])])
    with pytest.raises(ADError, match='more than one object'):
        find_account(directory, 'g', ['objectClass'], 'group')
    assert find_account(FakeDirectory(), 'g', ['objectClass'], 'group') is None


# ------------------------------------------------------------------ accounts read earlier in the same item
def test_a_name_searched_earlier_in_the_item_is_answered_without_a_search():
    gmsa = account('CN=web01,CN=Managed Service Accounts,' + DOMAIN_DN, 'web01$', GMSA_CLASSES)
    directory = FakeDirectory([gmsa])
    assert accounts_named(directory, ['web01'], ['objectClass', 'sAMAccountName', 'cn'], computer_accounts=True) == [gmsa]
    assert accounts_named(directory, ['WEB01'], ['sAMAccountName'], computer_accounts=True) == [gmsa]
    assert len(directory.requests) == 1


def test_a_free_name_is_remembered_as_free():
    directory = FakeDirectory()
    assert accounts_named(directory, ['g'], ['objectClass']) == []
    assert accounts_named(directory, ['g'], ['objectClass']) == []
    assert len(directory.requests) == 1


@pytest.mark.parametrize('names, attributes, options', [
    (['web01'], ['objectClass', 'description'], {}),               # an attribute not read then
    (['web01', 'web02'], ['objectClass'], {}),                      # a name not searched then
    (['web01'], ['objectClass'], {'computer_accounts': True}),      # nor was web01$
    (['web01'], ['objectClass'], {'same_common_name': True}),       # nor other accounts' common names
])
def test_what_the_earlier_search_did_not_cover_is_searched(names, attributes, options):
    directory = FakeDirectory([account('CN=web01,' + DOMAIN_DN, 'web01', ['user'])])
    accounts_named(directory, ['web01'], ['objectClass', 'sAMAccountName'])
    accounts_named(directory, names, attributes, **options)
    assert len(directory.requests) == 2


def test_a_write_forgets_what_the_item_read():
    connection = SimpleNamespace(result={'description': 'success'}, add=lambda *args, **kwargs: True)
    directory = Directory(connection, candidate=None, settings=None)
    directory.accounts_read.note(['g'], ['objectClass'], [])
    assert directory.accounts_read.entries('g', ['objectClass']) == []
    directory.add('CN=g,' + DOMAIN_DN, ['group'], {'sAMAccountName': 'g'})
    assert directory.accounts_read.entries('g', ['objectClass']) is None
