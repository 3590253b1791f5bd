from __future__ import annotations

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    Candidate,
    ConnectionSettings,
    candidates_for,
    discover_domain_controllers,
)


def params(**overrides):
    base = dict(domain_server=['dc1.contoso.com'], domain_name=None, domain_port=None, tls_mode='ldaps',
                validate_certs=True, ca_cert=None, tls_server_name=None, auth='simple',
                domain_username='admin@CONTOSO.COM', domain_password='secret', connect_timeout=10)
    base.update(overrides)
    return base


def test_port_follows_the_tls_mode():
    assert ConnectionSettings.from_params(params()).port == 636
    assert ConnectionSettings.from_params(params(tls_mode='start_tls')).port == 389
    assert ConnectionSettings.from_params(params(domain_port=3269)).port == 3269


@pytest.mark.parametrize('overrides, field', [
    (dict(domain_server=[], domain_name=None), 'domain_server or domain_name'),
    (dict(domain_password=None), 'domain_password'),
    (dict(auth='ntlm', domain_username=None), 'domain_username'),
    (dict(auth='kerberos', domain_username=None), 'domain_password was given without domain_username'),
    (dict(connect_timeout=0), 'connect_timeout'),
    (dict(domain_port=70000), 'domain_port'),
])
def test_bad_settings_name_the_field(overrides, field):
    with pytest.raises(ADInputError, match=field):
        ConnectionSettings.from_params(params(**overrides))


def test_kerberos_may_use_the_ticket_cache():
    settings = ConnectionSettings.from_params(params(auth='kerberos', domain_username=None, domain_password=None))
    assert settings.username is None


def test_the_password_is_not_in_the_settings_repr_but_is_in_the_fingerprint():
    one = ConnectionSettings.from_params(params(domain_password='first-secret'))
    two = ConnectionSettings.from_params(params(domain_password='second-secret'))
    assert 'first-secret' not in repr(one)
    assert one.fingerprint() != two.fingerprint()
    assert one.fingerprint() == ConnectionSettings.from_params(params(domain_password='first-secret')).fingerprint()


def test_listed_servers_are_tried_in_order_with_the_tls_name():
    settings = ConnectionSettings.from_params(params(domain_server=['10.0.0.1', '10.0.0.2'], tls_server_name='dc.contoso.com'))
    assert candidates_for(settings) == [Candidate('10.0.0.1', 'dc.contoso.com'), Candidate('10.0.0.2', 'dc.contoso.com')]


class _Srv:
    def __init__(self, priority, weight, target):
        self.priority, self.weight, self.target = priority, weight, target


class StandInResolver:
    """A stand-in for dnspython's resolver with fixed answers (no DNS server involved)."""

    def __init__(self, records):
        self.records = records

    def resolve(self, name, record_type):
        import dns.resolver

        try:
            return self.records[(name, record_type)]
        except KeyError:
            raise dns.resolver.NXDOMAIN()


def test_srv_discovery_orders_by_priority_then_weight_and_resolves_addresses():
    pytest.importorskip('dns')
    resolver = StandInResolver({
        ('_ldap._tcp.dc._msdcs.contoso.com', 'SRV'): [
            _Srv(10, 100, 'far.contoso.com.'), _Srv(0, 10, 'light.contoso.com.'), _Srv(0, 90, 'heavy.contoso.com.')],
        ('heavy.contoso.com', 'A'): ['10.0.0.1'],
        ('light.contoso.com', 'A'): ['10.0.0.2'],
        ('light.contoso.com', 'AAAA'): ['fd00::2'],
        ('far.contoso.com', 'A'): ['10.9.0.1'],
    })
    assert discover_domain_controllers('contoso.com', resolver) == [
        Candidate('10.0.0.1', 'heavy.contoso.com'), Candidate('10.0.0.2', 'light.contoso.com'),
        Candidate('fd00::2', 'light.contoso.com'), Candidate('10.9.0.1', 'far.contoso.com')]


def test_srv_discovery_without_a_record_says_what_to_do():
    pytest.importorskip('dns')
    with pytest.raises(ADError, match='_ldap._tcp.dc._msdcs.contoso.com.*domain_server'):
        discover_domain_controllers('contoso.com', StandInResolver({}))
