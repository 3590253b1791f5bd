# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The group Managed Service Account (msDS-GroupManagedServiceAccount) as a table of its properties, the check
of its SPNs against the forest, and the listing domain_info shows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    SECURITY_DESCRIPTOR,
    DirectoryError,
    SecurityDescriptor,
    SecurityDescriptorError,
    add_values,
    check_dn,
    delete_values,
    directory_for,
    escape_filter_value,
    guid_to_string,
    parse_security_descriptor,
    same_dn,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import (
    NamingError,
    default_dns_hostname,
    default_spns,
    dns_hostname,
    gmsa_name,
    gmsa_sam_account_name,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    GMSA,
    GMSA_CLASS,
    MANAGED_SERVICE_ACCOUNTS_CONTAINER,
    UF_ACCOUNTDISABLE,
    UF_WORKSTATION_TRUST_ACCOUNT,
    accounts_named,
    disabled_bits,
    is_enabled,
    is_gmsa,
    kind_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import (
    Flags,
    ObjectType,
    Single,
    Values,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._identity import find_identity
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import names_of_sids, resolve_principals

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
ENCRYPTION_TYPES = {'rc4': 0x04, 'aes128': 0x08, 'aes256': 0x10}
ENCRYPTION_TYPE_BITS = sum(ENCRYPTION_TYPES.values())
DEFAULT_ENCRYPTION_TYPES = ('aes128', 'aes256')
DEFAULT_PASSWORD_INTERVAL_DAYS = 30
PASSWORD_INTERVAL_RANGE = (1, 3650)

ACCOUNT_ATTRIBUTES = (
    'objectClass', 'sAMAccountName', 'cn', 'objectSid', 'objectGUID', 'dNSHostName', 'servicePrincipalName',
    'msDS-GroupMSAMembership', 'msDS-SupportedEncryptionTypes', 'msDS-ManagedPasswordInterval',
    'description', 'userAccountControl', SECURITY_DESCRIPTOR,
)


def checked(rule, value, field):
    """``rule(value)``, its refusal an input error naming ``field``."""
    try:
        return rule(value)
    except NamingError as exc:
        raise ADInputError(str(exc), field) from None


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


def check_present_options(params):
    """Input errors that need no directory: SPN syntax, DNS names, contradictions, ranges."""
    spns = params.get('spns') or {}
    for part in ('add', 'remove', 'set'):
        validate_spns(spns.get(part) or [], 'spns.%s' % part)
    if params.get('dns_hostname') is not None:
        checked(dns_hostname, params['dns_hostname'], 'dns_hostname')
    if params.get('kerberos_encryption_types') is not None and not params['kerberos_encryption_types']:
        raise ADInputError('give at least one of %s' % ', '.join(ENCRYPTION_TYPES), 'kerberos_encryption_types')
    interval = params.get('managed_password_interval')
    low, high = PASSWORD_INTERVAL_RANGE
    if interval is not None and not low <= interval <= high:
        raise ADInputError('%s is not a number of days between %d and %d' % (interval, low, high),
                           'managed_password_interval')
    if params.get('path') is not None:
        check_dn(params['path'], 'path')


# ------------------------------------------------------------ finding
def find_gmsa(task):
    """The gMSA the task names, or None. Its name goes to ``task``; options that need no directory are checked
    before anything is read."""
    name = identified_name(task.directory, task.params)
    if name is None:
        if task.asked('state') == 'absent':
            return None
        raise ADInputError('no gMSA has this identity; give name to create one', 'identity')
    task.name = checked(gmsa_name, name, 'name')
    task.sam = gmsa_sam_account_name(task.name)
    if task.asked('state') != 'absent':
        check_present_options(task.params)
    return find_service_account(task.directory, task.name)


def identified_name(directory, params):
    """The gMSA's name as given, or from the gMSA ``identity`` names (None when only an identity is given and no
    gMSA has it)."""
    if not params.get('identity'):
        return params['name']
    found = find_identity(directory, params['identity'], GMSA)
    if found is None:
        return params['name']
    found_name = found.sam_account_name[:-1] if found.sam_account_name.endswith('$') else found.sam_account_name
    if params['name'] and params['name'].rstrip('$').lower() != found_name.lower():
        raise ADInputError('names the gMSA %s, whose name is %s, not %r; renaming is not supported'
                           % (found.dn, found_name, params['name']), 'identity')
    return found_name


def find_service_account(directory, name):
    """The entry of the gMSA ``name``$, or None; any other account already using the name fails.

    One search covers the gMSA itself and every account that would clash with
    it: one whose sAMAccountName is the name with or without $, or whose
    common name is the name (a user web01 beside a gMSA web01$ confuses
    Kerberos and the tools that look either up).
    """
    entries = accounts_named(directory, [name], ACCOUNT_ATTRIBUTES, computer_accounts=True, same_common_name=True)
    own = [entry for entry in entries if is_gmsa(entry.texts('objectClass')) and
           (entry.text('sAMAccountName') or '').lower() == gmsa_sam_account_name(name).lower()]
    others = [entry for entry in entries if entry not in own]
    if others:
        other = others[0]
        raise ADInputError('%r is already used by the %s %s (sAMAccountName %s); a gMSA needs a name no '
                           'other account uses'
                           % (name, kind_of(other.texts('objectClass')), other.dn, other.text('sAMAccountName')), 'name')
    return own[0] if own else None


# ------------------------------------------------------------ who may read the password
def membership(entry):
    """msDS-GroupMSAMembership as a SecurityDescriptor, or None when it has none."""
    raw = entry.raw('msDS-GroupMSAMembership')
    try:
        return parse_security_descriptor(raw) if raw else None
    except SecurityDescriptorError as exc:
        raise ADError('msDS-GroupMSAMembership of %s cannot be read (%s); fix or clear it with the AD tools'
                      % (entry.dn, exc)) from None


def allowed_sids(task, entry):
    descriptor = membership(entry)
    return descriptor.allowed_sids() if descriptor else []


def principal_sids(task, texts):
    """Each principal as its SID, compared by SID: DOMAIN\\name, a DN and the SID of one account are one principal."""
    principals = resolve_principals(task.directory, texts, 'allowed_to_retrieve_password')
    task.names.update((principal.sid, principal.sam_account_name) for principal in principals)
    return [principal.sid for principal in principals]


def allowed_principals(task, sids):
    """{'name', 'sid'} of each SID, in order; names not met yet come from one search."""
    unknown = [sid for sid in sids if sid not in task.names]
    if unknown:
        task.names.update(names_of_sids(task.directory, unknown))
    return [{'name': task.names.get(sid) or sid, 'sid': sid} for sid in sids]


def membership_changes(entry, change):
    """Delete the exact old descriptor and add the new: when someone else changed it since it was read, the DC
    refuses the write instead of losing their change."""
    descriptor = membership(entry)
    new = (descriptor or SecurityDescriptor()).with_allowed(add=change.to_add, remove=change.to_remove)
    old_raw = entry.raw('msDS-GroupMSAMembership')
    return delete_values([old_raw] if old_raw else []) + add_values([new.to_bytes()] if new.dacl else [])


def new_membership(sids):
    new = SecurityDescriptor().with_allowed(add=sids)
    return [new.to_bytes()] if new.dacl else []


# ------------------------------------------------------------ before a write
def spns_unique(task, plan):
    """Fail when another account in the forest holds an SPN the gMSA is to get; warn when only the domain could
    be searched. The account's own DN counts as its own even before it exists: a run at the same time may
    create it first."""
    current = [] if plan.creates else plan.entry.texts('servicePrincipalName')
    held = {spn.lower() for spn in current}
    to_add = [spn for spn in plan.values['spns'] if spn.lower() not in held]
    search = find_spn_holders(task.directory, to_add, plan.entry.dn if plan.entry is not None else plan.dn)
    if search.holders:
        raise ADInputError('%s; a service principal name may belong to one account in the forest only'
                           % '; '.join('%s is already held by %s' % item for item in search.holders.items()), 'spns')
    return [search.warning] if search.warning else []


def no_usable_root_key(task, error, plan):
    """A refused add of a gMSA because the forest has no usable KDS root key yet, said so; None otherwise."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import read_root_keys, utc_now

    refusal = error.description if isinstance(error, DirectoryError) else None
    if not plan.creates or refusal in ('entryAlreadyExists', 'insufficientAccessRights'):
        return None  # an account that may not create a gMSA cannot read the KDS keys either
    try:
        keys = read_root_keys(task.directory)
    except ADError:
        return None
    now = utc_now()
    # Only when the keys' times are readable and none is usable is that the reason.
    if keys and not all(key.usable_at(now) is False for key in keys):
        return None
    return ADError('creating the gMSA %s failed: the forest has no usable KDS root key yet (domain controllers '
                   'derive gMSA passwords from it); create one with wincontainers.gmsa.kds_root_key and wait until '
                   'it is usable (%s)' % (plan.dn, error))


def _interval(task, entry):
    return entry.integer('msDS-ManagedPasswordInterval') or DEFAULT_PASSWORD_INTERVAL_DAYS


def _asked_dns_hostname(task):
    value = task.asked('dns_hostname')
    return None if value is None else checked(dns_hostname, value, 'dns_hostname')


GMSA_TYPE = ObjectType(
    kind=GMSA,
    object_classes=(GMSA_CLASS,),
    find=find_gmsa,
    container=MANAGED_SERVICE_ACCOUNTS_CONTAINER,
    # A gMSA is a computer account. Written alone, WORKSTATION_TRUST_ACCOUNT is enabled; samba-tool adds
    # ACCOUNTDISABLE, and the KDC then refuses the account ("credentials have been revoked").
    fixed=lambda task: {'sAMAccountName': task.sam, 'userAccountControl': str(UF_WORKSTATION_TRUST_ACCOUNT)},
    before_write=spns_unique,
    explain=no_usable_root_key,
    properties=(
        Single('dns_hostname', 'dNSHostName', asked=_asked_dns_hostname,
               same=lambda left, right: (left or '').lower() == (right or '').lower(),
               default=lambda task, planned: checked(lambda name: default_dns_hostname(
                   name, task.directory.facts.dns_name), task.name, 'dns_hostname')),
        Values('spns', 'servicePrincipalName', key=str.lower,
               default=lambda task, planned: default_spns(task.name, planned['dns_hostname']),
               shown_as=lambda task, spns: sorted(spns, key=str.lower)),
        Values('allowed_to_retrieve_password', 'msDS-GroupMSAMembership', read=allowed_sids, resolve=principal_sids,
               shown_as=lambda task, sids: [item['name'] for item in allowed_principals(task, sids)],
               changes_of=membership_changes, created_as=new_membership),
        # Bits this option does not manage (DES, AES session keys) are kept.
        Flags('kerberos_encryption_types', 'msDS-SupportedEncryptionTypes', ENCRYPTION_TYPE_BITS,
              bits=encryption_type_value, shown_as=encryption_type_names, default=DEFAULT_ENCRYPTION_TYPES),
        Single('managed_password_interval', 'msDS-ManagedPasswordInterval', read=_interval,
               default=lambda task, planned: DEFAULT_PASSWORD_INTERVAL_DAYS,
               create_only='%(name)s has %(current)d days and cannot change to %(asked)d; the interval can only be '
                           'set when the account is created (remove and recreate the account to change it)'),
        Single('description', 'description', normal=lambda value: value or None),
        Flags('enabled', 'userAccountControl', UF_ACCOUNTDISABLE, bits=disabled_bits, shown_as=is_enabled),
    ),
)


def gmsa_identity(entry):
    """What the module returns of a gMSA besides its properties: SID and GUID, as the DC gave them."""
    if entry is None:
        return {'sid': None, 'guid': None}
    return {'sid': sid_to_string(entry.raw('objectSid')), 'guid': guid_to_string(entry.raw('objectGUID'))}


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


def spn_holders_in_forest(directory):
    """Every account of the forest that holds an SPN, with one paged search of the global catalog (of the domain
    when the catalog cannot be reached): ``holders`` maps each SPN, lower case, to the DNs holding it."""
    catalog, reason = _global_catalog(directory)
    searched, base, scope = (catalog, '', 'forest') if catalog else (directory, directory.facts.dn, 'domain')
    holders = {}
    for entry in searched.search(base, '(servicePrincipalName=*)', ['servicePrincipalName']):
        for spn in {value.lower() for value in entry.texts('servicePrincipalName')}:
            holders.setdefault(spn, []).append(entry.dn)
    warning = None
    if reason:
        warning = ('the global catalog of %s could not be reached (%s); duplicate SPNs were looked for in the domain '
                   '%s only' % (directory.candidate, reason, directory.facts.dns_name))
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
