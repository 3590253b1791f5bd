# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The fleet report: what is read from the directory (``_collect``, the only part that reads), who reads each
password and by which path (``_readers``), the report as data (``_build``) and as Markdown and HTML
(``_render``). See docs/report.md."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._build import build_report
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._render import html_page, markdown

__all__ = ['build_report', 'html_page', 'markdown']
