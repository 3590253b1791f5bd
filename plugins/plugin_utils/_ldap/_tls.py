# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""TLS for every connection: how the certificate is checked, the CA file checked first, and the
``tls-server-end-point`` channel binding (RFC 5929) that ties a SASL bind to the TLS session."""

from __future__ import annotations

import ssl
import warnings

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import describe_bad_ca_cert

TLS_SERVER_END_POINT = b'tls-server-end-point:'


def check_ca_cert(ca_cert):
    """Load the file as the handshake will: ldap3 says only "invalid CA public key file" for a missing one,
    and the handshake an OpenSSL error for one without a certificate, neither naming the option."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca_cert)
    except ssl.SSLError:  # an OSError too, so first
        raise ADInputError(describe_bad_ca_cert(ca_cert, 'holds no certificate in PEM form')) from None
    except OSError:
        raise ADInputError(describe_bad_ca_cert(ca_cert, 'does not exist or cannot be read')) from None


def tls_for(settings, candidate):
    """ldap3's TLS settings for one candidate: the certificate must name the candidate's TLS name."""
    from ldap3 import Tls

    if not settings.validate_certs:
        return Tls(validate=ssl.CERT_NONE)
    names = [candidate.tls_name] if candidate.tls_name else []
    return Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_cert, valid_names=names,
               version=ssl.PROTOCOL_TLS_CLIENT, sni=candidate.tls_name)


def tls_server_end_point(certificate):
    """The channel binding application data of a server certificate (DER): ``tls-server-end-point:`` and the
    certificate's hash, made with the hash of its signature algorithm, or SHA-256 where that is MD5 or SHA-1
    or unknown (RFC 5929 4.1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        with warnings.catch_warnings():  # cryptography warns of what it will refuse (a negative serial number)
            warnings.simplefilter('ignore')
            algorithm = x509.load_der_x509_certificate(certificate).signature_hash_algorithm
    except Exception:  # an algorithm cryptography does not name (Ed25519 has none): RFC 5929 says SHA-256
        algorithm = None
    if algorithm is None or algorithm.name in ('md5', 'sha1'):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate)
    return TLS_SERVER_END_POINT + digest.finalize()


def peer_certificate(connection):
    """The DER certificate the domain controller presented on ``connection``'s TLS socket, or None."""
    sock = getattr(connection, 'socket', None)
    try:
        return sock.getpeercert(True) if sock is not None else None
    except (AttributeError, ValueError):  # not (or no longer) a TLS socket
        return None
