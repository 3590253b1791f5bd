# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Whether the forest's schema knows gMSAs, and the functional levels, for the record.

gMSAs need the Windows Server 2012 schema (objectVersion 56) and its msDS-GroupManagedServiceAccount
class. No domain or forest functional level is required: only DCs of Windows Server 2012 or later (or
Samba 4.21 and later) hand out the passwords."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._doctor._findings import failed, ok
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import gmsa_schema_present

GMSA_SCHEMA_VERSION = 56

SCHEMA_VERSIONS = {13: 'Windows 2000', 30: 'Windows Server 2003', 31: 'Windows Server 2003 R2',
                   44: 'Windows Server 2008', 47: 'Windows Server 2008 R2', 56: 'Windows Server 2012',
                   69: 'Windows Server 2012 R2', 87: 'Windows Server 2016', 88: 'Windows Server 2019/2022',
                   91: 'Windows Server 2025'}
FUNCTIONAL_LEVELS = {0: 'Windows 2000', 1: 'Windows Server 2003 interim', 2: 'Windows Server 2003',
                     3: 'Windows Server 2008', 4: 'Windows Server 2008 R2', 5: 'Windows Server 2012',
                     6: 'Windows Server 2012 R2', 7: 'Windows Server 2016', 10: 'Windows Server 2025'}


@dataclass(frozen=True)
class SchemaFacts:
    schema_version: Optional[int]
    gmsa_class: bool
    domain_level: Optional[int]
    forest_level: Optional[int]


def read_schema_facts(directory):
    schema = directory.read(directory.facts.schema_dn, ['objectVersion'])
    root = directory.read('', ['domainFunctionality', 'forestFunctionality'])
    return SchemaFacts(schema_version=schema.integer('objectVersion') if schema else None,
                       gmsa_class=gmsa_schema_present(directory),
                       domain_level=root.integer('domainFunctionality') if root else None,
                       forest_level=root.integer('forestFunctionality') if root else None)


def _named(level, names):
    if level is None:
        return 'unknown'
    return '%d (%s)' % (level, names.get(level, 'newer than Windows Server 2025' if level > 10 else 'unknown'))


def schema_check(facts):
    name = 'schema'
    finding = 'schema version %s, domain functional level %s, forest functional level %s' % (
        _named(facts.schema_version, SCHEMA_VERSIONS), _named(facts.domain_level, FUNCTIONAL_LEVELS),
        _named(facts.forest_level, FUNCTIONAL_LEVELS))
    fix = ('extend the forest\'s schema to Windows Server 2012 or later: adprep /forestprep from Windows Server 2012 '
           'or later media, run by a Schema Admin on the schema master (no functional level needs raising)')
    if not facts.gmsa_class:
        return failed(name, finding + '; the schema has no msDS-GroupManagedServiceAccount class', fix)
    if facts.schema_version is not None and facts.schema_version < GMSA_SCHEMA_VERSION:
        return failed(name, finding + '; gMSAs need schema version %d or later' % GMSA_SCHEMA_VERSION, fix)
    return ok(name, finding + '; the schema has the msDS-GroupManagedServiceAccount class')
