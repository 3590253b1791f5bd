# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Test-ADServiceAccount from the controller: can this host identity use this gMSA?

Each link of the chain a container host relies on is checked on its own and
reported as {name, ok, detail}, so a failure says which link broke and how to
mend it. The gMSA's password is read only to prove it can be, and to ask the
KDC for a ticket with it; it is never returned, logged or written anywhere.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import List, Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import key_in_use, read_root_keys, root_key_id_of
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    Directory,
    DirectoryError,
    SecurityDescriptorError,
    filetime_to_datetime,
    iso,
    parse_security_descriptor,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._managed_password import (
    ManagedPasswordError,
    next_rollover,
    parse_managed_password,
    password_age,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import NamingError, default_dns_hostname, default_spns
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    GMSA,
    UF_WORKSTATION_TRUST_ACCOUNT,
    is_enabled,
    kind_of,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._gmsa import find_spn_holders
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._principals import (
    find_principal,
    names_of_sids,
    resolve_principals,
)

ACCOUNT_ATTRIBUTES = [
    'objectClass', 'sAMAccountName', 'dNSHostName', 'servicePrincipalName', 'userAccountControl',
    'msDS-GroupMSAMembership', 'msDS-ManagedPasswordInterval', 'msDS-ManagedPasswordId', 'pwdLastSet', 'objectSid',
]
# Every authenticated logon carries these two in its token besides its groups.
EVERYONE = 'S-1-1-0'
AUTHENTICATED_USERS = 'S-1-5-11'

CHECK_ORDER = ('kds_root_key', 'account', 'spns', 'spns_unique', 'principal_allowed', 'password_read', 'kerberos_tgt')


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self):
        return {'name': self.name, 'ok': self.ok, 'detail': self.detail}


@dataclass(frozen=True)
class PrincipalCredentials:
    """How to act as the principal: a password, or a Kerberos ticket cache or keytab of it."""
    username: str
    password: Optional[str] = field(default=None, repr=False)
    ccache: Optional[str] = None
    keytab: Optional[str] = None

    @property
    def kind(self):
        if self.password is not None:
            return 'password'
        return 'ccache' if self.ccache else 'keytab'


@dataclass
class Report:
    account: Optional[dict] = None
    principal: Optional[dict] = None
    checks: List[Check] = field(default_factory=list)
    password_retrievable: Optional[bool] = None
    tgt_obtained: Optional[bool] = None
    password_last_set: Optional[str] = None
    password_age_days: Optional[float] = None
    next_rollover: Optional[str] = None

    def add(self, name, ok, detail):
        self.checks.append(Check(name, bool(ok), detail))

    @property
    def failed(self):
        return [check for check in self.checks if not check.ok]

    def as_dict(self):
        order = {name: index for index, name in enumerate(CHECK_ORDER)}
        return {
            'account': self.account,
            'principal': self.principal,
            'checks': [c.as_dict() for c in sorted(self.checks, key=lambda c: order.get(c.name, len(order)))],
            'password_retrievable': self.password_retrievable,
            'tgt_obtained': self.tgt_obtained,
            'password_last_set': self.password_last_set,
            'password_age_days': self.password_age_days,
            'next_rollover': self.next_rollover,
        }

    def failure_line(self):
        return 'gMSA verification failed: %s' % '; '.join('%s: %s' % (c.name, c.detail) for c in self.failed)


# ----------------------------------------------------------------- the run
def verify(directory, account_text, principal_text, credentials, kerberos, now):
    """Every check for ``account_text`` used by ``principal_text`` (or ``credentials.username``)."""
    report = Report()
    principal = resolve_principal(directory, principal_text, 'principal' if credentials is None else 'principal_username')
    report.principal = {'name': principal.sam_account_name, 'sid': principal.sid, 'dn': principal.dn}
    account = account_to_verify(directory, account_text)
    password = None
    if account is None:
        report.add('account', False, 'no account %r in %s; create the gMSA (wincontainers.gmsa.service_account) or '
                   'correct account' % (account_text, directory.facts.dns_name))
    else:
        report.account = account.as_dict()
        _account_checks(directory, report, account)
        _principal_allowed_check(directory, report, account, principal)
        _schedule(report, account, now)
        if credentials is not None and account.is_gmsa:
            password = _password_read_check(directory, report, account, principal, credentials)
            if password is not None:
                report.next_rollover = iso(password.next_change(now))
                if kerberos:
                    _kerberos_check(report, account, directory.facts.dns_name.upper(), password)
            password = None  # the secret goes out of scope here; nothing kept it
    _kds_check(directory, report, account, now)
    return report


# ---------------------------------------------------------------- accounts
@dataclass(frozen=True)
class AccountToVerify:
    dn: str
    sam_account_name: str
    object_classes: Tuple[str, ...]
    dns_hostname: Optional[str]
    spns: Tuple[str, ...]
    user_account_control: int
    membership_descriptor: Optional[bytes] = field(repr=False)
    password_interval_days: Optional[int]
    password_id: Optional[bytes] = field(repr=False)
    password_last_set: Optional[object]

    @property
    def is_gmsa(self):
        return self.kind == GMSA

    @property
    def name(self):
        return self.sam_account_name[:-1] if self.sam_account_name.endswith('$') else self.sam_account_name

    @property
    def kind(self):
        return kind_of(self.object_classes)

    @property
    def root_key_id(self):
        """The KDS root key the current password derives from, from msDS-ManagedPasswordId."""
        return root_key_id_of(self.password_id)

    def as_dict(self):
        return {'name': self.name, 'sam_account_name': self.sam_account_name, 'dn': self.dn,
                'dns_hostname': self.dns_hostname, 'spns': sorted(self.spns)}


def account_to_verify(directory, text):
    """The account ``text`` names (name, name$, DN, SID, GUID or UPN, as everywhere) with what the checks need,
    or None."""
    entry = find_principal(directory, text, 'account', ACCOUNT_ATTRIBUTES)
    if entry is None:
        return None
    last_set = entry.integer('pwdLastSet')
    return AccountToVerify(
        dn=entry.dn, sam_account_name=entry.text('sAMAccountName') or '', object_classes=tuple(entry.texts('objectClass')),
        dns_hostname=entry.text('dNSHostName'), spns=tuple(entry.texts('servicePrincipalName')),
        user_account_control=entry.integer('userAccountControl') or 0,
        membership_descriptor=entry.raw('msDS-GroupMSAMembership'),
        password_interval_days=entry.integer('msDS-ManagedPasswordInterval'),
        password_id=entry.raw('msDS-ManagedPasswordId'),
        password_last_set=filetime_to_datetime(last_set) if last_set else None,
    )


def resolve_principal(directory, text, field_name):
    """The principal's object. ``HOST01$@REALM`` and ``user@REALM`` work even when no UPN says so,
    since that is how Kerberos names them."""
    try:
        return resolve_principals(directory, [text], field_name)[0]
    except ADInputError:
        name, at, _realm = text.strip().partition('@')
        if not at or '=' in text:
            raise
        return resolve_principals(directory, [name], field_name)[0]


def _account_checks(directory, report, account):
    if not account.is_gmsa:
        report.add('account', False, '%s is a %s, not a group managed service account (msDS-GroupManagedServiceAccount); '
                   'name a gMSA in account' % (account.dn, account.kind))
        return
    problems = []
    if not is_enabled(account.user_account_control):
        problems.append('it is disabled (userAccountControl 0x%X), so the KDC refuses it; set userAccountControl to '
                        '0x%X (%d) to enable it' % (account.user_account_control, UF_WORKSTATION_TRUST_ACCOUNT,
                                                    UF_WORKSTATION_TRUST_ACCOUNT))
    if not account.dns_hostname:
        problems.append('it has no dNSHostName; set it to %s' % _default_host_name(account, directory))
    if problems:
        report.add('account', False, '%s exists but %s' % (account.sam_account_name, '; and '.join(problems)))
    else:
        report.add('account', True, '%s exists, enabled, DNS host name %s' % (account.dn, account.dns_hostname))
    _spn_checks(directory, report, account)


def _default_host_name(account, directory):
    try:
        return default_dns_hostname(account.name, directory.facts.dns_name)
    except NamingError:
        return 'a DNS host name (wincontainers.gmsa.service_account dns_hostname)'


def required_spns(account):
    """What a container host needs: the SPNs every gMSA gets (host/<name> and host/<DNS host name>)."""
    return default_spns(account.name, account.dns_hostname)


def _spn_checks(directory, report, account):
    have = {spn.lower() for spn in account.spns}
    missing = [spn for spn in required_spns(account) if spn.lower() not in have]
    if missing:
        report.add('spns', False, '%s lacks the SPNs %s; add them to the gMSA (wincontainers.gmsa.service_account spns)'
                   % (account.sam_account_name, ', '.join(missing)))
    else:
        report.add('spns', True, 'has %s' % ', '.join(sorted(account.spns)))
    if not account.spns:
        return
    search = find_spn_holders(directory, sorted(account.spns), own_dn=account.dn)
    if search.holders:
        report.add('spns_unique', False, '; '.join('%s is also held by %s' % (spn, dn) for spn, dn in sorted(search.holders.items()))
                   + ': Kerberos fails for both holders; remove the SPN from the other account')
    elif search.scope == 'forest':
        report.add('spns_unique', True, 'no other account in the forest holds its SPNs')
    else:
        report.add('spns_unique', True, 'no other account in %s holds its SPNs (%s)' % (directory.facts.dns_name, search.warning))


# -------------------------------------------------------------- membership
def token_sids(directory, principal):
    """The SIDs in the principal's logon token: itself, its groups (transitively, primary group included,
    from the DC's constructed tokenGroups) and the well-known SIDs every authenticated logon has."""
    entry = directory.read(principal.dn, ['tokenGroups'])
    groups = [sid_to_string(value).upper() for value in (entry.values('tokenGroups') if entry else [])]
    return [principal.sid.upper()] + groups + [EVERYONE, AUTHENTICATED_USERS]


def _principal_allowed_check(directory, report, account, principal):
    if not account.is_gmsa:
        return
    if not account.membership_descriptor:
        report.add('principal_allowed', False, '%s has no msDS-GroupMSAMembership: nobody may read its password; allow '
                   'a group with the host accounts in it (wincontainers.gmsa.service_account allowed_to_retrieve_password)'
                   % account.sam_account_name)
        return
    try:
        descriptor = parse_security_descriptor(account.membership_descriptor)
    except SecurityDescriptorError as exc:
        report.add('principal_allowed', False, 'msDS-GroupMSAMembership of %s cannot be read (%s); set it again'
                   % (account.sam_account_name, exc))
        return
    token = token_sids(directory, principal)
    denied = [ace.sid for ace in descriptor.dacl if ace.denies_read and ace.sid in token]
    allowed_sids = descriptor.allowed_sids()
    granting = [sid for sid in allowed_sids if sid in token]
    names = names_of_sids(directory, denied + allowed_sids)
    who = principal.sam_account_name
    if denied:
        report.add('principal_allowed', False, '%s is denied reading the password of %s by a deny entry for %s; remove '
                   'that entry from msDS-GroupMSAMembership' % (who, account.sam_account_name, _listed(denied, names)))
    elif granting:
        through = 'directly' if principal.sid.upper() in granting else 'through %s' % _listed(granting, names)
        report.add('principal_allowed', True, '%s may read the password %s' % (who, through))
    else:
        allowed_text = _listed(allowed_sids, names) if allowed_sids else 'nobody'
        report.add('principal_allowed', False, '%s is not allowed to read the password of %s (allowed: %s); add %s to '
                   'one of those groups (wincontainers.gmsa.group members) or allow it directly '
                   '(wincontainers.gmsa.service_account allowed_to_retrieve_password)%s'
                   % (who, account.sam_account_name, allowed_text, who,
                      '; a domain-joined host then needs new Kerberos tickets (reboot, or klist -li 0x3e7 purge)'
                      if principal.is_computer else ''))


_WELL_KNOWN = {EVERYONE: 'Everyone', AUTHENTICATED_USERS: 'Authenticated Users', 'S-1-5-32-544': 'Administrators'}


def _listed(sids, names):
    return ', '.join(names.get(sid) or _WELL_KNOWN.get(sid) or sid for sid in sids)


# ------------------------------------------------------------ the password
def principal_settings(settings, candidate, credentials, principal, realm):
    """The module's connection settings, turned into those of the principal: the same controller and TLS."""
    common = dict(servers=(candidate.address,), tls_server_name=candidate.tls_name, domain_name=None)
    if credentials.kind == 'password':
        # A DN bind works for users and computers alike, however the name was written.
        return dataclasses.replace(settings, auth='simple', username=principal.dn, password=credentials.password,
                                   kerberos_store=None, **common)
    name = kerberos_name(credentials.username, realm)
    if credentials.kind == 'ccache':
        store = (('ccache', _ccache_name(credentials.ccache)),)
    else:
        # Tickets got from the keytab stay in this process's memory.
        store = (('client_keytab', credentials.keytab), ('ccache', 'MEMORY:gmsa-verify-%s' % uuid.uuid4().hex))
    return dataclasses.replace(settings, auth='kerberos', username=name, password=None, kerberos_store=store, **common)


def kerberos_name(username, realm):
    """``user@REALM`` for what users write: user@REALM, DOMAIN\\user, user or HOST01$."""
    text = username.strip()
    if '@' in text:
        return text
    return '%s@%s' % (text.split('\\', 1)[-1], realm)


def _ccache_name(path):
    return path if ':' in path.split('/', 1)[0] else 'FILE:%s' % path


def _password_read_check(directory, report, account, principal, credentials):
    """Read msDS-ManagedPassword bound as the principal, over TLS, as ccg.exe does. Returns the parsed password or None."""
    settings = principal_settings(directory.settings, directory.candidate, credentials, principal,
                                  directory.facts.dns_name.upper())
    who = principal.sam_account_name
    try:
        as_principal = Directory.connect(settings)
    except ADError as exc:
        report.password_retrievable = False
        report.add('password_read', False, _bind_failure(exc, who, credentials))
        return None
    try:
        blob = _read_password_blob(as_principal, account.dn)
    finally:
        as_principal.close()
    if not blob:
        report.password_retrievable = False
        report.add('password_read', False, '%s bound, but the domain controller returned no msDS-ManagedPassword for %s: '
                   'the principal is not allowed to read it (see principal_allowed), or its group membership is '
                   'newer than its logon' % (who, account.sam_account_name))
        return None
    try:
        password = parse_managed_password(blob)
    except ManagedPasswordError as exc:
        report.password_retrievable = False
        report.add('password_read', False, 'the domain controller returned a password blob this module cannot read: %s' % exc)
        return None
    report.password_retrievable = True
    report.add('password_read', True, '%s read the current password of %s over TLS (%s bind)'
               % (who, account.sam_account_name, 'simple' if credentials.kind == 'password' else 'Kerberos'))
    return password


def _read_password_blob(directory, dn):
    """msDS-ManagedPassword of ``dn`` as the bound principal reads it, or None: a refused read is no password."""
    try:
        entry = directory.read(dn, ['msDS-ManagedPassword'])
    except DirectoryError:
        return None
    return entry.raw('msDS-ManagedPassword') if entry else None


def _bind_failure(exc, who, credentials):
    text = str(exc)
    if credentials.kind == 'password' and isinstance(exc, DirectoryError) and exc.description == 'invalidCredentials':
        return ('the domain controller refused principal_password for %s: wrong password, or the account is locked, '
                'disabled or expired; give the password the host uses (the plug-in secret of a non-domain-joined host, '
                'the machine password of a computer account)' % who)
    if credentials.kind != 'password':
        source = 'principal_ccache %s' % credentials.ccache if credentials.kind == 'ccache' else \
            'principal_keytab %s' % credentials.keytab
        return 'binding as %s with Kerberos from %s failed: %s; refresh the ticket or keytab' % (who, source, text)
    return 'binding as %s failed: %s' % (who, text)


def _kerberos_check(report, account, realm, password):
    """An AS exchange with the DC's KDC for <name>$@REALM with the password just read; the ticket stays in memory."""
    name = '%s@%s' % (account.sam_account_name, realm)
    try:
        import gssapi
        import gssapi.raw
    except ImportError:
        report.tgt_obtained = False
        report.add('kerberos_tgt', False, 'the Python library gssapi is needed to ask the KDC for a ticket '
                   '(pip install gssapi), or set kerberos to false')
        return
    try:
        principal = gssapi.Name(name, gssapi.NameType.kerberos_principal)
        acquired = gssapi.raw.acquire_cred_with_password(principal, password.kerberos_password(), usage='initiate')
        lifetime = acquired.lifetime
    except Exception as exc:  # gssapi raises GSSError subclasses, each with its own text
        report.tgt_obtained = False
        report.add('kerberos_tgt', False, _tgt_failure(name, exc))
        return
    report.tgt_obtained = True
    report.add('kerberos_tgt', True, 'the KDC issued a ticket-granting ticket for %s (valid %s)'
               % (name, timedelta(seconds=lifetime or 0)))


def _tgt_failure(name, exc):
    text = ' '.join(str(exc).split())
    lowered = text.lower()
    if 'revoked' in lowered:
        return ('the KDC refused %s: the account is disabled; set its userAccountControl to 0x%X (%d)'
                % (name, UF_WORKSTATION_TRUST_ACCOUNT, UF_WORKSTATION_TRUST_ACCOUNT))
    if 'preauthentication failed' in lowered:
        return ('the KDC refused the password read for %s: the DC and KDC disagree about the current password '
                '(replication, or a password rollover just now); run again' % name)
    if 'cannot find kdc' in lowered or 'cannot contact any kdc' in lowered:
        return ('no KDC answered for %s; name the domain controllers in krb5.conf or KRB5_CONFIG, or set kerberos to '
                'false' % name)
    if 'not found in kerberos database' in lowered:
        return 'the KDC does not know %s; check the account name and realm' % name
    return 'the KDC issued no ticket for %s: %s' % (name, text)


# -------------------------------------------------------------- schedule
def _schedule(report, account, now):
    if account.password_last_set is None:
        return
    age = password_age(account.password_last_set, now)
    report.password_last_set = iso(account.password_last_set)
    report.password_age_days = round(age.total_seconds() / 86400, 2)
    rollover = next_rollover(account.password_last_set, account.password_interval_days)
    report.next_rollover = iso(rollover) if rollover else None


# ------------------------------------------------------------------ KDS
def _kds_check(directory, report, account, now):
    keys = read_root_keys(directory)
    used_id = account.root_key_id if account else None
    bind = directory.settings.username or 'the bind account'
    if not keys:
        if report.password_retrievable:
            report.add('kds_root_key', True, '%s cannot see the KDS root keys, but the password read proves one usable%s'
                       % (bind, ' (%s)' % used_id if used_id else ''))
        else:
            report.add('kds_root_key', False, 'no KDS root key is visible to %s: none exists (create one with '
                       'wincontainers.gmsa.kds_root_key), or the bind account may not read them (bind as a Domain Admin)'
                       % bind)
        return
    chosen = key_in_use(keys, now)
    usable = chosen.usable_at(now)
    extra = '' if len(keys) == 1 else ' (%d root keys exist; one per forest is usual)' % len(keys)
    if usable:
        report.add('kds_root_key', True, 'root key %s usable since %s%s' % (chosen.key_id, iso(chosen.usable_from), extra))
    elif usable is None:
        report.add('kds_root_key', bool(report.password_retrievable),
                   '%s may not read the times of root key %s%s' % (
                       bind, chosen.key_id, '; the password read proves it usable' if report.password_retrievable
                       else '; bind as a Domain Admin to check when it becomes usable'))
    else:
        report.add('kds_root_key', False, 'KDS root key %s is not yet usable: domain controllers use it from %s; wait '
                   'until then (a lab may create a backdated key with wincontainers.gmsa.kds_root_key lab_backdate)'
                   % (chosen.key_id, iso(chosen.usable_from)))
