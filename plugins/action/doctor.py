# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._action import ADActionBase
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks import DOCTOR_OPTIONS, doctor, doctor_unbound


class ActionModule(ADActionBase):
    OPTIONS = DOCTOR_OPTIONS

    def run_ad(self, directory, params):
        # Only reads: check mode runs the same checks.
        return doctor(directory, params, self.mode)

    def run_unbound(self, settings, params, error):
        # A failed bind is a finding too, beside the DNS records that may be its cause.
        return doctor_unbound(settings, params, error, self.mode)
