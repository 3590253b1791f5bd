# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What the canary runs on one host: the image and isolation of its containers, and per application the credential
spec file, a host name prefix and the command run inside.

Windows refuses a process-isolated container whose image was built for another Windows build than the host's
(0xc0370101); Hyper-V isolation runs any older image. Microsoft's servercore images per build: 17763 ltsc2019,
20348 ltsc2022, 26100 ltsc2025."""

from __future__ import annotations

import re

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import default_dns_hostname

SERVERCORE = 'mcr.microsoft.com/windows/servercore:%s'
TAGS = {17763: 'ltsc2019', 20348: 'ltsc2022', 26100: 'ltsc2025'}
ISOLATIONS = ('auto', 'process', 'hyperv')
# The checks the command runs, in order, and the marker line each ends with (its exit code after it).
CHECKS = ('sc_verify', 'krbtgt', 'service_ticket')
# A container's host name is at most 15 characters (NetBIOS): this prefix, a hyphen and 8 random hex digits.
HOSTNAME_PREFIX_LENGTH = 6
# What cmd /c may be given unquoted: an SPN or a DNS name, nothing cmd reads as an operator.
PLAIN_WORD = re.compile(r'^[A-Za-z0-9._/:-]+$')


def host_build(distribution_version):
    """The Windows build of ansible_distribution_version (10.0.20348.0 -> 20348), or None when it is not known."""
    found = re.match(r'^\d+\.\d+\.(\d+)', str(distribution_version or ''))
    return int(found.group(1)) if found else None


def image_build(image):
    """The build an image was made for, from its tag (ltsc2022, 10.0.20348.2340), or None when the tag does not say."""
    tag = image.rsplit(':', 1)[-1] if ':' in image.rsplit('/', 1)[-1] else ''
    found = re.match(r'^10\.0\.(\d+)', tag)
    if found:
        return int(found.group(1))
    return next((build for build, name in TAGS.items() if tag.startswith(name)), None)


def container_image(build, hyperv, image='', isolation='auto'):
    """(image, isolation, problem): the image the inventory names, else the servercore image of the host's build;
    process isolation when the image's build is the host's, else Hyper-V where the host has it."""
    if isolation not in ISOLATIONS:
        return '', '', ('container_host_canary_isolation is %r: give auto, process or hyperv' % (isolation,))
    chosen = image or (SERVERCORE % TAGS[build] if build in TAGS else SERVERCORE % TAGS[max(TAGS)])
    if isolation != 'auto':
        return chosen, isolation, None
    built_for = image_build(chosen)
    if built_for is None and image or built_for == build:
        return chosen, 'process', None
    if hyperv:
        return chosen, 'hyperv', None
    if image:
        return '', '', ('container_host_canary_image %s is built for Windows build %s and the host is build %s, which '
                        'process isolation refuses, and the host has no Hyper-V: name an image of build %s'
                        % (image, built_for, build, build))
    return '', '', ('no servercore image is known for Windows build %s and the host has no Hyper-V to run another: '
                    'set container_host_canary_image to an image of this build' % build)


def hostname_prefix(gmsa_name):
    """The first letters and digits of the gMSA's name, lower case: a valid start of a host name."""
    prefix = re.sub(r'[^a-z0-9]', '', gmsa_name.lower())[:HOSTNAME_PREFIX_LENGTH]
    return prefix or 'gmsa'


def service_principal(application, domain):
    """The SPN the canary asks a ticket for: the application's own first SPN, else host/<its DNS host name>."""
    for spn in application.get('spns') or []:
        if PLAIN_WORD.match(spn):
            return spn
    return 'host/%s' % (application.get('dns_hostname') or default_dns_hostname(application['name'], domain))


def command(domain, spn):
    """What cmd /v:on /c runs in the container: each check, then a marker line with its name, exit code (!errorlevel!
    is read when the echo runs, so it is the check's) and what it asked for."""
    if not PLAIN_WORD.match(domain) or not PLAIN_WORD.match(spn):
        raise ValueError('%r or %r is not a plain DNS name or SPN' % (domain, spn))
    checks = (('nltest /sc_verify:%s' % domain, domain), ('klist get krbtgt', 'krbtgt'), ('klist get %s' % spn, spn))
    return ' & '.join('%s & echo ::%s !errorlevel! %s' % (check, name, target) for (check, target), name in zip(checks, CHECKS))


def canary_test(application, file_name, domain):
    """One container of the canary: the application, its spec file, a host name prefix and the command."""
    return {'application': application['name'], 'file_name': file_name,
            'hostname_prefix': hostname_prefix(application['name']),
            'command': command(domain, service_principal(application, domain))}
