# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Multi-valued options given as {add, remove, set}, as microsoft.ad does it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple


def value_list_spec(elements='str'):
    """Argument spec of an option with add / remove / set sub-options."""
    return dict(
        type='dict',
        options=dict(
            add=dict(type='list', elements=elements),
            remove=dict(type='list', elements=elements),
            set=dict(type='list', elements=elements),
        ),
        mutually_exclusive=[('set', 'add'), ('set', 'remove')],
    )


@dataclass(frozen=True)
class ValueChange:
    """What to add and remove so that ``current`` becomes ``after`` (values compared by ``key``)."""
    to_add: Tuple
    to_remove: Tuple
    after: Tuple

    @property
    def changed(self):
        return bool(self.to_add or self.to_remove)


def plan_values(current, option, key=lambda value: value):
    """The change an {add, remove, set} option asks for, given the values there now.

    ``option`` may be None (leave the values alone). A value asked both to be
    added and removed is an input error the caller reports.
    """
    current = list(current)
    if not option or all(option.get(name) is None for name in ('add', 'remove', 'set')):
        return ValueChange((), (), tuple(current))
    present = {key(value): value for value in current}
    if option.get('set') is not None:
        wanted = _unique(option['set'], key)
        wanted_keys = {key(value) for value in wanted}
        to_add = tuple(value for value in wanted if key(value) not in present)
        to_remove = tuple(value for value in current if key(value) not in wanted_keys)
    else:
        removing = {key(value) for value in option.get('remove') or []}
        to_add = tuple(value for value in _unique(option.get('add') or [], key)
                       if key(value) not in present and key(value) not in removing)
        to_remove = tuple(value for value in current if key(value) in removing)
    removed_keys = {key(value) for value in to_remove}
    after = tuple(value for value in current if key(value) not in removed_keys) + to_add
    return ValueChange(to_add, to_remove, after)


def conflicting_values(option, key=lambda value: value):
    """Values listed in both add and remove."""
    if not option:
        return []
    removing = {key(value) for value in option.get('remove') or []}
    return [value for value in option.get('add') or [] if key(value) in removing]


def _unique(values, key):
    seen, unique = set(), []
    for value in values:
        if key(value) not in seen:
            seen.add(key(value))
            unique.append(value)
    return unique
