# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""KDS root keys: the forest-wide secret every gMSA password is derived from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._directory import FILETIME_EPOCH, filetime_to_datetime, iso

ROOT_KEY_ATTRIBUTES = ['cn', 'msKds-CreateTime', 'msKds-UseStartTime']


def master_root_keys_dn(facts):
    return 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,' + facts.configuration_dn


@dataclass(frozen=True)
class RootKey:
    key_id: str
    dn: str
    created: datetime
    usable_from: datetime

    def usable_at(self, moment):
        """True or False; None when the bind account may not read the key's times."""
        return None if self.usable_from is None else self.usable_from <= moment

    def as_dict(self, now):
        return {'id': self.key_id, 'dn': self.dn,
                'created': iso(self.created) if self.created else None,
                'usable_from': iso(self.usable_from) if self.usable_from else None,
                'usable_now': self.usable_at(now)}


def read_root_keys(directory):
    """The forest's KDS root keys, oldest first. Their times are confidential: reading them needs admin rights."""
    entries = directory.search(master_root_keys_dn(directory.facts), '(objectClass=msKds-ProvRootKey)',
                               ROOT_KEY_ATTRIBUTES, scope='one')
    keys = [_root_key(entry) for entry in entries]
    return sorted(keys, key=lambda key: key.created or FILETIME_EPOCH)


def _root_key(entry):
    create_time = entry.integer('msKds-CreateTime')
    use_start_time = entry.integer('msKds-UseStartTime')
    return RootKey(
        key_id=entry.text('cn'),
        dn=entry.dn,
        created=filetime_to_datetime(create_time) if create_time is not None else None,
        usable_from=filetime_to_datetime(use_start_time) if use_start_time is not None else None,
    )


def utc_now():
    return datetime.now(timezone.utc)
