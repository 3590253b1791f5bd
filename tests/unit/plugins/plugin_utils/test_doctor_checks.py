"""The doctor's decisions: each check's status, finding and fix from what was read, with injected clocks,
certificates, DNS answers and bind results; and the task's failing rule."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._credential_spec import build_credential_spec
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor import (
    certificate_check,
    clock_check,
    credential_spec_check,
    failing,
    failure_line,
    kds_check,
    parsed_specs,
    schema_check,
    validity_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._binds import channel_binding_check, signing_check
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._dns import (
    ANSWERED,
    NO_ANSWER,
    NO_RECORD,
    Outcome,
    srv_check,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import Check
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._schema import SchemaFacts
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import root_key
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    DirectoryError,
    DomainFacts,
    generalized_time_to_datetime,
)

NOW = datetime(2026, 12, 2, 3, 0, 0, tzinfo=timezone.utc)
DC = 'dc01.contoso.com'
FACTS = DomainFacts(dn='DC=contoso,DC=com', dns_name='contoso.com', netbios_name='CONTOSO',
                    forest_dns_name='contoso.com', sid='S-1-5-21-1-2-3', guid='7c9a2b7e-1e1f-4a5c-9f43-2b8f6b3a9d10',
                    configuration_dn='CN=Configuration,DC=contoso,DC=com',
                    schema_dn='CN=Schema,CN=Configuration,DC=contoso,DC=com', root_domain_dn='DC=contoso,DC=com',
                    domain_controller=DC, domain_controller_dn='CN=DC01,...')


# ------------------------------------------------------------ DNS
def answered(record, server='10.0.0.10'):
    return Outcome(server, record, ANSWERED, ('dc01.contoso.com:389',))


def test_every_record_answered_is_ok():
    check = srv_check('tcp', [answered('_ldap._tcp.dc._msdcs.contoso.com'), answered('_kerberos._tcp.contoso.com')])
    assert (check.name, check.status) == ('dns_srv_tcp', 'ok')
    assert 'dc01.contoso.com:389' in check.finding


def test_a_server_silent_over_tcp_says_to_open_tcp_53():
    check = srv_check('tcp', [Outcome('10.0.0.10', '_ldap._tcp.dc._msdcs.contoso.com', NO_ANSWER,
                                      reason='no answer within 5 s')])
    assert check.status == 'failed'
    assert '10.0.0.10 did not answer over TCP' in check.finding
    assert 'open TCP port 53' in check.fix and '10.0.0.10' in check.fix


def test_a_missing_record_says_to_register_it():
    check = srv_check('udp', [answered('_ldap._tcp.dc._msdcs.contoso.com'),
                              Outcome('10.0.0.10', '_kerberos._udp.contoso.com', NO_RECORD, reason='NXDOMAIN')])
    assert check.status == 'failed'
    assert '_kerberos._udp.contoso.com' in check.finding and 'NXDOMAIN' in check.finding
    assert 'nltest /dsregdns' in check.fix


# ------------------------------------------------------------ clock
@pytest.mark.parametrize('skew, status', [
    (timedelta(seconds=0), 'ok'),
    (timedelta(seconds=59), 'ok'),
    (timedelta(seconds=-90), 'warning'),
    (timedelta(minutes=4, seconds=59), 'warning'),
    (timedelta(minutes=5, seconds=1), 'failed'),
    (timedelta(minutes=-30), 'failed'),
])
def test_clock_skew(skew, status):
    check = clock_check(DC, NOW, NOW + skew)
    assert check.status == status
    assert check.name == 'clock (%s)' % DC
    if status != 'ok':
        assert 'w32tm' in check.fix
    assert ('ahead of' if skew > timedelta(0) else 'behind') in check.finding


def test_no_dc_time_is_skipped():
    assert clock_check(DC, None, NOW).status == 'skipped'


@pytest.mark.parametrize('text, expected', [
    ('20261202023935.0Z', datetime(2026, 12, 2, 2, 39, 35, tzinfo=timezone.utc)),
    ('20261202023935Z', datetime(2026, 12, 2, 2, 39, 35, tzinfo=timezone.utc)),
    ('20261202023935.5Z', datetime(2026, 12, 2, 2, 39, 35, 500000, tzinfo=timezone.utc)),
    ('not a time', None),
    (None, None),
])
def test_generalized_time(text, expected):
    assert generalized_time_to_datetime(text) == expected


# ------------------------------------------------------------ certificate
def certificate(not_before, not_after):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DC)])
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(1).not_valid_before(not_before).not_valid_after(not_after).sign(key, hashes.SHA256()))
    return built.public_bytes(Encoding.DER)


@pytest.mark.parametrize('not_before, not_after, status, words', [
    (NOW - timedelta(days=300), NOW + timedelta(days=65), 'ok', 'valid until 2027-02-05'),
    (NOW - timedelta(days=300), NOW + timedelta(days=29), 'warning', '29 days from now'),
    (NOW - timedelta(days=300), NOW - timedelta(days=1), 'failed', 'expired on 2026-12-01'),
    (NOW + timedelta(days=1), NOW + timedelta(days=365), 'failed', 'valid only from 2026-12-03'),
])
def test_certificate_validity(not_before, not_after, status, words):
    check = certificate_check(DC, validity_of(certificate(not_before, not_after)), NOW)
    assert check.status == status
    assert words in check.finding and DC in check.finding
    assert 'CN=%s' % DC in check.finding
    if status == 'warning' or 'expired' in words:
        assert 'renew the certificate of %s' % DC in check.fix


def test_bytes_that_are_no_certificate():
    assert validity_of(b'not a certificate') is None
    assert certificate_check(DC, None, NOW).status == 'skipped'


# ------------------------------------------------------------ KDS root key
def key(key_id, effective_time, created=None):
    return root_key(key_id, 'CN=%s,...' % key_id, created or effective_time, effective_time)


def test_a_usable_key_is_ok():
    check = kds_check(DC, [key('k1', NOW - timedelta(days=2))], None, NOW)
    assert check.status == 'ok' and 'k1' in check.finding


def test_a_key_not_yet_usable_says_when():
    check = kds_check(DC, [key('k1', NOW - timedelta(hours=1))], None, NOW)
    assert check.status == 'failed'
    assert '2026-12-02T12:05:00Z' in check.finding
    assert 'lab_backdate' in check.fix


def test_no_key_says_to_create_one_or_check_replication():
    check = kds_check(DC, [], None, NOW)
    assert check.status == 'failed'
    assert 'wincontainers.gmsa.kds_root_key' in check.fix and 'replication' in check.fix


def test_unreadable_keys_are_a_warning():
    assert kds_check(DC, None, 'the account lacks the rights', NOW).status == 'warning'
    hidden = root_key('k1', 'CN=k1', None, None)
    assert kds_check(DC, [hidden], None, NOW).status == 'warning'


def test_more_than_one_key_is_a_warning():
    keys = [key('k1', NOW - timedelta(days=9)), key('k2', NOW - timedelta(days=2))]
    check = kds_check(DC, keys, None, NOW)
    assert check.status == 'warning' and 'k2' in check.finding and '2 keys' in check.finding


# ------------------------------------------------------------ schema
@pytest.mark.parametrize('facts, status', [
    (SchemaFacts(88, True, 4, 4), 'ok'),
    (SchemaFacts(56, True, 3, 3), 'ok'),
    (SchemaFacts(47, False, 4, 4), 'failed'),
    (SchemaFacts(47, True, 4, 4), 'failed'),
])
def test_schema(facts, status):
    check = schema_check(facts)
    assert check.status == status
    assert 'functional level %d (' % facts.domain_level in check.finding
    if status == 'failed':
        assert 'adprep /forestprep' in check.fix


# ------------------------------------------------------------ binds
def refusal(description, message=''):
    return DirectoryError('refused', {'description': description, 'message': message})


def test_a_dc_refusing_clear_text_simple_binds_requires_signing():
    check = signing_check(DC, refusal('strongerAuthRequired', 'BindSimple: Transport encryption required.'), None)
    assert check.status == 'ok' and 'requires LDAP signing or TLS' in check.finding


@pytest.mark.parametrize('refused', [None, refusal('invalidCredentials', '80090308: ... data 52e')])
def test_a_dc_taking_clear_text_simple_binds_is_told_to_require_signing(refused):
    check = signing_check(DC, refused, None)
    assert check.status == 'warning'
    assert 'LDAP server signing requirements' in check.fix


def test_port_389_closed_fails():
    check = signing_check(DC, None, 'refused the connection on port 389')
    assert check.status == 'failed' and 'port 389' in check.fix


def test_channel_binding_enforced():
    check = channel_binding_check(DC, refusal('invalidCredentials', '80090346: LdapErr: ... data 35b'), None, 'svc')
    assert check.status == 'ok' and 'enforces LDAP channel binding' in check.finding


def test_channel_binding_not_enforced_is_a_warning():
    check = channel_binding_check(DC, None, None, 'svc')
    assert check.status == 'warning' and 'LdapEnforceChannelBinding=2' in check.fix


def test_channel_binding_untold_when_the_bind_fails_otherwise():
    check = channel_binding_check(DC, refusal('invalidCredentials', '8009030C: ... data 52e'), None, 'svc')
    assert check.status == 'skipped' and 'svc' in check.finding


# ------------------------------------------------------------ credential specs
def spec(**domain_join):
    document = build_credential_spec(FACTS, 'WebApp01')
    document['DomainJoinConfig'].update(domain_join)
    return document


def test_the_specs_the_collection_writes_agree():
    assert credential_spec_check(0, spec(), FACTS).status == 'ok'


def test_netbios_name_in_the_dns_field_is_named_with_the_right_value():
    check = credential_spec_check(0, spec(DnsName='CONTOSO'), FACTS)
    assert check.status == 'failed'
    assert check.name == 'credential_spec WebApp01'
    assert "DomainJoinConfig.DnsName is 'CONTOSO' (that is the NetBIOS name)" in check.finding
    assert "set DomainJoinConfig.DnsName to contoso.com (the domain's DNS name)" in check.fix


def test_every_wrong_field_is_named():
    check = credential_spec_check(1, spec(NetBiosName='contoso.com', Sid='S-1-5-21-9', DnsTreeName='other.com'), FACTS)
    assert 'credential_specs[1] DomainJoinConfig.NetBiosName' in check.finding
    assert '(that is the DNS name)' in check.finding
    for right in ('NetBiosName to CONTOSO', 'Sid to S-1-5-21-1-2-3', 'DnsTreeName to contoso.com'):
        assert right in check.fix


def test_a_missing_netbios_scope_is_named():
    document = spec()
    document['ActiveDirectoryConfig']['GroupManagedServiceAccounts'] = [{'Name': 'WebApp01', 'Scope': 'contoso.com'}]
    check = credential_spec_check(0, document, FACTS)
    assert check.status == 'failed'
    assert '{"Name": "WebApp01", "Scope": "CONTOSO"}' in check.fix


def test_case_does_not_matter():
    assert credential_spec_check(0, spec(DnsName='CONTOSO.COM', NetBiosName='contoso'), FACTS).status == 'ok'


def test_a_document_without_domain_join_config_fails():
    assert credential_spec_check(0, {'CmsPlugins': ['ActiveDirectory']}, FACTS).status == 'failed'


def test_specs_as_json_text_or_dicts():
    assert parsed_specs([json.dumps(spec()), spec()]) == [spec(), spec()]


@pytest.mark.parametrize('value, words', [('{not json', 'credential_specs[0]: not JSON'),
                                          (['a list'], 'credential_specs[0]: give a credential spec document')])
def test_bad_specs_name_the_field(value, words):
    with pytest.raises(ADInputError) as raised:
        parsed_specs([value])
    assert words in str(raised.value)


# ------------------------------------------------------------ failing
CHECKS = [Check('a', 'ok', ''), Check('b', 'warning', '', 'x'), Check('c', 'failed', '', 'y'), Check('d', 'skipped', '')]


@pytest.mark.parametrize('fail_on, names', [('failed', ['c']), ('warning', ['b', 'c']), ('never', [])])
def test_fail_on(fail_on, names):
    assert [check.name for check in failing(CHECKS, fail_on)] == names


def test_failure_line_names_each_check():
    assert failure_line(failing(CHECKS, 'warning')) == ("2 checks need attention: b (warning), c (failed); "
                                                        "each check's fix says what to change")


# ------------------------------------------------------------ nothing secret on the clear-text probe
class RecordedConnection:
    """Stands in for ldap3.Connection: records what it was given, answers the bind as a hardened DC does."""
    made = []

    def __init__(self, server, **kwargs):
        self.server, self.kwargs = server, kwargs
        self.result = {'result': 8, 'description': 'strongerAuthRequired', 'message': 'Transport encryption required.'}
        RecordedConnection.made.append(self)

    def open(self):
        pass

    def bind(self):
        return False

    def unbind(self):
        pass


def test_the_clear_text_probe_sends_neither_the_bind_account_nor_its_password(monkeypatch):
    import ldap3

    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
        CONNECTION_ARGUMENT_SPEC,
        Candidate,
        ConnectionSettings,
        clear_text_simple_bind,
    )

    monkeypatch.setattr(ldap3, 'Connection', RecordedConnection)
    params = {name: spec.get('default') for name, spec in CONNECTION_ARGUMENT_SPEC.items()}
    params.update(domain_server=[DC], domain_username='svc-ansible@CONTOSO.COM', domain_password='Real-Secret-1')
    settings = ConnectionSettings.from_params(params)
    refused = clear_text_simple_bind(settings, Candidate(DC, DC), FACTS.dn)
    assert refused.description == 'strongerAuthRequired'
    sent = RecordedConnection.made[-1]
    assert not sent.server.ssl and sent.server.port == 389
    assert sent.kwargs['user'] == 'CN=wincontainers-gmsa-doctor-probe,CN=Users,DC=contoso,DC=com'
    assert 'svc-ansible' not in repr(sent.kwargs) and 'Real-Secret-1' not in repr(sent.kwargs)


def test_a_dns_server_is_an_address():
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor import name_servers

    assert name_servers([' 10.0.0.10', '::1']) == ['10.0.0.10', '::1']
    with pytest.raises(ADInputError) as raised:
        name_servers(['10.0.0.10', 'dns1.contoso.com'])
    assert str(raised.value) == "dns_server[1]: give the DNS server's IP address, not 'dns1.contoso.com'"
