from __future__ import annotations

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    check_dn,
    common_name,
    first_rdn,
    object_dn,
    parent_dn,
    same_dn,
)


@pytest.mark.parametrize('text', ['OU=Groups,DC=contoso,DC=com', 'ou=Groups, dc=contoso, dc=com', 'CN=a\\,b,DC=x',
                                  'CN=a+UID=b,DC=x', '2.5.4.3=a,DC=x', 'CN=Managed Service Accounts,DC=x'])
def test_distinguished_names_as_users_write_them_pass(text):
    check_dn(text, 'path')


@pytest.mark.parametrize('text', ['not a dn', '', '   ', 'CN=a,=b', 'CN=a,b', 'CN=a+b,DC=x', 'CN=a,,DC=x', 'C N=a'])
def test_anything_else_fails_in_one_wording_naming_the_field(text):
    with pytest.raises(ADInputError, match=r'^path: .* is not a valid distinguished name \(such as OU=Groups,'):
        check_dn(text, 'path')


def test_first_rdn_and_parent_as_written():
    dn = 'CN=a\\,b+UID=c,OU=x\\3By,DC=z'
    assert first_rdn(dn) == 'CN=a\\,b+UID=c'
    assert parent_dn(dn) == 'OU=x\\3By,DC=z'
    assert (first_rdn('DC=z'), parent_dn('DC=z')) == ('DC=z', '')


@pytest.mark.parametrize('name', ['web01', 'grpt, a+b "#*()\\ é;<>=x', ' lead', 'trail ', '#hash'])
def test_an_object_dn_names_the_object_in_its_parent(name):
    dn = object_dn(name, 'OU=Hosts,DC=contoso,DC=com')
    assert common_name(dn) == name
    assert same_dn(parent_dn(dn), 'ou=hosts, dc=CONTOSO, dc=com')
