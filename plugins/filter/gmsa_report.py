# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters that render wincontainers.gmsa.report's result; the rendering is in plugin_utils/_report."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report import html_page, markdown


def _rendered(render, name):
    def rendered(report):
        if not isinstance(report, dict) or 'service_accounts' not in report:
            raise AnsibleFilterError('%s: give the report key of wincontainers.gmsa.report\'s result' % name)
        return render(report)
    return rendered


class FilterModule:
    def filters(self):
        return {
            'gmsa_report_html': _rendered(html_page, 'gmsa_report_html'),
            'gmsa_report_markdown': _rendered(markdown, 'gmsa_report_markdown'),
        }
