# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The doctor's checks, one file each: what a domain needs before a container host can get its gMSA,
seen from the controller. Each check is a pure decision (what was read in, a Check out) beside the
reading it needs; the doctor task (_tasks/_doctor.py) runs them in order."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._binds import bind_checks
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._certificate import (
    certificate_check,
    validity_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._clock import clock_check, dc_time
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._credential_specs import (
    credential_spec_check,
    parsed_specs,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._dns import name_servers, srv_checks
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import (
    FAILING_STATUSES,
    STATUSES,
    Check,
    failed,
    failing,
    failure_line,
    skipped,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._kds_key import kds_check, read_keys
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._schema import read_schema_facts, schema_check

__all__ = [
    'Check', 'FAILING_STATUSES', 'STATUSES', 'bind_checks', 'certificate_check', 'clock_check', 'credential_spec_check',
    'dc_time', 'failed', 'failing', 'failure_line', 'kds_check', 'name_servers', 'parsed_specs', 'read_keys',
    'read_schema_facts', 'schema_check', 'skipped', 'srv_checks', 'validity_of',
]
