# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the doctor module: every check of plugin_utils/_doctor against the domain, each with
what to change. It only reads (its test binds write nothing either): check mode runs the same checks."""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor import (
    FAILING_STATUSES,
    STATUSES,
    bind_checks,
    certificate_check,
    clock_check,
    credential_spec_check,
    dc_time,
    failed,
    failing,
    failure_line,
    kds_check,
    name_servers,
    parsed_specs,
    read_keys,
    read_schema_facts,
    schema_check,
    skipped,
    srv_checks,
    validity_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import utc_now
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Directory
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options

DOCTOR_OPTIONS = Options(dict(
    domain_controllers=dict(type='list', elements='str'),
    dns_server=dict(type='list', elements='str'),
    credential_specs=dict(type='list', elements='raw', default=[]),
    fail_on=dict(type='str', choices=list(FAILING_STATUSES), default='failed'),
))

# A DNS server that does not answer is waited for this long at most: the doctor asks several.
DNS_TIMEOUT = 5


def doctor(directory, params, mode):  # pylint: disable=unused-argument
    """The module's result: every check, the count of each status, failed with one line when fail_on says so."""
    specs, servers, controllers = checked_input(params)
    checks = srv_checks(servers, directory.facts.dns_name, dns_timeout(directory.settings))
    for dc in controllers or [None]:
        checks.extend(domain_controller_checks(directory, dc))
    checks.append(schema_check(read_schema_facts(directory)))
    checks.extend(bind_checks(directory))
    checks.extend(credential_spec_checks(specs, directory.facts))
    return result_of(checks, params['fail_on'])


def doctor_unbound(settings, params, error, mode):  # pylint: disable=unused-argument
    """The result when no domain controller could be bound to: that failure as a check, after the DNS checks of
    the domain named in domain_name (the usual cause when the controllers are found through DNS)."""
    _specs, servers, _controllers = checked_input(params)
    if settings.domain_name:
        checks = srv_checks(servers, settings.domain_name, dns_timeout(settings))
    else:
        checks = [skipped('dns_srv', 'without a bind the domain is known only from domain_name, which was not given',
                          'give domain_name (GMSA_AD_DOMAIN) to check its SRV records')]
    checks.append(failed('bind', 'no domain controller could be bound to, so the other checks did not run: %s' % error,
                         'change what the finding names; the checks of the domain controllers run once a bind '
                         'succeeds'))
    return result_of(checks, params['fail_on'])


def checked_input(params):
    """(credential spec documents, DNS servers, domain controllers) from the options: bad input fails here,
    before anything is asked."""
    return (parsed_specs(params['credential_specs']), name_servers(params['dns_server']),
            domain_controllers(params['domain_controllers']))


def dns_timeout(settings):
    return min(DNS_TIMEOUT, settings.connect_timeout)


def result_of(checks, fail_on):
    result = {'changed': False, 'checks': [check.as_dict() for check in checks],
              'counts': {status: sum(check.status == status for check in checks) for status in STATUSES}}
    failing_checks = failing(checks, fail_on)
    if failing_checks:
        result.update(failed=True, msg=failure_line(failing_checks))
    return result


def domain_controllers(given):
    """The DCs named in domain_controllers, stripped; an empty name is refused."""
    names = [str(name).strip() for name in given or []]
    for index, name in enumerate(names):
        if not name:
            raise ADInputError('give a domain controller\'s DNS name (or an address its certificate names)',
                               'domain_controllers[%d]' % index)
    return names


def domain_controller_checks(directory, dc):
    """The checks of one DC (None: the one ``directory`` is bound to): its clock, its certificate, its KDS keys."""
    if dc is None:
        return checks_of(directory)
    try:
        own = Directory.connect(replace(directory.settings, servers=(dc,), tls_server_name=None))
    except ADError as exc:
        return [failed('domain_controller (%s)' % dc, 'could not bind to %s: %s' % (dc, exc),
                       'make %s reachable on port %d with a certificate for that name, or leave it out of '
                       'domain_controllers' % (dc, directory.settings.port))]
    try:
        return checks_of(own)
    finally:
        own.close()


def checks_of(directory):
    """The clock, certificate and KDS root key checks of the DC ``directory`` is bound to."""
    dc = directory.candidate.name
    dc_now = dc_time(directory)
    checks = [clock_check(dc, dc_now, utc_now())]
    certificate = directory.peer_certificate()
    checks.append(certificate_check(dc, validity_of(certificate) if certificate else None, utc_now()))
    keys, unreadable = read_keys(directory)
    # A DC decides by its own clock whether a key is usable yet.
    checks.append(kds_check(dc, keys, unreadable, dc_now or utc_now()))
    return checks


def credential_spec_checks(specs, facts):
    if not specs:
        return [skipped('credential_specs', 'no credential_specs given',
                        'give the credential spec documents the hosts use to compare them with the domain')]
    return [credential_spec_check(index, document, facts) for index, document in enumerate(specs)]
