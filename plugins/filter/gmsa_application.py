# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters of the application inventory; their logic is in plugin_utils/_inventory."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._inventory import (
    container_host_account,
    gmsa_application,
    gmsa_applications,
    gmsa_credential_specs,
    gmsa_role_bindings,
    gmsa_verify_table,
    spec_file_name,
)

__all__ = ['container_host_account', 'gmsa_application', 'gmsa_applications', 'gmsa_credential_specs',
           'gmsa_role_bindings', 'gmsa_verify_table']


class FilterModule:
    def filters(self):
        return {
            'credential_spec_file_name': spec_file_name,
            'gmsa_application': gmsa_application,
            'gmsa_applications': gmsa_applications,
            'gmsa_credential_specs': gmsa_credential_specs,
            'gmsa_role_bindings': gmsa_role_bindings,
            'gmsa_verify_table': gmsa_verify_table,
        }
