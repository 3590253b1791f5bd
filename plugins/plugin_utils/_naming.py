# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The names derived from a gMSA's name, one rule each and nowhere else: what a gMSA may be called, its default
DNS host name and SPNs, a host's computer account, and the file name of its credential spec.

Pure: the filters use these rules before any directory is reached, the modules and verify use the same."""

from __future__ import annotations

import ipaddress
import re

# A gMSA is a computer account: its name (the sAMAccountName without the $) keeps to the NetBIOS limit of
# computer names, and has none of the characters AD refuses in account names. '@' reads as a UPN and '$' is
# the suffix added here, so neither may be in the name.
NETBIOS_NAME_MAX_LENGTH = 15
GMSA_NAME_FORBIDDEN = '"/\\[]:;|=,+*?<>@$'
_DNS_LABEL = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')
# A Windows computer name: never all digits (Windows refuses one), so at least one letter.
_COMPUTER_NAME = re.compile(r'^(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{1,63}$')


class NamingError(ValueError):
    """A name a rule refuses; the message says why and what to give instead (the caller names the option)."""


def gmsa_name(name):
    """The gMSA's name without its trailing $, checked: a name AD or Kerberos would refuse raises NamingError."""
    if not isinstance(name, str) or not name.strip():
        raise NamingError('give the gMSA name (1 to %d characters, without the trailing $)' % NETBIOS_NAME_MAX_LENGTH)
    if name.endswith('$'):
        name = name[:-1]
    if len(name) > NETBIOS_NAME_MAX_LENGTH:
        raise NamingError('%r has %d characters; a gMSA name is at most %d characters (its sAMAccountName is the '
                          'name plus $, the NetBIOS limit of computer accounts)'
                          % (name, len(name), NETBIOS_NAME_MAX_LENGTH))
    bad = sorted({char for char in name if char in GMSA_NAME_FORBIDDEN or ord(char) < 32})
    if bad:
        raise NamingError('%r contains %s; a gMSA name may not contain any of %s, control characters, or $ other '
                          'than at the end' % (name, ' '.join(repr(char) for char in bad),
                                               ' '.join(GMSA_NAME_FORBIDDEN[:-1])))
    if name != name.strip() or name.endswith('.') or not name.strip(' .'):
        raise NamingError('%r may not start or end with a space, end with a period, or be only periods' % name)
    return name


def gmsa_sam_account_name(name):
    return name + '$'


def dns_hostname(value):
    """``value`` as a DNS host name without a trailing dot, or NamingError."""
    labels = value.rstrip('.').split('.')
    if len(value) > 253 or not all(_DNS_LABEL.match(label) for label in labels):
        raise NamingError('%r is not a DNS host name (labels of letters, digits and hyphens, at most 63 characters '
                          'each)' % value)
    return value.rstrip('.')


def default_dns_hostname(name, domain_dns_name):
    """<name>.<domain>: the DNS host name a gMSA gets when none is given."""
    host = '%s.%s' % (name, domain_dns_name)
    try:
        return dns_hostname(host)
    except NamingError:
        raise NamingError('the default %r is not a DNS host name, since the name has characters DNS does not allow; '
                          'give dns_hostname' % host) from None


def default_spns(name, host_name):
    """host/<name> and host/<DNS host name>: the SPNs a container host's Kerberos asks for, which a new gMSA
    gets and verify requires."""
    spns = ['host/%s' % name]
    if host_name:
        spns.append('host/%s' % host_name)
    return spns


def computer_account(host_name):
    """The computer account Windows makes for the host called ``host_name`` (a short name or a DNS name): its
    first label, truncated to the NetBIOS limit of 15 characters, upper case, plus $.

    What can never be a Windows computer name raises NamingError: an IP address, a label without a letter (any
    domain user may create the computer 10$ through the machine account quota, so the address 10.20.30.41 must
    not name it), or characters a computer name does not have."""
    name = host_name.strip() if isinstance(host_name, str) else ''
    if is_ip_address(name):
        raise NamingError('%s is an IP address, which is never a Windows computer name' % name)
    short = name.split('.')[0]
    if not _COMPUTER_NAME.match(short):
        raise NamingError('%r cannot be a Windows computer name (letters, digits, hyphens and underscores, with at '
                          'least one letter)' % short)
    return short[:NETBIOS_NAME_MAX_LENGTH].upper() + '$'


def is_ip_address(text):
    """Whether ``text`` is an IPv4 or IPv6 address (an IPv6 one with or without brackets or a zone)."""
    try:
        ipaddress.ip_address(text.strip('[]').split('%')[0])
    except ValueError:
        return False
    return True


def same_host_name(dns_hostname, expected):
    """Whether the DNS host name a computer account carries is ``expected``: the whole name when ``expected`` has a
    domain, else its first label; without regard to case or a trailing dot."""
    actual = (dns_hostname or '').rstrip('.').lower()
    expected = expected.rstrip('.').lower()
    return actual == expected if '.' in expected else actual.split('.')[0] == expected


def credential_spec_file_name(netbios_name, account):
    """The name New-CredentialSpec gives the file in the Docker root's CredentialSpecs folder."""
    return '%s_%s.json' % (netbios_name.lower(), account.rstrip('$').lower())


# A ledger line may only ever name a plain .json file in the CredentialSpecs folder itself.
PLAIN_SPEC_FILE = re.compile(r'^[^\\/:*?"<>|]+\.json$', re.IGNORECASE)


def ledger_files(text):
    """File names the container_host role's ledger lists: one per line; blank lines, comments and anything but a
    plain .json name ignored."""
    names = []
    for line in (text or '').splitlines():
        name = line.strip()
        if name and not name.startswith('#') and PLAIN_SPEC_FILE.match(name):
            names.append(name)
    return names


def account_of_spec_file(netbios_name, file_name):
    """The gMSA name a credential spec file is named after by credential_spec_file_name, or None when the name
    does not follow that rule for this domain."""
    prefix = netbios_name.lower() + '_'
    lowered = file_name.lower()
    if not lowered.startswith(prefix) or not lowered.endswith('.json') or len(lowered) <= len(prefix) + 5:
        return None
    return lowered[len(prefix):-len('.json')]
