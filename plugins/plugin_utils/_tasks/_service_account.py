# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the service_account module: find the gMSA, plan, check its SPNs against the forest, and apply
the plan unless in check mode."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ad_objects import GMSA
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._identity import find_identity
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._service_accounts import (
    ENCRYPTION_TYPES,
    CreatedMeanwhile,
    apply_plan,
    check_present_options,
    current_view,
    delete_service_account,
    encryption_type_names,
    find_service_account,
    find_spn_holders,
    plan_service_account,
    read_service_account,
    validate_name,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import value_list_spec

SERVICE_ACCOUNT_OPTIONS = Options(dict(
    name=dict(type='str'),
    identity=dict(type='str'),  # microsoft.ad's way to find an existing object
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    dns_hostname=dict(type='str'),
    spns=dict(value_list_spec(), aliases=['spn']),  # spn: microsoft.ad's name for it
    allowed_to_retrieve_password=value_list_spec(),
    kerberos_encryption_types=dict(type='list', elements='str', choices=sorted(ENCRYPTION_TYPES)),
    managed_password_interval=dict(type='int'),
    path=dict(type='str'),
    description=dict(type='str'),
    enabled=dict(type='bool', default=True),
), required_one_of=[['name', 'identity']])


def ensure_service_account(directory, params, mode):
    """The gMSA as ``params`` want it: the module's result."""
    name = _identified_name(directory, params)
    if name is None:
        if params['state'] == 'absent':
            return _ensure_absent(directory, None, mode)
        raise ADInputError('no gMSA has this identity; give name to create one', 'identity')
    name = validate_name(name)
    if params['state'] == 'absent':
        return _ensure_absent(directory, name, mode)
    check_present_options(params)

    current = find_service_account(directory, name)
    plan = plan_service_account(directory, name, current, params)
    # The account's own DN counts as its own even before it exists: a run at the same time may create it first.
    spn_search = find_spn_holders(directory, plan.spns_to_add, current.dn if current else plan.dn)
    if spn_search.holders:
        raise ADInputError('%s; a service principal name may belong to one account in the forest only'
                           % '; '.join('%s is already held by %s' % item for item in spn_search.holders.items()),
                           'spns')

    written = None
    if plan.changed and not mode.check:
        try:
            dn = apply_plan(directory, plan)
        except CreatedMeanwhile:
            # Another run created the account after our read: plan again against it and write only what is left.
            plan = plan_service_account(directory, name, find_service_account(directory, name), params)
            dn = apply_plan(directory, plan) if plan.changed else plan.dn
        # Read back: the DC fills in the SID and GUID, and rewrites host SPNs when dNSHostName changes.
        written = read_service_account(directory, dn)
    result = {'changed': plan.changed}
    if spn_search.warning:
        result['warnings'] = [spn_search.warning]
    if mode.diff:
        after = plan.view()
        if written is not None:
            after['spns'] = sorted(written.spns, key=str.lower)
        result['diff'] = {'before': plan.view_before(), 'after': after}
    result.update(_returned(plan, written))
    return result


def _identified_name(directory, params):
    """The gMSA's name as given, or from the gMSA ``identity`` names (None when only an identity is given and no
    gMSA has it)."""
    if not params.get('identity'):
        return params['name']
    found = find_identity(directory, params['identity'], GMSA)
    if found is None:
        return params['name']
    found_name = found.sam_account_name[:-1] if found.sam_account_name.endswith('$') else found.sam_account_name
    if params['name'] and params['name'].rstrip('$').lower() != found_name.lower():
        raise ADInputError('names the gMSA %s, whose name is %s, not %r; renaming is not supported'
                           % (found.dn, found_name, params['name']), 'identity')
    return found_name


def _ensure_absent(directory, name, mode):
    current = find_service_account(directory, name) if name is not None else None
    result = {'changed': current is not None, 'dn': current.dn if current else None}
    if current is not None:
        if mode.diff:
            result['diff'] = {'before': current_view(directory, current)[1], 'after': {'state': 'absent'}}
        if not mode.check:
            delete_service_account(directory, current)
    elif mode.diff:
        result['diff'] = {'before': {'state': 'absent'}, 'after': {'state': 'absent'}}
    return result


def _returned(plan, written):
    """The account after the task: as read back when written, else as planned (check mode, no change)."""
    known = written or plan.current
    return {
        'dn': written.dn if written else plan.dn,
        'sid': known.sid if known else None,
        'guid': known.guid if known else None,
        'sam_account_name': known.sam_account_name if known else plan.name + '$',
        'dns_hostname': plan.dns_hostname,
        'spns': list(written.spns if written else plan.spns),
        'allowed_to_retrieve_password': [dict(principal) for principal in plan.allowed],
        'kerberos_encryption_types': encryption_type_names(plan.encryption_types),
        'managed_password_interval': plan.password_interval,
        'enabled': plan.enabled,
    }
