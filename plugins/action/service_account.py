# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._action import ADActionBase
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
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
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import value_list_spec


class ActionModule(ADActionBase):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        dns_hostname=dict(type='str'),
        spns=value_list_spec(),
        allowed_to_retrieve_password=value_list_spec(),
        kerberos_encryption_types=dict(type='list', elements='str', choices=sorted(ENCRYPTION_TYPES)),
        managed_password_interval=dict(type='int'),
        path=dict(type='str'),
        description=dict(type='str'),
        enabled=dict(type='bool', default=True),
    )

    def run_ad(self, directory, params):
        name = validate_name(params['name'])
        if params['state'] == 'absent':
            return self._ensure_absent(directory, name)
        check_present_options(params)

        current = find_service_account(directory, name)
        plan = plan_service_account(directory, name, current, params)
        # The account's own DN counts as its own even before it exists: a run at the same time may create it first.
        spn_search = find_spn_holders(directory, plan.spns_to_add, current.dn if current else plan.dn)
        if spn_search.holders:
            raise ADInputError('spns: %s; a service principal name may belong to one account in the forest only'
                               % '; '.join('%s is already held by %s' % item for item in spn_search.holders.items()))

        written = None
        if plan.changed and not self.check_mode:
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
        if self.diff_mode:
            after = plan.view()
            if written is not None:
                after['spns'] = sorted(written.spns, key=str.lower)
            result['diff'] = {'before': plan.view_before(), 'after': after}
        result.update(self._returned(plan, written))
        return result

    def _ensure_absent(self, directory, name):
        current = find_service_account(directory, name)
        result = {'changed': current is not None, 'dn': current.dn if current else None}
        if current is not None:
            if self.diff_mode:
                result['diff'] = {'before': current_view(directory, current)[1], 'after': {'state': 'absent'}}
            if not self.check_mode:
                delete_service_account(directory, current)
        elif self.diff_mode:
            result['diff'] = {'before': {'state': 'absent'}, 'after': {'state': 'absent'}}
        return result

    @staticmethod
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
