# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._action import ADActionBase
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks import REPORT_OPTIONS, report


class ActionModule(ADActionBase):
    OPTIONS = REPORT_OPTIONS

    def run_ad(self, directory, params):
        # Only reads: check mode is the same run.
        return report(directory, params, self.mode)
