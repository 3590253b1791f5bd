"""gMSA rules and planning, against a directory stand-in that records what was asked of it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils import _principals
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import _gmsa as _service_accounts
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    AccountsRead,
    Candidate,
    Change,
    ConnectionSettings,
    Entry,
    build_membership_descriptor,
    parse_security_descriptor,
    sid_to_bytes,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import NamingError, default_dns_hostname, gmsa_name
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import Task, plan_object
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import (
    GMSA_TYPE,
    allowed_principals,
    allowed_sids,
    encryption_type_names,
    encryption_type_value,
    find_service_account,
    find_spn_holders,
    gmsa_identity,
    gmsa_schema_present,
    list_service_accounts,
    validate_spns,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Mode

DOMAIN_DN = 'DC=contoso,DC=com'
DOMAIN_SID = 'S-1-5-21-3623811015-3361044348-30300820'
MSA_CONTAINER = 'CN=Managed Service Accounts,' + DOMAIN_DN
GUID = bytes(range(16))


class FakeDirectory:
    """Answers searches from a list of entries; records each (base, filter)."""

    def __init__(self, entries=(), port=636, tls_mode='ldaps'):
        self.entries = list(entries)
        self.searches = []
        self.facts = SimpleNamespace(dn=DOMAIN_DN, dns_name='contoso.com', schema_dn='CN=Schema,CN=Configuration,' + DOMAIN_DN)
        self.remembered = {}
        self.accounts_read = AccountsRead()
        self.candidate = Candidate('192.0.2.10', 'dc01.contoso.com')
        self.settings = ConnectionSettings(servers=(), domain_name='contoso.com', port=port, tls_mode=tls_mode,
                                           validate_certs=True, ca_cert=None, tls_server_name=None, auth='simple',
                                           username='admin@CONTOSO.COM', password='secret', connect_timeout=10)

    def search(self, base, ldap_filter, attributes, scope='subtree', controls=None):
        self.searches.append((base, ldap_filter))
        return list(self.entries)

    def read(self, dn, attributes, controls=None):
        self.searches.append((dn, 'base'))
        if dn.startswith('<WKGUID='):
            return entry(MSA_CONTAINER, distinguishedName=MSA_CONTAINER)
        return entry(dn) if dn == MSA_CONTAINER else None


def entry(dn, **attributes):
    raw = {}
    for name, value in attributes.items():
        values = value if isinstance(value, list) else [value]
        raw[name] = [v if isinstance(v, bytes) else str(v).encode('utf-8') for v in values]
    return Entry(dn, raw)


def gmsa_entry(name='web01', membership=None, **extra):
    attributes = dict(objectClass=['top', 'computer', 'msDS-GroupManagedServiceAccount'],
                      sAMAccountName=name + '$', cn=name, objectSid=sid_to_bytes(DOMAIN_SID + '-1105'),
                      objectGUID=GUID, dNSHostName='%s.contoso.com' % name,
                      servicePrincipalName=['host/%s' % name, 'host/%s.contoso.com' % name],
                      userAccountControl=4096)
    if membership is not None:
        attributes['msDS-GroupMSAMembership'] = membership
    attributes.update(extra)
    return entry('CN=%s,%s' % (name, MSA_CONTAINER), **attributes)


def params(**options):
    base = dict(dns_hostname=None, spns=None, allowed_to_retrieve_password=None, kerberos_encryption_types=None,
                managed_password_interval=None, path=None, description=None, enabled=True, state='present')
    base.update(options)
    return base


def task_for(directory, name, options):
    task = Task(directory, dict(options, name=name), Mode())
    task.name, task.sam = name, name + '$'
    return task


def plan_service_account(directory, name, current, options):
    """The engine's plan of the gMSA table, for an account found as ``current`` (an entry, or None)."""
    return plan_object(task_for(directory, name, options), GMSA_TYPE, current)


# ------------------------------------------------------------------ names
@pytest.mark.parametrize('name, expected', [
    ('web01', 'web01'), ('web01$', 'web01'), ('WebApp-0123456', 'WebApp-0123456'), ('a' * 15, 'a' * 15),
    ('sat#(1)', 'sat#(1)'), ('satü1', 'satü1'),
])
def test_valid_names(name, expected):
    assert gmsa_name(name) == expected


@pytest.mark.parametrize('name, words', [
    ('a' * 16, 'at most 15'),
    ('', 'give the gMSA name'),
    (' web', 'start or end with a space'),
    ('web.', 'end with a period'),
    ('web\x01', 'control characters'),
] + [('web%s1' % char, repr(char)) for char in '"/\\[]:;|=,+*?<>@$'])
def test_invalid_names_fail_naming_the_rule(name, words):
    with pytest.raises(NamingError) as failure:
        gmsa_name(name)
    message = str(failure.value)
    assert words in message and '\n' not in message


def test_the_default_dns_name_must_be_a_dns_name():
    assert default_dns_hostname('web01', 'contoso.com') == 'web01.contoso.com'
    with pytest.raises(NamingError, match='give dns_hostname'):
        default_dns_hostname('sat#(1)', 'contoso.com')


@pytest.mark.parametrize('spn', ['host/web01', 'MSSQLSvc/sql01.contoso.com:1433', 'ldap/dc01.contoso.com/contoso.com'])
def test_valid_spns(spn):
    validate_spns([spn])


@pytest.mark.parametrize('spn', ['http', 'http/', '/web01', 'a/b/c/d', 'http/web 01', 'http/web01:port', ''])
def test_invalid_spns_fail_naming_the_field(spn):
    with pytest.raises(ADInputError, match=r'^spns\.add: .*service/host'):
        validate_spns([spn], 'spns.add')


def test_encryption_types_are_the_msds_bits():
    assert encryption_type_value(['aes128', 'aes256']) == 0x18
    assert encryption_type_value(['rc4', 'aes256', 'rc4']) == 0x14
    assert encryption_type_names(0x18 | 0x20) == ['aes128', 'aes256']
    assert encryption_type_names(None) == []


# ------------------------------------------------------------------ finding
def test_a_user_with_the_name_is_refused():
    directory = FakeDirectory([entry('CN=web01,CN=Users,' + DOMAIN_DN, objectClass=['top', 'user'],
                                     sAMAccountName='web01')])
    with pytest.raises(ADInputError, match=r"^name: 'web01' is already used by the user CN=web01,CN=Users"):
        find_service_account(directory, 'web01')
    base, ldap_filter = directory.searches[0]
    assert base == DOMAIN_DN
    assert ldap_filter == '(|(sAMAccountName=web01)(sAMAccountName=web01$)(&(cn=web01)(sAMAccountName=*)))'


def test_a_computer_with_the_account_name_is_refused():
    directory = FakeDirectory([entry('CN=web01,CN=Computers,' + DOMAIN_DN, objectClass=['user', 'computer'],
                                     sAMAccountName='WEB01$')])
    with pytest.raises(ADInputError, match='the computer'):
        find_service_account(directory, 'web01')


def test_the_search_value_is_escaped():
    directory = FakeDirectory()
    assert find_service_account(directory, 'sat#(1)*') is None
    assert '(sAMAccountName=sat#\\281\\29\\2a)' in directory.searches[0][1]


def test_the_gmsa_is_read_with_its_descriptor():
    descriptor = build_membership_descriptor([DOMAIN_SID + '-1200']).to_bytes()
    account = find_service_account(FakeDirectory([gmsa_entry(membership=descriptor)]), 'WEB01')
    assert gmsa_identity(account)['sid'] == DOMAIN_SID + '-1105'
    assert allowed_sids(None, account) == [DOMAIN_SID + '-1200']


def test_an_unreadable_descriptor_is_one_line():
    with pytest.raises(ADError, match='msDS-GroupMSAMembership of CN=web01.* cannot be read'):
        allowed_sids(None, find_service_account(FakeDirectory([gmsa_entry(membership=b'\x01\x00')]), 'web01'))


# ------------------------------------------------------------------ SPN duplicates
def test_spn_holders_are_searched_in_the_global_catalog_of_the_same_dc(monkeypatch):
    catalog = FakeDirectory([entry('CN=other,CN=Users,DC=child,' + DOMAIN_DN, servicePrincipalName=['HTTP/Web']),
                             entry('CN=web01,' + MSA_CONTAINER, servicePrincipalName=['http/web'])])
    used = []

    def directory_for(settings):
        used.append(settings)
        return catalog

    monkeypatch.setattr(_service_accounts, 'directory_for', directory_for)
    found = find_spn_holders(FakeDirectory(), ['http/web', 'http/other'], own_dn='cn=WEB01,' + MSA_CONTAINER)
    assert found.holders == {'http/web': 'CN=other,CN=Users,DC=child,' + DOMAIN_DN}
    assert found.scope == 'forest' and found.warning is None
    assert used[0].port == 3269 and used[0].servers == ('192.0.2.10',)
    assert used[0].tls_server_name == 'dc01.contoso.com' and used[0].tls_mode == 'ldaps'
    assert catalog.searches == [('', '(|(servicePrincipalName=http/web)(servicePrincipalName=http/other))')]


def test_start_tls_uses_the_plain_global_catalog_port(monkeypatch):
    used = []
    monkeypatch.setattr(_service_accounts, 'directory_for', lambda settings: used.append(settings) or FakeDirectory())
    find_spn_holders(FakeDirectory(tls_mode='start_tls', port=389), ['http/web'])
    assert used[0].port == 3268


def test_without_a_global_catalog_the_domain_is_searched_and_a_warning_says_so(monkeypatch):
    def unreachable(settings):
        raise ADError('no domain controller answered on port 3269')

    monkeypatch.setattr(_service_accounts, 'directory_for', unreachable)
    monkeypatch.setattr(_service_accounts, '_UNREACHABLE_CATALOGS', {})
    directory = FakeDirectory([entry('CN=x,' + DOMAIN_DN, servicePrincipalName=['http/web'])])
    found = find_spn_holders(directory, ['http/web'])
    assert found.scope == 'domain' and found.holders == {'http/web': 'CN=x,' + DOMAIN_DN}
    assert directory.searches[0][0] == DOMAIN_DN
    assert 'port 3269' in found.warning and 'domain contoso.com only' in found.warning


def test_nothing_is_searched_when_no_spn_is_added(monkeypatch):
    monkeypatch.setattr(_service_accounts, 'directory_for', lambda settings: pytest.fail('no catalog needed'))
    assert find_spn_holders(FakeDirectory(), []).holders == {}


# ------------------------------------------------------------------ planning
def test_a_new_account_is_enabled_with_aes_and_the_default_spns():
    directory = FakeDirectory()
    plan = plan_service_account(directory, 'web01', None, params())
    assert plan.creates and plan.dn == 'CN=web01,' + MSA_CONTAINER
    assert plan.attributes == {
        'sAMAccountName': 'web01$', 'dNSHostName': ['web01.contoso.com'], 'userAccountControl': '4096',
        'msDS-SupportedEncryptionTypes': '24', 'msDS-ManagedPasswordInterval': ['30'],
        'servicePrincipalName': ['host/web01', 'host/web01.contoso.com'],
    }
    assert plan.values['spns'] == ['host/web01', 'host/web01.contoso.com']
    assert directory.searches[0][0].startswith('<WKGUID=1EB93889E40C45DF9F0C64D23BBB6237,')


def test_a_new_account_gets_the_descriptor_of_its_principals(monkeypatch):
    principal = _principals.Principal('CN=hosts,' + DOMAIN_DN, DOMAIN_SID + '-1300', 'hosts', ('group',))
    monkeypatch.setattr(_service_accounts, 'resolve_principals', lambda directory, texts, field: [principal] * len(texts))
    task = task_for(FakeDirectory(), 'web01', params(allowed_to_retrieve_password={'set': ['hosts']},
                                                     spns={'set': ['http/web']}))
    plan = plan_object(task, GMSA_TYPE, None)
    descriptor, = plan.attributes['msDS-GroupMSAMembership']
    descriptor = parse_security_descriptor(descriptor)
    assert descriptor.owner == 'S-1-5-32-544' and descriptor.allowed_sids() == [DOMAIN_SID + '-1300']
    assert plan.attributes['servicePrincipalName'] == ['http/web']
    assert allowed_principals(task, plan.values['allowed_to_retrieve_password']) == [
        {'name': 'hosts', 'sid': DOMAIN_SID + '-1300'}]


def test_an_unchanged_account_plans_no_write(monkeypatch):
    descriptor = build_membership_descriptor([DOMAIN_SID + '-1300']).to_bytes()
    directory = FakeDirectory([gmsa_entry(membership=descriptor, **{'msDS-SupportedEncryptionTypes': 24})])
    current = find_service_account(directory, 'web01')
    principal = _principals.Principal('CN=hosts,' + DOMAIN_DN, DOMAIN_SID + '-1300', 'hosts', ('group',))
    monkeypatch.setattr(_service_accounts, 'resolve_principals', lambda directory, texts, field: [principal] * len(texts))
    searches = len(directory.searches)
    plan = plan_service_account(directory, 'web01', current, params(
        spns={'set': ['HOST/web01', 'host/WEB01.contoso.com']}, allowed_to_retrieve_password={'set': ['hosts']},
        kerberos_encryption_types=['aes256', 'aes128'], managed_password_interval=30))
    assert not plan.changed and plan.requests == ()
    assert len(directory.searches) == searches, 'every principal was resolved, so no SID needs a name'


def test_a_descriptor_change_deletes_the_exact_old_value(monkeypatch):
    old = build_membership_descriptor([DOMAIN_SID + '-1300']).to_bytes()
    directory = FakeDirectory([gmsa_entry(membership=old)])
    current = find_service_account(directory, 'web01')
    added = _principals.Principal('CN=h2,' + DOMAIN_DN, DOMAIN_SID + '-1301', 'h2', ('computer',))
    monkeypatch.setattr(_service_accounts, 'resolve_principals', lambda directory, texts, field: [added])
    monkeypatch.setattr(_service_accounts, 'names_of_sids', lambda directory, sids: {})
    plan = plan_service_account(directory, 'web01', current, params(allowed_to_retrieve_password={'add': ['h2$']}))
    delete, add = plan.requests[0]['msDS-GroupMSAMembership']
    assert delete == Change('delete', (old,))
    assert add.operation == 'add'
    new_value, = add.values
    assert parse_security_descriptor(new_value).allowed_sids() == [DOMAIN_SID + '-1300', DOMAIN_SID + '-1301']


def test_other_encryption_bits_are_kept():
    directory = FakeDirectory([gmsa_entry(**{'msDS-SupportedEncryptionTypes': 0x18 | 0x20})])
    current = find_service_account(directory, 'web01')
    plan = plan_service_account(directory, 'web01', current, params(kerberos_encryption_types=['aes256']))
    assert plan.requests[0]['msDS-SupportedEncryptionTypes'] == [Change('replace', (str(0x10 | 0x20),))]


def test_a_different_interval_for_an_existing_account_fails():
    directory = FakeDirectory([gmsa_entry(**{'msDS-ManagedPasswordInterval': 30})])
    current = find_service_account(directory, 'web01')
    with pytest.raises(ADInputError, match='^managed_password_interval: .*only be set when the account is created'):
        plan_service_account(directory, 'web01', current, params(managed_password_interval=60))


def test_enabling_clears_only_the_disabled_bit():
    directory = FakeDirectory([gmsa_entry(userAccountControl=0x1022)])
    current = find_service_account(directory, 'web01')
    plan = plan_service_account(directory, 'web01', current, params())
    assert plan.requests[0]['userAccountControl'] == [Change('replace', (str(0x1020),))]


# ------------------------------------------------------------------ listing (domain_info)
def test_listing_and_schema_check_still_work():
    directory = FakeDirectory([gmsa_entry('b'), gmsa_entry('A')])
    listed = [account.as_dict() for account in list_service_accounts(directory)]
    assert [item['name'] for item in listed] == ['A', 'b']
    assert listed[0]['spns'] == ['host/A', 'host/A.contoso.com']
    assert gmsa_schema_present(directory) is True
    assert gmsa_schema_present(FakeDirectory()) is False
