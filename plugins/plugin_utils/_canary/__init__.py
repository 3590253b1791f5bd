# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The canary of the container hosts: what it runs on a host (_plan, used by the container_host_plan filter), and
what Windows answered, turned into findings with their cause and fix (_findings, behind the canary_findings filter).
Pure: no connection, no Ansible; what is read comes in, decisions go out."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary._findings import canary_report
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary._plan import (
    ISOLATIONS,
    canary_test,
    container_image,
    host_build,
)

__all__ = ['ISOLATIONS', 'canary_report', 'canary_test', 'container_image', 'host_build']
