# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Standard users: the portable identity a host outside the domain gives ccg.exe.

The password is written only inside an LDAP request (unicodePwd needs TLS,
which every connection here has) and never kept in anything that is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace as dataclass_replace
from typing import Optional

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ad_objects import find_account
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    ConnectionLostError,
    DirectoryError,
    bind_refusal,
    replace_values,
    sid_to_string,
)

UF_ACCOUNTDISABLE = 0x2
UF_NORMAL_ACCOUNT = 0x200
UF_DONT_EXPIRE_PASSWD = 0x10000
USER_ATTRIBUTES = ['objectClass', 'objectSid', 'sAMAccountName', 'userPrincipalName', 'userAccountControl',
                   'description']
USER_SAM_MAX_LENGTH = 20   # the SAM's limit for user accounts (the schema allows more)

# Win32 error 0x52D ERROR_PASSWORD_RESTRICTION: AD and Samba both put it first in the message.
_PASSWORD_RESTRICTION = '0000052D'
# The data code of a refused simple bind (AD and Samba alike): 52e is a wrong password; these
# say the password was right but the account may not log on now.
_RIGHT_PASSWORD_CODES = {'530', '531', '532', '533', '701', '773'}
_WRONG_PASSWORD_CODE = '52e'


@dataclass(frozen=True)
class User:
    dn: Optional[str]
    sid: Optional[str]
    sam_account_name: str
    upn: Optional[str]
    user_account_control: int
    description: Optional[str]

    @property
    def enabled(self):
        return not self.user_account_control & UF_ACCOUNTDISABLE

    @property
    def password_never_expires(self):
        return bool(self.user_account_control & UF_DONT_EXPIRE_PASSWD)

    def state(self):
        """What diff mode shows: never anything about the password but whether it changes."""
        return {'state': 'present', 'dn': self.dn, 'sam_account_name': self.sam_account_name, 'upn': self.upn,
                'enabled': self.enabled, 'password_never_expires': self.password_never_expires,
                'description': self.description}


def read_user(directory, sam):
    """The user with this sAMAccountName, or None. A computer, group or gMSA by that name is an input error."""
    entry = find_account(directory, sam, USER_ATTRIBUTES, 'user')
    if entry is None:
        return None
    return User(dn=entry.dn, sid=sid_to_string(entry.raw('objectSid')), sam_account_name=entry.text('sAMAccountName'),
                upn=entry.text('userPrincipalName'), user_account_control=entry.integer('userAccountControl') or 0,
                description=entry.text('description'))


def check_upn(upn):
    if upn is not None and (upn.count('@') != 1 or upn.startswith('@') or upn.endswith('@') or ' ' in upn):
        raise ADInputError('%r is not a user principal name (name@dns.domain)' % upn, 'upn')


def wanted_account_control(current, enabled, password_never_expires):
    """userAccountControl with only the two flags this module manages changed; None leaves a flag alone."""
    value = current | UF_NORMAL_ACCOUNT
    if enabled is not None:
        value = value & ~UF_ACCOUNTDISABLE if enabled else value | UF_ACCOUNTDISABLE
    if password_never_expires is not None:
        value = value | UF_DONT_EXPIRE_PASSWD if password_never_expires else value & ~UF_DONT_EXPIRE_PASSWD
    return value


def planned_user(user, upn, description, account_control):
    return dataclass_replace(user, upn=upn if upn is not None else user.upn,
                             description=user.description if description is None else (description or None),
                             user_account_control=account_control)


def encode_password(password):
    """unicodePwd: the password in double quotes, UTF-16LE."""
    return ('"%s"' % password).encode('utf-16-le')


# ------------------------------------------------------------------ writing
def create_user(directory, dn, user, password):
    """One add request with the password and the final userAccountControl in it.

    The add is atomic: a password the policy refuses leaves no object behind,
    where adding a disabled user and setting the password after would.
    """
    attributes = {'sAMAccountName': user.sam_account_name, 'userPrincipalName': user.upn,
                  'userAccountControl': str(user.user_account_control)}
    if user.description:
        attributes['description'] = user.description
    if password is not None:
        attributes['unicodePwd'] = encode_password(password)
    _refused_password_as_one_line(directory, lambda: directory.add(
        dn, ['top', 'person', 'organizationalPerson', 'user'], attributes), 'the user was not created')


def change_user(directory, user, planned, password):
    """Every change in one modify request, the password first: the DC applies all of it or none."""
    changes = {}
    if password is not None:
        changes['unicodePwd'] = replace_values([encode_password(password)])
    if planned.upn != user.upn:
        changes['userPrincipalName'] = replace_values([planned.upn] if planned.upn else [])
    if planned.description != user.description:
        changes['description'] = replace_values([planned.description] if planned.description else [])
    if planned.user_account_control != user.user_account_control:
        changes['userAccountControl'] = replace_values([str(planned.user_account_control)])
    _refused_password_as_one_line(directory, lambda: directory.modify(user.dn, changes), 'nothing was changed',
                                  password_given=password is not None)


def _refused_password_as_one_line(directory, write, consequence, password_given=True):
    try:
        write()
    except DirectoryError as exc:
        message = exc.diagnostic
        if _PASSWORD_RESTRICTION not in message.upper():
            raise
        if not password_given:
            raise ADError('enabled: the domain refuses to enable the user while its password (never set, or empty) '
                          'does not meet the password policy; %s. Give password as well' % consequence)
        marker = 'check_password_restrictions:'
        reason = message.split(marker, 1)[1].strip().rstrip('!. ') if marker in message else ''
        raise ADError("password: the domain's password policy refused the password%s; %s. Give one that meets "
                      "its length, complexity and history rules" % (' (%s)' % reason if reason else '', consequence))


# ------------------------------------------------------------------ verifying
def password_is_current(directory, dn, password):
    """Whether ``password`` is the user's password now: True, False, or None when the DC does not say.

    The DC cannot compare passwords for us, so this logs on as the user with a
    simple bind over the same TLS settings. A logon is recorded by the DC
    (lastLogonTimestamp, at most every few days; a wrong password counts
    towards the lockout threshold), which the module documentation says.
    """
    settings = dataclass_replace(directory.settings, auth='simple', username=dn, password=password)
    try:
        refusal = bind_refusal(settings, directory.candidate)
    except ConnectionLostError:  # a lost connection tells nothing about the password
        return None
    if refusal is None:
        return True
    return bind_refusal_means_current(refusal.data_code)


def bind_refusal_means_current(code):
    """What the data code of a refused bind (``..., data 52e, v1db1``) says of the password: True, False or None."""
    if code == _WRONG_PASSWORD_CODE:
        return False
    if code in _RIGHT_PASSWORD_CODES:
        return True
    return None
