# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The validity of the certificate a domain controller presents for LDAPS (or StartTLS)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok, skipped, warning
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import iso

# Long enough to renew through a change process before binds start failing.
RENEW_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class Validity:
    subject: str
    not_before: datetime
    not_after: datetime


def validity_of(certificate):
    """The subject and validity period of a DER certificate, or None for bytes that are not one."""
    from cryptography import x509

    try:
        with warnings.catch_warnings():  # cryptography warns of what it will refuse (a negative serial number)
            warnings.simplefilter('ignore')
            parsed = x509.load_der_x509_certificate(certificate)
            return Validity(parsed.subject.rfc4514_string(), _utc(parsed, 'not_valid_before'),
                            _utc(parsed, 'not_valid_after'))
    except ValueError:
        return None


def _utc(parsed, name):
    # cryptography 42 added the aware *_utc properties; older ones give naive UTC datetimes.
    value = getattr(parsed, name + '_utc', None)
    return value if value is not None else getattr(parsed, name).replace(tzinfo=timezone.utc)


def certificate_check(dc, validity, now):
    """The finding for the certificate ``dc`` presented (its Validity, None when there was none to read)."""
    name = 'ldaps_certificate (%s)' % dc
    if validity is None:
        return skipped(name, 'no certificate could be read from the TLS session with %s' % dc)
    fix = ('renew the certificate of %s (autoenrollment of the Domain Controller or Kerberos Authentication '
           'template, or your CA\'s process)' % dc)
    if now < validity.not_before:
        return failed(name, 'the certificate of %s (%s) is valid only from %s'
                      % (dc, validity.subject, iso(validity.not_before)),
                      'check the clock of %s and of the CA, or issue a certificate valid now' % dc)
    if now >= validity.not_after:
        return failed(name, 'the certificate of %s (%s) expired on %s' % (dc, validity.subject, iso(validity.not_after)),
                      fix)
    left = validity.not_after - now
    finding = 'the certificate of %s (%s) is valid until %s, %d days from now' % (
        dc, validity.subject, iso(validity.not_after), left.days)
    if left < RENEW_WITHIN:
        return warning(name, finding, fix)
    return ok(name, finding)
