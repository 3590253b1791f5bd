# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""One check's result: what was found and what to change, and whether the doctor's task fails on it."""

from __future__ import annotations

from dataclasses import dataclass

OK = 'ok'
WARNING = 'warning'
FAILED = 'failed'
SKIPPED = 'skipped'
STATUSES = (OK, WARNING, FAILED, SKIPPED)

# fail_on: the statuses that make the task fail.
FAILING_STATUSES = {'failed': (FAILED,), 'warning': (FAILED, WARNING), 'never': ()}


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    finding: str
    fix: str = ''

    def as_dict(self):
        return {'name': self.name, 'status': self.status, 'finding': self.finding, 'fix': self.fix}


def ok(name, finding):
    return Check(name, OK, finding)


def warning(name, finding, fix):
    return Check(name, WARNING, finding, fix)


def failed(name, finding, fix):
    return Check(name, FAILED, finding, fix)


def skipped(name, finding, fix=''):
    return Check(name, SKIPPED, finding, fix)


def failing(checks, fail_on):
    """The checks that make the task fail with ``fail_on``."""
    return [check for check in checks if check.status in FAILING_STATUSES[fail_on]]


def failure_line(failing_checks):
    """The task's one line when checks make it fail: how many, and each one's name."""
    return '%d check%s need%s attention: %s; each check\'s fix says what to change' % (
        len(failing_checks), '' if len(failing_checks) == 1 else 's', 's' if len(failing_checks) == 1 else '',
        ', '.join('%s (%s)' % (check.name, check.status) for check in failing_checks))
