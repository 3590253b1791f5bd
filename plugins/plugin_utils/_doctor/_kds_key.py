# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Whether a domain controller has a KDS root key it derives gMSA passwords from now.

Each DC is asked on its own: a key made on one reaches the others by replication, and a DC the
key has not reached yet cannot hand out passwords."""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok, warning
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import key_in_use, read_every_root_key
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import iso


def read_keys(directory):
    """The keys ``directory``'s DC holds, or the line saying why the bind account cannot tell."""
    try:
        return read_every_root_key(directory), None
    except ADError as exc:
        return None, str(exc)


def kds_check(dc, keys, unreadable, now):
    """The finding for the keys one DC holds at ``now`` (the DC's own time, which it decides by)."""
    name = 'kds_root_key (%s)' % dc
    if unreadable:
        return warning(name, 'cannot tell whether %s has a usable KDS root key: %s' % (dc, unreadable),
                       'run the doctor bound as a Domain Admin or Enterprise Admin, or grant the bind account read '
                       'access to the Master Root Keys container')
    if not keys:
        return failed(name, '%s holds no KDS root key, so it cannot compute any gMSA password' % dc,
                      'create one with wincontainers.gmsa.kds_root_key (or Add-KdsRootKey); if another DC already '
                      'has one, check replication to %s (repadmin /showrepl, samba-tool drs showrepl)' % dc)
    in_use = key_in_use(keys, now)
    if in_use.usable_from is None:
        return warning(name, '%s holds %d KDS root key(s) whose times the bind account may not read' % (dc, len(keys)),
                       'run the doctor bound as a Domain Admin or Enterprise Admin to see when they become usable')
    if not in_use.usable_at(now):
        return failed(name, 'the KDS root key %s becomes usable on %s only at %s (10 hours after its effective time, '
                            'so that it reaches every DC first)' % (in_use.key_id, dc, iso(in_use.usable_from)),
                      'wait until then; in a lab with a single DC, make the key with wincontainers.gmsa.kds_root_key '
                      'lab_backdate=true instead')
    finding = 'the KDS root key %s is usable on %s since %s' % (in_use.key_id, dc, iso(in_use.usable_from))
    if len(keys) > 1:
        return warning(name, '%s; %s holds %d keys' % (finding, dc, len(keys)),
                       'keep one KDS root key per forest: with several, hosts and DCs may derive passwords from '
                       'different keys after a rollover')
    return ok(name, finding)
