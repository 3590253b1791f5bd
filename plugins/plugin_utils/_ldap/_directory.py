# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""A bound domain controller connection with the few operations the modules need: search, read, add,
modify, move, delete, and the change builders a modify takes, so that no caller sees ldap3.

Values are read raw and decoded here, so no schema download is needed: the
connection costs one TLS handshake and one bind, then a handful of searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._codecs import (
    dn_to_dns_name,
    guid_to_string,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._connect import connect
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._dn import common_name, dn_key
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import (
    DirectoryError,
    describe_exception,
    describe_result,
    lost_connection_errors,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._tls import peer_certificate

PAGE_SIZE = 500

# The parts of nTSecurityDescriptor a search returns or a modify replaces (LDAP_SERVER_SD_FLAGS_OID, MS-ADTS
# 3.1.1.3.4.1.11). Without the control AD sends the descriptor only to those who may read its SACL too; the owner
# alone is what finding an object needs, and all that taking ownership writes.
SECURITY_DESCRIPTOR = 'nTSecurityDescriptor'
OWNER_SECURITY_INFORMATION = 0x1

ROOT_DSE_ATTRIBUTES = [
    'defaultNamingContext', 'configurationNamingContext', 'schemaNamingContext',
    'rootDomainNamingContext', 'dnsHostName', 'serverName', 'highestCommittedUSN',
]


# ------------------------------------------------------------ filter and DN values
def escape_filter_value(value):
    """``value`` (text) for an LDAP filter: ``*``, ``(``, ``)``, ``\\`` and NUL escaped (RFC 4515)."""
    from ldap3.utils.conv import escape_filter_chars

    return escape_filter_chars(value)


def escape_filter_bytes(value):
    """``value`` (bytes: a SID, a GUID) for an LDAP filter, every byte escaped."""
    from ldap3.utils.conv import escape_bytes

    return escape_bytes(value)


# ------------------------------------------------------------ changes
@dataclass(frozen=True)
class Change:
    """One step of a modify for one attribute: ``add`` or ``delete`` these values, or ``replace`` them all."""
    operation: str
    values: Tuple = ()


def replace_values(values):
    """The attribute's values become ``values`` (none: the attribute is cleared)."""
    return [Change('replace', tuple(values))]


def add_values(values):
    """Add single values: what others hold stays, and a value already there fails the modify."""
    return [Change('add', tuple(values))] if values else []


def delete_values(values):
    """Delete single values: a value no longer there fails the modify, so a concurrent change is not lost."""
    return [Change('delete', tuple(values))] if values else []


def clear():
    """Delete every value of the attribute."""
    return [Change('delete', ())]


def _security_descriptor_controls(attributes):
    """The control that limits nTSecurityDescriptor to its owner, when a search or modify names it."""
    if not any(name.lower() == SECURITY_DESCRIPTOR.lower() for name in attributes):
        return None
    from ldap3.protocol.microsoft import security_descriptor_control

    return security_descriptor_control(sdflags=OWNER_SECURITY_INFORMATION)


def _ldap3_changes(changes):
    import ldap3

    operations = {'add': ldap3.MODIFY_ADD, 'delete': ldap3.MODIFY_DELETE, 'replace': ldap3.MODIFY_REPLACE}
    return {attribute: [(operations[step.operation], list(step.values)) for step in steps]
            for attribute, steps in changes.items() if steps}


# ----------------------------------------------------------------- entries
class Entry:
    """One search result, attributes as raw bytes, looked up case-insensitively."""

    def __init__(self, dn, raw_attributes):
        self.dn = dn
        self._values = {name.lower(): list(values) for name, values in raw_attributes.items()}

    def values(self, name):
        return self._values.get(name.lower(), [])

    def names(self):
        """The attribute names sent, lower case (ranged ones as the DC wrote them: member;range=0-1499)."""
        return list(self._values)

    def raw(self, name):
        values = self.values(name)
        return bytes(values[0]) if values else None

    def text(self, name):
        value = self.raw(name)
        return value.decode('utf-8') if value is not None else None

    def texts(self, name):
        return [bytes(value).decode('utf-8') for value in self.values(name)]

    def integer(self, name):
        value = self.text(name)
        return int(value) if value is not None else None


@dataclass(frozen=True)
class DomainFacts:
    dn: str
    dns_name: str
    netbios_name: str
    forest_dns_name: str
    sid: str
    guid: str
    configuration_dn: str
    schema_dn: str
    root_domain_dn: str
    domain_controller: str
    domain_controller_dn: str

    def as_dict(self):
        return {
            'dn': self.dn, 'dns_name': self.dns_name, 'netbios_name': self.netbios_name,
            'forest_dns_name': self.forest_dns_name, 'sid': self.sid, 'guid': self.guid,
            'configuration_dn': self.configuration_dn, 'schema_dn': self.schema_dn,
            'domain_controller': self.domain_controller,
        }


class AccountsRead:
    """What searches by sAMAccountName (and common name) found while one task runs: for each name searched, the
    attributes asked for and the entries found (none: the name is free).

    The parts of one application ask about the same accounts: its group is also its gMSA's password reader, its
    gMSA also its credential spec's account; a task of many applications reads them all ahead with a few
    searches. They are answered from here instead of searching again. A write may change what was read, so it
    forgets what it touched: the object written and the names it takes. Nothing read here outlives the task
    that read it."""

    def __init__(self):
        self._by_key = {}      # ('sam' | 'cn', lower-case name) -> (attributes asked, [entries])
        self._keys_of_dn = {}  # an entry's DN as the DC spells it, in lower case -> the keys it is noted under

    def note(self, names, attributes, entries, common_names=()):
        """``entries``: what one search for the sAMAccountNames ``names`` (and the common names
        ``common_names``) found, each read with ``attributes``."""
        asked = frozenset(attribute.lower() for attribute in attributes)
        found = {}
        for entry in entries:
            for key in _account_keys(entry):
                found.setdefault(key, []).append(entry)
        searched = [('sam', name.lower()) for name in names] + [('cn', name.lower()) for name in common_names]
        for key in searched:
            self._by_key[key] = (asked, found.get(key, []))
            for entry in found.get(key, []):
                self._keys_of_dn.setdefault(entry.dn.lower(), set()).add(key)

    def entries(self, name, attributes, by_common_name=False):
        """The entries with the sAMAccountName (or the common name) ``name``, read with at least ``attributes``;
        None when no search of this task asked that."""
        known = self._by_key.get(('cn' if by_common_name else 'sam', name.lower()))
        if known is None or not known[0].issuperset(attribute.lower() for attribute in attributes):
            return None
        return known[1]

    def forget_object(self, dn, names=()):
        """Forget what was read of ``dn`` and of the ``names`` it takes (a new object's sAMAccountName and common
        name): a write there changes it. Writes name an existing object by the DN read from the DC, so its own
        spelling finds it."""
        for key in self._keys_of_dn.pop(dn.lower(), ()):
            self._by_key.pop(key, None)
        for name in list(names) + [common_name(dn)]:
            self._by_key.pop(('sam', name.lower()), None)
            self._by_key.pop(('cn', name.lower()), None)

    def forget(self):
        self._by_key.clear()
        self._keys_of_dn.clear()


def _texts(values):
    """An attribute's values as an add carries them (one value or a list), as text."""
    values = values if isinstance(values, (list, tuple)) else [values] if values is not None else []
    return [value.decode('utf-8') if isinstance(value, bytes) else str(value) for value in values]


def _account_keys(entry):
    keys = [('cn', common_name(entry.dn).lower())]
    sam = entry.text('sAMAccountName')
    return keys + [('sam', sam.lower())] if sam else keys


# --------------------------------------------------------------- directory
class Directory:
    """A bound connection to one domain controller, and what it has learnt about the domain."""

    def __init__(self, connection, candidate, settings):
        self.connection = connection
        self.candidate = candidate
        self.settings = settings
        self._facts = None
        # What does not change while a task runs, read once per connection (e.g. well-known container DNs).
        self.remembered = {}
        self.accounts_read = AccountsRead()

    # searches -----------------------------------------------------------
    def search(self, base, ldap_filter, attributes, scope='subtree'):
        """Every entry below ``base`` matching ``ldap_filter`` (values must already be escaped). Of
        nTSecurityDescriptor, when asked for, only the owner is read."""
        import ldap3

        scopes = {'base': ldap3.BASE, 'one': ldap3.LEVEL, 'subtree': ldap3.SUBTREE}
        controls = _security_descriptor_controls(attributes)
        self._call('search', base, 'search', base, ldap_filter, scopes[scope],
                   attributes=attributes, controls=controls, paged_size=None if scope == 'base' else PAGE_SIZE,
                   ok_codes=('success', 'noSuchObject'))
        entries = list(self._entries())
        cookie = self._paged_cookie()
        while cookie:
            self._call('search', base, 'search', base, ldap_filter, scopes[scope],
                       attributes=attributes, controls=controls, paged_size=PAGE_SIZE, paged_cookie=cookie)
            entries.extend(self._entries())
            cookie = self._paged_cookie()
        return entries

    def read(self, dn, attributes):
        """The entry at ``dn``, or None when there is none."""
        found = self.search(dn, '(objectClass=*)', attributes, scope='base')
        return found[0] if found else None

    # writes ---------------------------------------------------------------
    def add(self, dn, object_classes, attributes):
        self.accounts_read.forget_object(dn, _texts(attributes.get('sAMAccountName')))
        self._call('creating', dn, 'add', dn, object_classes, attributes)

    def modify(self, dn, changes):
        """``changes``: {attribute: the steps of replace_values(), add_values(), delete_values() or clear()}.

        Add and delete change single values, so concurrent writers of other
        values of the same attribute keep theirs.
        """
        controls = _security_descriptor_controls(changes or {})
        changes = _ldap3_changes(changes or {})
        if changes:
            self.accounts_read.forget_object(dn)
            self._call('changing', dn, 'modify', dn, changes, controls=controls)

    def move(self, dn, relative_dn, new_parent):
        """Move ``dn`` under ``new_parent``, keeping (or renaming to) ``relative_dn``."""
        self.accounts_read.forget_object(dn)
        self._call('moving', dn, 'modify_dn', dn, relative_dn, new_superior=new_parent)

    def delete(self, dn):
        self.accounts_read.forget_object(dn)
        self._call('deleting', dn, 'delete', dn, ok_codes=('success', 'noSuchObject'))

    def bound_account(self):
        """The account this connection is bound as, as the DC names it (``DOMAIN\\name``; the LDAP "Who am I?"
        operation, RFC 4532), or None when the DC does not say."""
        if 'bound account' not in self.remembered:
            answer = self._call_extended('who am I', self.connection.extend.standard.who_am_i)
            name = (answer or '').strip()
            self.remembered['bound account'] = name[2:] if name.lower().startswith('u:') else None
        return self.remembered['bound account']

    def _call_extended(self, action, operation):
        try:
            return operation()
        except Exception as exc:  # ldap3 raises socket and protocol errors of many types
            raise ADError('%s failed: %s' % (action, describe_exception(exc, self.candidate, self.settings)))

    def root_dse(self):
        return self.read('', ROOT_DSE_ATTRIBUTES)

    def highest_committed_usn(self):
        return self.read('', ['highestCommittedUSN']).integer('highestCommittedUSN')

    def _entries(self):
        for item in self.connection.response or []:
            if item.get('type') == 'searchResEntry':
                yield Entry(item['dn'], item.get('raw_attributes') or {})

    def _paged_cookie(self):
        control = (self.connection.result.get('controls') or {}).get('1.2.840.113556.1.4.319')
        return control['value']['cookie'] if control else None

    def _call(self, action, target, operation, *args, ok_codes=('success',), **kwargs):
        where = '%s of %s' % (action, target or 'the rootDSE')
        try:
            try:
                getattr(self.connection, operation)(*args, **kwargs)
            except _LOST_CONNECTION:
                # The domain controller went away (restart, failover, idle cut-off): the
                # operation goes once more to the first controller that answers now. It
                # was not answered, so for a write the retry may meet its own earlier
                # effect (an "already exists" failure); a re-run converges then.
                self._reconnect()
                getattr(self.connection, operation)(*args, **kwargs)
        except ADError:
            raise
        except Exception as exc:  # ldap3 raises socket and protocol errors of many types
            raise ADError('%s failed: %s' % (where, describe_exception(exc, self.candidate, self.settings)))
        result = self.connection.result or {}
        if result.get('description') not in ok_codes:
            raise DirectoryError('%s failed: %s' % (where, describe_result(result, self.settings.username)), result)
        return result

    def _reconnect(self):
        try:
            self.connection.unbind()
        except Exception:  # the socket is gone already; closing it is all that is left to do
            pass
        self.connection, self.candidate = connect(self.settings)

    @classmethod
    def connect(cls, settings):
        """A Directory of its own, bound with ``settings``, which no later task item reuses: close it when done."""
        connection, candidate = connect(settings)
        return cls(connection, candidate, settings)

    def close(self):
        self.connection.unbind()

    @property
    def closed(self):
        return self.connection.closed

    def peer_certificate(self):
        """The DER certificate the domain controller presented on this connection's TLS session, or None."""
        return peer_certificate(self.connection)

    def usage(self):
        """(sockets opened, LDAP operations sent) so far on this connection."""
        usage = self.connection.usage
        return usage.open_sockets, usage.operations

    # facts --------------------------------------------------------------
    @property
    def facts(self):
        if self._facts is None:
            self._facts = self._read_facts()
        return self._facts

    def _read_facts(self):
        root = self.root_dse()
        domain_dn = root.text('defaultNamingContext')
        configuration_dn = root.text('configurationNamingContext')
        root_domain_dn = root.text('rootDomainNamingContext')
        head = self.read(domain_dn, ['objectSid', 'objectGUID'])
        cross_refs = self.search(
            'CN=Partitions,' + configuration_dn,
            '(&(objectClass=crossRef)(|(nCName=%s)(nCName=%s)))'
            % (escape_filter_value(domain_dn), escape_filter_value(root_domain_dn)),
            ['nCName', 'dnsRoot', 'nETBIOSName'], scope='one')
        by_nc = {dn_key(entry.text('nCName')): entry for entry in cross_refs}
        domain_ref = by_nc.get(dn_key(domain_dn))
        forest_ref = by_nc.get(dn_key(root_domain_dn))
        return DomainFacts(
            dn=domain_dn,
            dns_name=domain_ref.text('dnsRoot') if domain_ref else dn_to_dns_name(domain_dn),
            netbios_name=domain_ref.text('nETBIOSName') if domain_ref else '',
            forest_dns_name=forest_ref.text('dnsRoot') if forest_ref else dn_to_dns_name(root_domain_dn),
            sid=sid_to_string(head.raw('objectSid')),
            guid=guid_to_string(head.raw('objectGUID')),
            configuration_dn=configuration_dn,
            schema_dn=root.text('schemaNamingContext'),
            root_domain_dn=root_domain_dn,
            domain_controller=root.text('dnsHostName'),
            domain_controller_dn=root.text('serverName'),
        )


_LOST_CONNECTION = lost_connection_errors()


# A worker process runs every item of a loop for one host; keeping the bound
# connection here lets the items share it instead of reconnecting each time.
_OPEN_DIRECTORIES = {}


def directory_for(settings):
    """The bound Directory for ``settings``: the one an earlier item of this worker opened, or a new one."""
    key = settings.fingerprint()
    directory = _OPEN_DIRECTORIES.get(key)
    if directory is None or directory.closed:
        directory = Directory.connect(settings)
        _OPEN_DIRECTORIES[key] = directory
    return directory


def open_directories():
    """Every Directory this worker holds open (the module's own, a global catalog's)."""
    return list(_OPEN_DIRECTORIES.values())
