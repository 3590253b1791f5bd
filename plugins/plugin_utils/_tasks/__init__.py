# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of each module, one function per module: its options, the object found, the plan,
check and diff mode, the write and the result. An action checks the options, calls its function and returns
what it gives; the application module's function runs the others as its steps. See docs/architecture.md.
"""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._application import (
    APPLICATION_OPTIONS,
    ensure_application,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._credential_spec import (
    CREDENTIAL_SPEC_OPTIONS,
    ensure_credential_spec,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._doctor import (
    DOCTOR_OPTIONS,
    doctor,
    doctor_unbound,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._domain_info import (
    DOMAIN_INFO_OPTIONS,
    domain_info,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._group import GROUP_OPTIONS, ensure_group
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._kds_root_key import (
    KDS_ROOT_KEY_OPTIONS,
    ensure_kds_root_key,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import (
    Mode,
    Options,
    given,
    validation_line,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._report import REPORT_OPTIONS, report
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._service_account import (
    SERVICE_ACCOUNT_OPTIONS,
    ensure_service_account,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._user import USER_OPTIONS, ensure_user
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._verify import VERIFY_OPTIONS, verify_account

__all__ = [
    'APPLICATION_OPTIONS', 'CREDENTIAL_SPEC_OPTIONS', 'DOCTOR_OPTIONS', 'DOMAIN_INFO_OPTIONS', 'GROUP_OPTIONS',
    'KDS_ROOT_KEY_OPTIONS', 'Mode', 'Options', 'REPORT_OPTIONS', 'SERVICE_ACCOUNT_OPTIONS', 'USER_OPTIONS',
    'VERIFY_OPTIONS', 'doctor', 'doctor_unbound', 'domain_info', 'ensure_application', 'ensure_credential_spec',
    'ensure_group', 'ensure_kds_root_key', 'ensure_service_account', 'ensure_user', 'given', 'report', 'validation_line',
    'verify_account',
]
