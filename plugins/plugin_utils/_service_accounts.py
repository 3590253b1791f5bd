# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Group Managed Service Accounts (msDS-GroupManagedServiceAccount objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ad_objects import (
    GMSA_CLASS,
    MANAGED_SERVICE_ACCOUNTS_CONTAINER,
    accounts_named,
    container_for,
    is_gmsa,
    kind_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    DirectoryError,
    SecurityDescriptor,
    SecurityDescriptorError,
    add_values,
    check_dn,
    clear,
    delete_values,
    directory_for,
    escape_filter_bytes,
    escape_filter_value,
    first_rdn,
    guid_to_string,
    object_dn,
    parent_dn,
    parse_security_descriptor,
    replace_values,
    same_dn,
    sid_to_bytes,
    sid_to_string,
)

SUMMARY_ATTRIBUTES = ['sAMAccountName', 'dNSHostName', 'servicePrincipalName']


@dataclass(frozen=True)
class ServiceAccountSummary:
    dn: str
    sam_account_name: str
    dns_hostname: str
    spns: Tuple[str, ...]

    @property
    def name(self):
        return self.sam_account_name[:-1] if self.sam_account_name.endswith('$') else self.sam_account_name

    def as_dict(self):
        return {'name': self.name, 'sam_account_name': self.sam_account_name, 'dn': self.dn,
                'dns_hostname': self.dns_hostname, 'spns': sorted(self.spns)}


def list_service_accounts(directory):
    entries = directory.search(directory.facts.dn, '(objectClass=%s)' % GMSA_CLASS, SUMMARY_ATTRIBUTES)
    accounts = [ServiceAccountSummary(entry.dn, entry.text('sAMAccountName') or '', entry.text('dNSHostName') or '',
                                      tuple(entry.texts('servicePrincipalName')))
                for entry in entries]
    return sorted(accounts, key=lambda account: account.sam_account_name.lower())


def gmsa_schema_present(directory):
    """Whether the schema defines the gMSA class (schema version of Windows Server 2012 or later)."""
    found = directory.search(directory.facts.schema_dn, '(lDAPDisplayName=%s)' % GMSA_CLASS, ['cn'], scope='one')
    return bool(found)


# ------------------------------------------------------------ one account
# A gMSA is a computer account: userAccountControl WORKSTATION_TRUST_ACCOUNT.
# Written alone it is enabled; samba-tool adds ACCOUNTDISABLE, and the KDC then
# refuses the account ("credentials have been revoked").
UF_ACCOUNTDISABLE = 0x0002
UF_WORKSTATION_TRUST_ACCOUNT = 0x1000

ENCRYPTION_TYPES = {'rc4': 0x04, 'aes128': 0x08, 'aes256': 0x10}
ENCRYPTION_TYPE_BITS = sum(ENCRYPTION_TYPES.values())
DEFAULT_ENCRYPTION_TYPES = ('aes128', 'aes256')
DEFAULT_PASSWORD_INTERVAL_DAYS = 30

# sAMAccountName of a computer account: the NetBIOS name limit of 15 characters,
# and none of the characters AD refuses in account names. '@' and '$' are left
# out too: '@' reads as a UPN and '$' is the suffix this module adds.
MAX_NAME_LENGTH = 15
FORBIDDEN_NAME_CHARACTERS = '"/\\[]:;|=,+*?<>@$'
_DNS_LABEL = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')

ACCOUNT_ATTRIBUTES = [
    'objectClass', 'sAMAccountName', 'cn', 'objectSid', 'objectGUID', 'dNSHostName', 'servicePrincipalName',
    'msDS-GroupMSAMembership', 'msDS-SupportedEncryptionTypes', 'msDS-ManagedPasswordInterval',
    'description', 'userAccountControl',
]


@dataclass(frozen=True)
class ServiceAccount:
    """A gMSA as read from the directory."""
    dn: str
    sid: str
    guid: str
    sam_account_name: str
    dns_hostname: Optional[str]
    spns: Tuple[str, ...]
    membership: Optional[SecurityDescriptor]
    membership_raw: Optional[bytes]
    encryption_types: Optional[int]
    password_interval: Optional[int]
    description: Optional[str]
    user_account_control: int

    @property
    def allowed_sids(self):
        return self.membership.allowed_sids() if self.membership else []

    @property
    def enabled(self):
        return not self.user_account_control & UF_ACCOUNTDISABLE


def validate_name(name):
    """The account name without '$'; a name AD or Kerberos would refuse fails here, before anything is read."""
    if name is None or not name.strip():
        raise ADInputError('give the gMSA name (1 to %d characters, without the trailing $)' % MAX_NAME_LENGTH, 'name')
    if name.endswith('$'):
        name = name[:-1]
    if len(name) > MAX_NAME_LENGTH:
        raise ADInputError('%r has %d characters; a gMSA name is at most %d characters (its sAMAccountName '
                           'is the name plus $, the NetBIOS limit of computer accounts)'
                           % (name, len(name), MAX_NAME_LENGTH), 'name')
    bad = sorted({char for char in name if char in FORBIDDEN_NAME_CHARACTERS or ord(char) < 32})
    if bad:
        raise ADInputError('%r contains %s; a gMSA name may not contain any of %s, control characters, '
                           'or $ other than at the end'
                           % (name, ' '.join(repr(char) for char in bad), ' '.join(FORBIDDEN_NAME_CHARACTERS[:-1])),
                           'name')
    if name != name.strip() or name.endswith('.') or not name.strip(' .'):
        raise ADInputError('%r may not start or end with a space, end with a period, or be only periods' % name,
                           'name')
    return name


def validate_dns_hostname(value, field='dns_hostname'):
    labels = value.rstrip('.').split('.')
    if len(value) > 253 or not all(_DNS_LABEL.match(label) for label in labels):
        raise ADInputError('%r is not a DNS host name (labels of letters, digits and hyphens, '
                           'at most 63 characters each)' % value, field)
    return value.rstrip('.')


def default_dns_hostname(name, domain_dns_name):
    host = '%s.%s' % (name, domain_dns_name)
    try:
        return validate_dns_hostname(host)
    except ADInputError:
        raise ADInputError('the default %r is not a DNS host name, since the name has characters '
                           'DNS does not allow; give dns_hostname' % host, 'dns_hostname')


def validate_spns(values, field='spns'):
    """Service principal names are service/host[:port][/service name]; anything else fails naming ``field``."""
    for value in values:
        parts = value.split('/') if isinstance(value, str) else []
        host = parts[1].rsplit(':', 1) if len(parts) > 1 else []
        if (len(parts) not in (2, 3) or not all(parts) or any(char.isspace() for char in value)
                or (len(host) == 2 and not host[1].isdigit())):
            raise ADInputError('%r is not a service principal name; write service/host, '
                               'service/host:port or service/host/service-name (e.g. host/web01.contoso.com)'
                               % value, field)


def encryption_type_value(names):
    return sum(ENCRYPTION_TYPES[name] for name in set(names))


def encryption_type_names(value):
    """The names of the encryption types the option manages that ``value`` has."""
    if value is None:
        return []
    return [name for name, bit in sorted(ENCRYPTION_TYPES.items(), key=lambda item: item[1]) if value & bit]


def find_service_account(directory, name):
    """The gMSA ``name``$, or None; any other account already using the name fails.

    One search covers the gMSA itself and every account that would clash with
    it: one whose sAMAccountName is the name with or without $, or whose
    common name is the name (a user web01 beside a gMSA web01$ confuses
    Kerberos and the tools that look either up).
    """
    entries = accounts_named(directory, [name], ACCOUNT_ATTRIBUTES, computer_accounts=True, same_common_name=True)
    own = [entry for entry in entries if is_gmsa(entry.texts('objectClass')) and
           (entry.text('sAMAccountName') or '').lower() == name.lower() + '$']
    others = [entry for entry in entries if entry not in own]
    if others:
        other = others[0]
        raise ADInputError('%r is already used by the %s %s (sAMAccountName %s); a gMSA needs a name no '
                           'other account uses'
                           % (name, kind_of(other.texts('objectClass')), other.dn, other.text('sAMAccountName')), 'name')
    return _service_account(own[0]) if own else None


def read_service_account(directory, dn):
    entry = directory.read(dn, ACCOUNT_ATTRIBUTES)
    if entry is None:
        raise ADError('the gMSA %s was written but cannot be read back' % dn)
    return _service_account(entry)


def _service_account(entry):
    raw = entry.raw('msDS-GroupMSAMembership')
    try:
        membership = parse_security_descriptor(raw) if raw else None
    except SecurityDescriptorError as exc:
        raise ADError('msDS-GroupMSAMembership of %s cannot be read (%s); fix or clear it with the AD tools' % (entry.dn, exc))
    return ServiceAccount(
        dn=entry.dn,
        sid=sid_to_string(entry.raw('objectSid')),
        guid=guid_to_string(entry.raw('objectGUID')),
        sam_account_name=entry.text('sAMAccountName'),
        dns_hostname=entry.text('dNSHostName'),
        spns=tuple(entry.texts('servicePrincipalName')),
        membership=membership,
        membership_raw=raw,
        encryption_types=entry.integer('msDS-SupportedEncryptionTypes'),
        password_interval=entry.integer('msDS-ManagedPasswordInterval'),
        description=entry.text('description'),
        user_account_control=entry.integer('userAccountControl') or 0,
    )


def names_of_sids(directory, sids):
    """{SID: sAMAccountName} for the SIDs found, in one search; SIDs of deleted accounts are simply absent."""
    if not sids:
        return {}
    ldap_filter = '(|%s)' % ''.join('(objectSid=%s)' % escape_filter_bytes(sid_to_bytes(sid)) for sid in sids)
    entries = directory.search(directory.facts.dn, ldap_filter, ['objectSid', 'sAMAccountName'])
    return {sid_to_string(entry.raw('objectSid')): entry.text('sAMAccountName') for entry in entries}


# ------------------------------------------------------------ SPN duplicates
GLOBAL_CATALOG_PORTS = {'ldaps': 3269, 'start_tls': 3268}
_UNREACHABLE_CATALOGS = {}


@dataclass(frozen=True)
class SpnSearch:
    """Where SPN duplicates were looked for: the forest (global catalog) or, failing that, the domain only."""
    holders: dict          # SPN as asked -> DN of the other account holding it
    scope: str             # 'forest' | 'domain'
    warning: Optional[str]


def find_spn_holders(directory, spns, own_dn=None):
    """Other accounts that hold any of ``spns``, searched in the global catalog of the same domain controller.

    Duplicate SPNs anywhere in the forest break Kerberos for both accounts,
    and only the global catalog sees the other domains. When it cannot be
    reached, the domain is searched instead and the result says so.
    """
    if not spns:
        return SpnSearch({}, 'forest', None)
    catalog, reason = _global_catalog(directory)
    searched, base, scope = (catalog, '', 'forest') if catalog else (directory, directory.facts.dn, 'domain')
    ldap_filter = '(|%s)' % ''.join('(servicePrincipalName=%s)' % escape_filter_value(spn) for spn in spns)
    holders = {}
    for entry in searched.search(base, ldap_filter, ['servicePrincipalName']):
        if own_dn and same_dn(entry.dn, own_dn):
            continue
        held = {value.lower() for value in entry.texts('servicePrincipalName')}
        for spn in spns:
            if spn.lower() in held:
                holders.setdefault(spn, entry.dn)
    warning = None
    if reason:
        warning = ('the global catalog of %s could not be reached (%s); SPNs were checked for duplicates in the '
                   'domain %s only, not in the rest of the forest' % (directory.candidate, reason, directory.facts.dns_name))
    return SpnSearch(holders, scope, warning)


def _global_catalog(directory):
    """A bound connection to the global catalog port of the same DC with the same TLS and bind, or (None, why not)."""
    settings = directory.settings
    candidate = directory.candidate
    catalog_settings = replace(settings, servers=(candidate.address,), tls_server_name=candidate.tls_name,
                               port=GLOBAL_CATALOG_PORTS[settings.tls_mode])
    key = catalog_settings.fingerprint()
    if key in _UNREACHABLE_CATALOGS:  # a loop asks once, not once per item
        return None, _UNREACHABLE_CATALOGS[key]
    try:
        return directory_for(catalog_settings), None
    except ADError as exc:
        _UNREACHABLE_CATALOGS[key] = str(exc)
        return None, str(exc)


# ------------------------------------------------------------ planning
@dataclass(frozen=True)
class AccountPlan:
    """What a present gMSA should look like, and the one LDAP write that gets it there.

    ``attributes`` is set when the account is to be created, ``changes``
    (for Directory.modify) when it exists; ``new_parent`` when it moves.
    """
    name: str
    dn: str
    current: Optional[ServiceAccount]
    dns_hostname: str
    spns: Tuple[str, ...]
    spns_to_add: Tuple[str, ...]
    allowed: Tuple  # {'name', 'sid'} of each principal allowed afterwards, in DACL order
    allowed_before: Tuple
    encryption_types: int
    password_interval: int
    description: Optional[str]
    enabled: bool
    attributes: Optional[dict] = None
    changes: Optional[dict] = None
    new_parent: Optional[str] = None

    @property
    def creates(self):
        return self.current is None

    @property
    def changed(self):
        return self.creates or bool(self.changes) or bool(self.new_parent)

    def view(self):
        """The account as the diff and the result show it."""
        return account_view(self.dn, self.dns_hostname, self.spns, self.allowed, self.encryption_types,
                            self.password_interval, self.description, self.enabled)

    def view_before(self):
        current = self.current
        if current is None:
            return {'state': 'absent'}
        return account_view(current.dn, current.dns_hostname, current.spns, self.allowed_before,
                            current.encryption_types, current.password_interval or DEFAULT_PASSWORD_INTERVAL_DAYS,
                            current.description, current.enabled)


def account_view(dn, dns_hostname, spns, allowed, encryption_types, password_interval, description, enabled):
    return {
        'state': 'present',
        'dn': dn,
        'dns_hostname': dns_hostname,
        'spns': sorted(spns, key=str.lower),
        'allowed_to_retrieve_password': [principal['name'] for principal in allowed],
        'kerberos_encryption_types': encryption_type_names(encryption_types),
        'managed_password_interval': password_interval,
        'description': description,
        'enabled': enabled,
    }


def check_present_options(params):
    """Input errors that need no directory: SPN syntax, DNS names, contradictions, ranges."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import conflicting_values

    spns = params.get('spns') or {}
    for part in ('add', 'remove', 'set'):
        validate_spns(spns.get(part) or [], 'spns.%s' % part)
    both = conflicting_values(spns, key=str.lower)
    if both:
        raise ADInputError('%s both added and removed; list each SPN in one of them' % ', '.join(both), 'spns')
    allowed = params.get('allowed_to_retrieve_password') or {}
    both = conflicting_values(allowed, key=str.lower)
    if both:
        raise ADInputError('%s both added and removed; list each principal in one of them' % ', '.join(both),
                           'allowed_to_retrieve_password')
    if params.get('dns_hostname') is not None:
        validate_dns_hostname(params['dns_hostname'])
    if params.get('kerberos_encryption_types') is not None and not params['kerberos_encryption_types']:
        raise ADInputError('give at least one of %s' % ', '.join(ENCRYPTION_TYPES), 'kerberos_encryption_types')
    interval = params.get('managed_password_interval')
    if interval is not None and not 1 <= interval <= 3650:
        raise ADInputError('%s is not a number of days between 1 and 3650' % interval, 'managed_password_interval')
    if params.get('path') is not None:
        check_dn(params['path'], 'path')


def plan_service_account(directory, name, current, params):
    """The plan for ``state: present``: read-only; bad input fails here, before any write."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import plan_values

    if current is None:
        dn = object_dn(name, container_for(directory, params.get('path'), MANAGED_SERVICE_ACCOUNTS_CONTAINER))
    else:
        dn = current.dn
    new_parent = _move_target(current, params.get('path'))
    if new_parent:
        # Checked like a new account's path, so that a bad one fails before anything is written.
        new_parent = container_for(directory, new_parent, MANAGED_SERVICE_ACCOUNTS_CONTAINER)
        dn = '%s,%s' % (first_rdn(dn), new_parent)

    if params.get('dns_hostname') is not None:
        dns_hostname = validate_dns_hostname(params['dns_hostname'])
        if current is not None and (current.dns_hostname or '').lower() == dns_hostname.lower():
            dns_hostname = current.dns_hostname
    elif current is not None:
        dns_hostname = current.dns_hostname
    else:
        dns_hostname = default_dns_hostname(name, directory.facts.dns_name)

    base_spns = current.spns if current is not None else ('host/%s' % name, 'host/%s' % dns_hostname)
    spns = plan_values(base_spns, params.get('spns'), key=str.lower)

    allowed_before, allowed, membership = _plan_allowed(directory, current, params.get('allowed_to_retrieve_password'))

    wanted_types = params.get('kerberos_encryption_types')
    if current is None:
        encryption_types = encryption_type_value(wanted_types or DEFAULT_ENCRYPTION_TYPES)
    elif wanted_types is not None:
        # Bits this option does not manage (DES, AES session keys) are kept.
        encryption_types = ((current.encryption_types or 0) & ~ENCRYPTION_TYPE_BITS) | encryption_type_value(wanted_types)
    else:
        encryption_types = current.encryption_types

    interval = params.get('managed_password_interval')
    if current is None:
        interval = interval or DEFAULT_PASSWORD_INTERVAL_DAYS
    else:
        existing = current.password_interval or DEFAULT_PASSWORD_INTERVAL_DAYS
        if interval is not None and interval != existing:
            raise ADInputError('%s has %d days and cannot change to %d; the interval can '
                               'only be set when the account is created (remove and recreate the account to change it)'
                               % (current.sam_account_name, existing, interval), 'managed_password_interval')
        interval = existing

    description = params.get('description')
    if description is None and current is not None:
        description = current.description
    description = description or None
    enabled = params['enabled']

    plan = AccountPlan(name=name, dn=dn, current=current, dns_hostname=dns_hostname, spns=spns.after,
                       spns_to_add=spns.after if current is None else spns.to_add, allowed=allowed,
                       allowed_before=allowed_before,
                       encryption_types=encryption_types, password_interval=interval, description=description,
                       enabled=enabled, new_parent=new_parent)
    if current is None:
        return replace(plan, attributes=_creation_attributes(plan, membership))
    return replace(plan, changes=_modifications(plan, current, spns, membership))


def _plan_allowed(directory, current, option):
    """The principals allowed before and after (as {'name', 'sid'}), and the new descriptor (None: no change).

    Principals are compared by SID, so DOMAIN\\name, a DN and the SID of one
    account are the same principal.
    """
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import resolve_principals
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import conflicting_values, plan_values

    field = 'allowed_to_retrieve_password'
    option = option or {}
    texts = [text for part in ('add', 'remove', 'set') for text in option.get(part) or []]
    resolved = dict(zip(texts, resolve_principals(directory, texts, field)))
    by_sid = {principal.sid: principal for principal in resolved.values()}
    as_sids = {part: None if option.get(part) is None else [resolved[text].sid for text in option[part]]
               for part in ('add', 'remove', 'set')}
    both = conflicting_values(as_sids)
    if both:
        raise ADInputError('%s both added and removed (the same account written two ways)'
                           % ', '.join(by_sid[sid].sam_account_name for sid in both), field)
    current_sids = current.allowed_sids if current is not None else []
    change = plan_values(current_sids, as_sids)
    # Names of the SIDs no option named: one search, only when there are any.
    names = {sid: principal.sam_account_name for sid, principal in by_sid.items()}
    names.update(names_of_sids(directory, [sid for sid in current_sids if sid not in names]))

    def named(sids):
        return tuple({'name': names.get(sid) or sid, 'sid': sid} for sid in sids)

    membership = None
    if change.changed:
        base = current.membership if current is not None and current.membership else SecurityDescriptor()
        membership = base.with_allowed(add=change.to_add, remove=change.to_remove)
    return named(current_sids), named(change.after), membership


def _move_target(current, path):
    """The new parent when an existing account lives elsewhere than ``path``."""
    if current is None or path is None:
        return None
    if same_dn(parent_dn(current.dn), path):
        return None
    return path


def _creation_attributes(plan, membership):
    uac = UF_WORKSTATION_TRUST_ACCOUNT | (0 if plan.enabled else UF_ACCOUNTDISABLE)
    attributes = {
        'sAMAccountName': plan.name + '$',
        'dNSHostName': plan.dns_hostname,
        'userAccountControl': str(uac),
        'msDS-SupportedEncryptionTypes': str(plan.encryption_types),
        'msDS-ManagedPasswordInterval': str(plan.password_interval),
    }
    if plan.spns:
        attributes['servicePrincipalName'] = list(plan.spns)
    if membership is not None and membership.dacl:
        attributes['msDS-GroupMSAMembership'] = membership.to_bytes()
    if plan.description:
        attributes['description'] = plan.description
    return attributes


def _modifications(plan, current, spns, membership):
    """Only what differs; SPNs value by value and the descriptor as delete-old + add-new.

    Deleting the exact old descriptor makes the DC refuse the write when
    someone else changed it since it was read, instead of silently
    overwriting their change.
    """
    changes = {}
    if plan.dns_hostname != current.dns_hostname:
        changes['dNSHostName'] = replace_values([plan.dns_hostname])
    spn_changes = delete_values(spns.to_remove) + add_values(spns.to_add)
    if spn_changes:
        changes['servicePrincipalName'] = spn_changes
    if membership is not None:
        steps = delete_values([current.membership_raw] if current.membership_raw else [])
        steps += add_values([membership.to_bytes()] if membership.dacl else [])
        if steps:
            changes['msDS-GroupMSAMembership'] = steps
    if plan.encryption_types != current.encryption_types:
        changes['msDS-SupportedEncryptionTypes'] = replace_values([str(plan.encryption_types)])
    if plan.description != (current.description or None):
        changes['description'] = replace_values([plan.description]) if plan.description else clear()
    if plan.enabled != current.enabled:
        uac = current.user_account_control
        uac = uac & ~UF_ACCOUNTDISABLE if plan.enabled else uac | UF_ACCOUNTDISABLE
        changes['userAccountControl'] = replace_values([str(uac)])
    return changes


def apply_plan(directory, plan):
    """Write the plan: one add, or a move and one modify. Returns the DN the account has afterwards."""
    if plan.creates:
        _create(directory, plan)
        return plan.dn
    if plan.new_parent:
        move_object(directory, plan.current.dn, plan.new_parent)
    directory.modify(plan.dn, plan.changes)
    return plan.dn


class CreatedMeanwhile(ADError):
    """The DC refused the add because the account exists now: a run at the same time created it after our read."""


def _create(directory, plan):
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import read_root_keys, utc_now

    try:
        directory.add(plan.dn, [GMSA_CLASS], plan.attributes)
    except ADError as exc:
        refusal = exc.description if isinstance(exc, DirectoryError) else None
        if refusal == 'entryAlreadyExists':
            raise CreatedMeanwhile(str(exc))
        if refusal == 'insufficientAccessRights':  # such an account cannot read the KDS keys either
            raise
        now = utc_now()
        keys = _readable_keys(directory, read_root_keys)
        # Only when the keys' times are readable and none is usable is that the reason.
        if keys is not None and (not keys or all(key.usable_at(now) is False for key in keys)):
            raise ADError('creating the gMSA %s failed: the forest has no usable KDS root key yet (domain '
                          'controllers derive gMSA passwords from it); create one with '
                          'wincontainers.gmsa.kds_root_key and wait until it is usable (%s)' % (plan.dn, exc))
        raise


def _readable_keys(directory, read_root_keys):
    try:
        return read_root_keys(directory)
    except ADError:
        return None


def move_object(directory, dn, new_parent):
    directory.move(dn, first_rdn(dn), new_parent)


def delete_service_account(directory, account):
    directory.delete(account.dn)


def current_view(directory, account):
    """The view of an account as read, with the names of its allowed principals (one search by SID)."""
    names = names_of_sids(directory, account.allowed_sids)
    allowed = tuple({'name': names.get(sid) or sid, 'sid': sid} for sid in account.allowed_sids)
    return allowed, account_view(account.dn, account.dns_hostname, account.spns, allowed, account.encryption_types,
                                 account.password_interval or DEFAULT_PASSWORD_INTERVAL_DAYS, account.description,
                                 account.enabled)
