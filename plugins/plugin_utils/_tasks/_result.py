# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""A module's result from what the engine did: changed, what the module returns, the diff in diff mode, and
the warnings."""

from __future__ import annotations


def object_result(outcome, mode, returned):
    result = dict(changed=outcome.changed, **returned)
    if outcome.warnings:
        result['warnings'] = list(outcome.warnings)
    if mode.diff:
        result['diff'] = {'before': outcome.before, 'after': outcome.after}
    return result


def present(outcome):
    """Whether the object is there after the task (or would be, in check mode)."""
    return outcome.after.get('state') == 'present'
