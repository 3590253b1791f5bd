"""Forests of their own for the reliability suite, so that nobody else's writes move
the figures and nothing done here (stopping a DC, swapping its certificate) disturbs
the shared lab DC.

- ``two_dcs``: dc1 (127.0.0.2) and dc2 (127.0.0.3), one forest, both in the network
  namespace gmsa-rel whose resolver asks the two DCs (tests/lab/dc, GMSA_LAB_JOIN).
- ``solo_dc``: one DC on 127.0.0.1 in the namespace gmsa-rel-solo.

Every playbook runs inside the forest's namespace, where the DCs' addresses exist.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lab_dc import LAB_SCRIPT, LabDC

LAB_ROOT = Path(os.environ.get('GMSA_REL_LAB_ROOT', '/var/tmp'))
FIGURES = []


def start_dc(lab_dir, netns, address='127.0.0.1', host='dc1', join=None):
    """A lab DC as tests/lab/dc starts it, with the settings beyond LabDC.start's."""
    env = dict(os.environ, GMSA_LAB_DIR=str(lab_dir), GMSA_LAB_NETNS=netns, GMSA_LAB_ADDRESS=address,
               GMSA_LAB_HOST=host, GMSA_LAB_JOIN=str(join or ''))
    subprocess.run([str(LAB_SCRIPT), 'up'], check=True, env=env)
    listing = subprocess.run([str(LAB_SCRIPT), 'env'], check=True, capture_output=True, text=True, env=env).stdout
    return LabDC(dict(re.findall(r'^export (\w+)=(.*)$', listing, re.M)))


def restart(dc):
    """Start a stopped DC again: its lab dir remembers namespace and address."""
    subprocess.run([str(LAB_SCRIPT), 'up'], check=True, env=dict(os.environ, GMSA_LAB_DIR=dc.env['GMSA_LAB_DIR']))


def record_figure(line):
    """A line for the summary at the end of the run (cases tried, faults survived, hits found)."""
    FIGURES.append(line)


def replicate(destination, source):
    """Pull the domain partition from ``source`` to ``destination`` now, rather than on Samba's schedule."""
    subprocess.run(destination.in_lab_net(['samba-tool', 'drs', 'replicate', destination.env['GMSA_AD_TLS_SERVER_NAME'],
                                           source.env['GMSA_AD_TLS_SERVER_NAME'], destination.domain_dn,
                                           '-A', destination.env['GMSA_LAB_AUTH_FILE']]),
                   check=True, capture_output=True, text=True)


def both_dcs_env(dc1, dc2, tmp_path, discovery=False):
    """GMSA_AD_* for a forest of two DCs: named in order, or found by SRV record; one CA file with both self-signed CAs."""
    ca_file = tmp_path / 'forest-ca.pem'
    ca_file.write_text(Path(dc1.env['GMSA_AD_CA_CERT']).read_text() + Path(dc2.env['GMSA_AD_CA_CERT']).read_text())
    servers = '' if discovery else '%s,%s' % (dc1.env['GMSA_AD_TLS_SERVER_NAME'], dc2.env['GMSA_AD_TLS_SERVER_NAME'])
    # Each DC is checked against its own name: no single tls_server_name.
    return dict(GMSA_AD_SERVER=servers, GMSA_AD_TLS_SERVER_NAME='', GMSA_AD_CA_CERT=str(ca_file), GMSA_AD_CONNECT_TIMEOUT='3')


def results_by_case(stdout):
    """{task name: [results]} from the json callback's document, for plays whose cases are tasks named
    "case N": a case's results are its own and those of the unnamed tasks after it (a role's inner tasks)."""
    document = json.loads(stdout[stdout.find('{\n    "custom_stats"'):])
    cases, current = {}, None
    for play in document.get('plays', []):
        for task in play.get('tasks', []):
            name = task['task']['name']
            if name.startswith('case '):
                current = name
            for result in task.get('hosts', {}).values():
                cases.setdefault(current, []).append(result)
    return cases


@dataclass
class Certificate:
    cert: Path
    key: Path


def make_ca(folder, common_name):
    """A self-signed CA: a trust the DCs' own certificates do not chain to, or the issuer of one made here."""
    return _certificate(folder, 'ca', common_name, None, datetime.datetime.now(datetime.timezone.utc),
                        datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30))


def make_server_certificate(ca, folder, dns_name, not_before, not_after):
    """A server certificate for ``dns_name`` signed by ``ca``, valid only between the two datetimes:
    dates in the past give an expired certificate."""
    return _certificate(folder, 'server', dns_name, ca, not_before, not_after)


def _certificate(folder, stem, common_name, issuer, not_before, not_after):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    if issuer is None:
        issuer_name, signing_key = subject, key
        extensions = [(x509.BasicConstraints(ca=True, path_length=None), True)]
    else:
        issuer_cert = x509.load_pem_x509_certificate(issuer.cert.read_bytes())
        issuer_name = issuer_cert.subject
        signing_key = serialization.load_pem_private_key(issuer.key.read_bytes(), None)
        extensions = [(x509.SubjectAlternativeName([x509.DNSName(common_name)]), False),
                      (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)]
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    made = Certificate(folder / ('%s.pem' % stem), folder / ('%s.key' % stem))
    made.cert.write_bytes(builder.sign(signing_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    made.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    os.chmod(made.key, 0o600)  # Samba refuses a key file others can read
    return made
