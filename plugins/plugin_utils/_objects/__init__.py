# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The objects layer: the engine (``_engine``), and each kind of object as a table of its properties (group,
user, gMSA, KDS root key), over the directory layer. See docs/architecture.md."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import (
    ABSENT,
    Outcome,
    Task,
    ensure,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import ACCOUNT_ATTRIBUTES, GMSA_TYPE
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._group import GROUP, GROUP_ATTRIBUTES
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._host_accounts import COMPUTER_ATTRIBUTES
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._kds_root_key import KDS_ROOT_KEY
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._user import USER, USER_ATTRIBUTES
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import SEARCHED_ATTRIBUTES

# What every find of a group, user, gMSA, host account or principal reads, so that one search read ahead answers them all.
READ_AHEAD_ATTRIBUTES = sorted(set(ACCOUNT_ATTRIBUTES) | set(GROUP_ATTRIBUTES) | set(USER_ATTRIBUTES)
                               | set(COMPUTER_ATTRIBUTES) | set(SEARCHED_ATTRIBUTES))

__all__ = ['ABSENT', 'GMSA_TYPE', 'GROUP', 'KDS_ROOT_KEY', 'Outcome', 'READ_AHEAD_ATTRIBUTES', 'Task', 'USER',
           'ensure']
