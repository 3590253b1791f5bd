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
                validate_certs=True, ca_cert=None, tls_server_name=None, trust_system_ca=False, auth='simple',
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


class StandInResolver:
    """A stand-in for dnspython's resolver with fixed answers (no DNS server involved): each answer is the record
    data dnspython itself parses from the record's text, as ``dns.resolver.Resolver.resolve`` yields it."""

    def __init__(self, records):
        self.records = records

    def resolve(self, name, record_type):
        import dns.rdata
        import dns.resolver

        try:
            texts = self.records[(name.lower(), record_type)]  # DNS names are case-insensitive
        except KeyError:
            raise dns.resolver.NXDOMAIN()
        return [dns.rdata.from_text('IN', record_type, text) for text in texts]


CONTOSO_SRV = ('_ldap._tcp.dc._msdcs.contoso.com', 'SRV')


def test_srv_discovery_orders_by_priority_then_weight_and_resolves_addresses():
    pytest.importorskip('dns')
    resolver = StandInResolver({
        CONTOSO_SRV: ['10 100 389 far.contoso.com.', '0 10 389 light.contoso.com.', '0 90 389 heavy.contoso.com.'],
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


# ------------------------------------------------------------ the bind password goes only to a DC of the domain
@pytest.mark.parametrize('target', ['dc1.contoso.com.', 'DC1.Contoso.COM.', 'contoso.com.', 'dc1.site.contoso.com'])
@pytest.mark.parametrize('domain_name', ['contoso.com', 'Contoso.COM.'])
def test_a_host_within_the_domain_is_a_candidate(target, domain_name):
    pytest.importorskip('dns')
    host = target.rstrip('.')
    resolver = StandInResolver({CONTOSO_SRV: ['0 100 389 %s' % target], (host.lower(), 'A'): ['10.0.0.1']})
    settings = ConnectionSettings.from_params(params(domain_server=[], domain_name=domain_name, trust_system_ca=True))
    assert candidates_for(settings, resolver) == [Candidate('10.0.0.1', host)]


@pytest.mark.parametrize('target', ['dc1.attacker.example.', 'evilcontoso.com.', 'contoso.com.attacker.example.'])
def test_a_host_outside_the_domain_stops_the_run_naming_host_record_and_fix(target):
    pytest.importorskip('dns')
    host = target.rstrip('.')
    resolver = StandInResolver({
        CONTOSO_SRV: ['0 100 389 dc1.contoso.com.', '10 100 389 %s' % target],
        ('dc1.contoso.com', 'A'): ['10.0.0.1'], (host, 'A'): ['192.0.2.66']})
    with pytest.raises(ADError) as raised:
        discover_domain_controllers('contoso.com', resolver)
    assert str(raised.value) == (
        'the DNS SRV record _ldap._tcp.dc._msdcs.contoso.com names %s, a host outside contoso.com; the bind password '
        'goes only to a domain controller of the domain: name the controllers in domain_server' % host)


def test_a_target_of_dot_offers_no_service_and_is_passed_over():
    pytest.importorskip('dns')
    resolver = StandInResolver({CONTOSO_SRV: ['0 0 0 .']})
    with pytest.raises(ADError, match='names no reachable host'):
        discover_domain_controllers('contoso.com', resolver)


def test_with_tls_server_name_every_controller_found_must_present_that_name():
    pytest.importorskip('dns')
    resolver = StandInResolver({CONTOSO_SRV: ['0 100 389 dc1.contoso.com.', '0 50 389 dc2.contoso.com.'],
                                ('dc1.contoso.com', 'A'): ['10.0.0.1'], ('dc2.contoso.com', 'A'): ['10.0.0.2']})
    settings = ConnectionSettings.from_params(params(domain_server=[], domain_name='contoso.com',
                                                     tls_server_name='contoso.com'))
    assert candidates_for(settings, resolver) == [Candidate('10.0.0.1', 'contoso.com'),
                                                  Candidate('10.0.0.2', 'contoso.com')]


DISCOVERED = dict(domain_server=[], domain_name='contoso.com')


@pytest.mark.parametrize('auth', ['simple', 'ntlm'])
def test_a_password_bind_to_controllers_dns_found_needs_a_trust_dns_does_not_decide(auth):
    with pytest.raises(ADInputError) as raised:
        ConnectionSettings.from_params(params(auth=auth, **DISCOVERED))
    assert str(raised.value) == (
        'the domain controllers are found through DNS (_ldap._tcp.dc._msdcs.contoso.com), so the password of '
        'admin@CONTOSO.COM would go to any host DNS names that has a certificate the system trusts for its own name; '
        'give ca_cert (the CA that issued the controllers\' certificates), tls_server_name (the name their '
        'certificates carry) or trust_system_ca=true, or name the controllers in domain_server')


@pytest.mark.parametrize('auth', ['simple', 'ntlm'])
@pytest.mark.parametrize('trust', [dict(ca_cert='/etc/pki/contoso-ca.pem'), dict(tls_server_name='contoso.com'),
                                   dict(trust_system_ca=True)], ids=['ca_cert', 'tls_server_name', 'trust_system_ca'])
def test_each_of_the_three_lets_a_password_bind_find_its_controllers_through_dns(auth, trust):
    settings = ConnectionSettings.from_params(params(auth=auth, **DISCOVERED, **trust))
    assert settings.servers == () and settings.domain_name == 'contoso.com'
    assert settings.trust_system_ca is bool(trust.get('trust_system_ca'))


def test_a_kerberos_bind_sends_no_password_and_needs_none_of_them():
    settings = ConnectionSettings.from_params(params(auth='kerberos', domain_password=None, **DISCOVERED))
    assert settings.servers == () and settings.auth == 'kerberos'


def test_named_controllers_need_none_of_them():
    assert ConnectionSettings.from_params(params()).servers == ('dc1.contoso.com',)


@pytest.mark.parametrize('trust', [{}, dict(ca_cert='/etc/pki/contoso-ca.pem'), dict(trust_system_ca=True)],
                         ids=['alone', 'with ca_cert', 'with trust_system_ca'])
def test_unchecked_certificates_with_controllers_dns_found_are_refused_for_a_password_bind(trust):
    with pytest.raises(ADInputError) as raised:
        ConnectionSettings.from_params(params(validate_certs=False, **DISCOVERED, **trust))
    assert str(raised.value) == (
        'validate_certs=false with the domain controllers found through DNS (_ldap._tcp.dc._msdcs.contoso.com) would '
        'send the password of admin@CONTOSO.COM to whatever host DNS names, unchecked; name the controllers in '
        'domain_server, or check their certificates (validate_certs=true with ca_cert or tls_server_name)')
    assert ConnectionSettings.from_params(params(validate_certs=False, **trust)).validate_certs is False
