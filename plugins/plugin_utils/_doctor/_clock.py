# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The controller's clock against a domain controller's (its rootDSE currentTime)."""

from __future__ import annotations

from datetime import timedelta

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok, skipped, warning
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import generalized_time_to_datetime, iso

# Kerberos refuses tickets beyond 5 minutes of skew (the default of Windows and MIT); a minute already
# means a clock that does not follow the domain's time source.
KERBEROS_MAX_SKEW = timedelta(minutes=5)
WARN_SKEW = timedelta(minutes=1)


def dc_time(directory):
    """The domain controller's own time, or None when its rootDSE does not say."""
    root = directory.read('', ['currentTime'])
    return generalized_time_to_datetime(root.text('currentTime')) if root else None


def clock_check(dc, dc_now, controller_now):
    """The finding for the difference between the two clocks, read at about the same moment."""
    name = 'clock (%s)' % dc
    if dc_now is None:
        return skipped(name, '%s did not give its time (rootDSE currentTime)' % dc)
    skew = controller_now - dc_now
    size = abs(skew)
    finding = ('the controller\'s clock is %.0f s %s %s\'s (%s on the DC)'
               % (size.total_seconds(), 'ahead of' if skew > timedelta(0) else 'behind', dc, iso(dc_now)))
    fix = ('let the controller and the container hosts follow the domain\'s time (w32tm /resync on Windows, '
           'chrony or systemd-timesyncd pointed at %s on Linux); the forest root PDC emulator should follow a '
           'reliable source' % dc)
    if size > KERBEROS_MAX_SKEW:
        return failed(name, finding + ': beyond Kerberos\' 5 minutes, so tickets are refused', fix)
    if size > WARN_SKEW:
        return warning(name, finding + ': within Kerberos\' 5 minutes, but drifting', fix)
    return ok(name, finding)
