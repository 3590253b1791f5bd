"""The NTLM bind: SASL GSS-SPNEGO rounds carrying the TLS channel binding of the connection (RFC 5929)."""

from __future__ import annotations

import datetime
import hashlib
from types import SimpleNamespace

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Candidate, DirectoryError, _bind
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import describe_bind_refusal
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._tls import tls_server_end_point


def certificate(hash_name):
    """A self-signed DER certificate whose signature uses ``hash_name``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'dc1.example.test')])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
             .sign(key, getattr(hashes, hash_name.upper())()))
    return built.public_bytes(serialization.Encoding.DER)


# (A certificate signed with SHA-1 would be hashed with SHA-256; cryptography no longer signs with SHA-1.)
@pytest.mark.parametrize('signed_with, hashed_with', [('sha256', 'sha256'), ('sha384', 'sha384'), ('sha512', 'sha512')])
def test_the_token_hashes_the_certificate_as_rfc_5929_says(signed_with, hashed_with):
    der = certificate(signed_with)
    assert tls_server_end_point(der) == b'tls-server-end-point:' + hashlib.new(hashed_with, der).digest()


class FakeTLSConnection:
    """An ldap3 connection over TLS as far as the bind sees it: the peer certificate, and a DC that answers
    each SASL round from ``answers``."""

    def __init__(self, der, answers):
        self.socket = SimpleNamespace(getpeercert=lambda binary_form: der)
        self.answers = list(answers)
        self.sent = []
        self.sasl_mechanism = None
        self.sasl_in_progress = False
        self.bound = False


class FakeContext:
    """Stands in for pyspnego's NTLM client: three messages, complete after the third."""

    def __init__(self):
        self.steps = 0

    @property
    def complete(self):
        return self.steps == 2

    def step(self, in_token=None):
        self.steps += 1
        return b'NTLMSSP-%d' % self.steps


SETTINGS = SimpleNamespace(auth='ntlm', username='CONTOSO\\svc', password='not-sent-here', port=636)
CANDIDATE = Candidate('192.0.2.10', 'dc1.example.test')


@pytest.fixture
def rounds(monkeypatch):
    made = {}

    def client(*args, **kwargs):
        made.update(kwargs, username=args[0])
        return FakeContext()

    import spnego
    from ldap3.protocol.sasl import sasl

    def send(connection, controls, payload):
        connection.sent.append((connection.sasl_mechanism, connection.sasl_in_progress, payload))
        return connection.answers.pop(0)

    monkeypatch.setattr(spnego, 'client', client)
    monkeypatch.setattr(sasl, 'send_sasl_negotiation', send)
    return made


def test_the_bind_carries_the_channel_binding_of_its_tls_session(rounds):
    der = certificate('sha256')
    conn = FakeTLSConnection(der, [{'result': 14, 'description': 'saslBindInProgress', 'saslCreds': b'challenge'},
                                   {'result': 0, 'description': 'success'}])
    _bind.bind(conn, SETTINGS, CANDIDATE)
    bindings = rounds['channel_bindings']
    assert bindings.application_data == b'tls-server-end-point:' + hashlib.sha256(der).digest()
    assert rounds['service'] == 'ldap' and rounds['hostname'] == 'dc1.example.test'
    assert rounds['protocol'] == 'ntlm'
    # GSS-SPNEGO, both NTLM messages inside one SASL exchange, and no signing or sealing inside TLS.
    assert [(mechanism, busy) for mechanism, busy, _payload in conn.sent] == [('GSS-SPNEGO', True)] * 2
    assert [payload for _m, _b, payload in conn.sent] == [b'NTLMSSP-1', b'NTLMSSP-2']
    import spnego
    assert rounds['context_req'] & spnego.ContextReq.no_integrity
    assert not rounds['context_req'] & (spnego.ContextReq.integrity | spnego.ContextReq.confidentiality)
    assert conn.bound and not conn.sasl_in_progress


def test_a_wrong_password_reads_as_every_refused_bind(rounds):
    conn = FakeTLSConnection(certificate('sha256'), [
        {'result': 14, 'description': 'saslBindInProgress', 'saslCreds': b'challenge'},
        {'result': 49, 'description': 'invalidCredentials',
         'message': '80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1'}])
    with pytest.raises(DirectoryError, match='^the domain controller refused the credentials of CONTOSO') as raised:
        _bind.bind(conn, SETTINGS, CANDIDATE)
    assert raised.value.description == 'invalidCredentials' and raised.value.data_code == '52e'
    assert not conn.bound


def test_a_refusal_for_the_channel_binding_says_so_and_names_the_fix():
    line = describe_bind_refusal({'result': 49, 'description': 'invalidCredentials',
                                  'message': '80090346: LdapErr: DSID-0C090590, comment: AcceptSecurityContext '
                                             'error, data 80090346, v4563'}, CANDIDATE, SETTINGS)
    assert 'channel binding' in line and 'SEC_E_BAD_BINDINGS' in line
    assert 'connect to the controller directly' in line
