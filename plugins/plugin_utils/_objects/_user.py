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

from dataclasses import replace

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    SECURITY_DESCRIPTOR,
    ConnectionLostError,
    DirectoryError,
    bind_refusal,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    UF_ACCOUNTDISABLE,
    UF_DONT_EXPIRE_PASSWD,
    UF_NORMAL_ACCOUNT,
    USERS_CONTAINER,
    check_common_name,
    disabled_bits,
    find_account,
    is_enabled,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import (
    Flags,
    ObjectType,
    Secret,
    Single,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._identity import checked_names
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._password_record import read_record

USER_ATTRIBUTES = ('objectClass', 'objectSid', 'sAMAccountName', 'userPrincipalName', 'userAccountControl',
                   'description', 'pwdLastSet', SECURITY_DESCRIPTOR)
USER_SAM_MAX_LENGTH = 20   # the SAM's limit for user accounts (the schema allows more)

# Win32 error 0x52D ERROR_PASSWORD_RESTRICTION: AD and Samba both put it first in the message.
_PASSWORD_RESTRICTION = '0000052D'
# The data code of a refused simple bind (AD and Samba alike): 52e is a wrong password; these
# say the password was right but the account may not log on now.
_RIGHT_PASSWORD_CODES = {'530', '531', '532', '533', '701', '773'}
_WRONG_PASSWORD_CODE = '52e'


def check_upn(upn):
    if upn is not None and (upn.count('@') != 1 or upn.startswith('@') or upn.endswith('@') or ' ' in upn):
        raise ADInputError('%r is not a user principal name (name@dns.domain)' % upn, 'upn')


def encode_password(password):
    """unicodePwd: the password in double quotes, UTF-16LE."""
    return ('"%s"' % password).encode('utf-16-le')


# ------------------------------------------------------------------ finding
def find_user(task):
    """The user the task names, or None; its name and sAMAccountName go to ``task``."""
    names = checked_names(task.directory, task.params, 'user', USER_SAM_MAX_LENGTH)
    if names is None:
        return None
    task.name, task.sam = names
    check_upn(task.asked('upn'))
    entry = find_account(task.directory, task.sam, USER_ATTRIBUTES, 'user')
    if entry is not None:
        check_common_name(entry.dn, task.name, 'user')
    return entry


# ------------------------------------------------------------------ the password
def password_differs(task, entry):
    """Whether to write the password of an existing user.

    with update_password=when_changed: when the record of what was last set (password_record_file) is missing,
    names another password, or someone set one since (pwdLastSet moved). No logon, so no failed one is counted.
    With update_password=always: when a logon with it fails. Check mode writes nothing, and a logon is
    recorded by the DC: it assumes a change.
    """
    update = task.asked('update_password')
    if update == 'when_changed':
        record = read_record(task.asked('password_record_file')) if task.asked('password_record_file') else None
        return record is None or not record.matches(entry.integer('pwdLastSet'), task.asked('password'))
    if update != 'always':
        return False
    if task.mode.check:
        return True
    return password_is_current(task.directory, entry.dn, task.asked('password')) is not True


def password_is_current(directory, dn, password):
    """Whether ``password`` is the user's password now: True, False, or None when the DC does not say.

    The DC cannot compare passwords for us, so this logs on as the user with a
    simple bind over the same TLS settings. A logon is recorded by the DC
    (lastLogonTimestamp, at most every few days; a wrong password counts
    towards the lockout threshold), which the module documentation says.
    """
    settings = replace(directory.settings, auth='simple', username=dn, password=password)
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


def password_refusal(task, error, plan):
    """A write the password policy refused, as one line; None for any other refusal.

    The add carries the password and the final userAccountControl, and a change is one modify request: the
    DC applies all of it or none, so a refused password leaves no user behind and changes nothing."""
    if not isinstance(error, DirectoryError) or _PASSWORD_RESTRICTION not in error.diagnostic.upper():
        return None
    consequence = 'the user was not created' if plan.creates else 'nothing was changed'
    if 'password' not in plan.secrets:
        return ADError('enabled: the domain refuses to enable the user while its password (never set, or empty) '
                       'does not meet the password policy; %s. Give password as well' % consequence)
    marker = 'check_password_restrictions:'
    message = error.diagnostic
    reason = message.split(marker, 1)[1].strip().rstrip('!. ') if marker in message else ''
    return ADError("password: the domain's password policy refused the password%s; %s. Give one that meets its "
                   "length, complexity and history rules" % (' (%s)' % reason if reason else '', consequence))


def password_for_enabled(missing):
    """A before-write check: an enabled user is created only with a password, and ``missing`` says so."""
    def check(task, plan):
        if plan.creates and task.asked('enabled') is not False and task.asked('password') is None:
            # Samba would create it; AD refuses, and an enabled account without a password is no identity.
            raise ADInputError(missing, 'password')
    return check


USER = ObjectType(
    kind='user',
    object_classes=('top', 'person', 'organizationalPerson', 'user'),
    find=find_user,
    container=USERS_CONTAINER,
    fixed=lambda task: {'userAccountControl': str(UF_NORMAL_ACCOUNT)},
    explain=password_refusal,
    before_write=password_for_enabled('required to create an enabled user; give password, or enabled: false to '
                                      'create it disabled'),
    properties=(
        # The password first: a policy that refuses it refuses the whole request.
        Secret('password', 'unicodePwd', encode=encode_password, differs=password_differs),
        Single('sam_account_name', 'sAMAccountName', asked=lambda task: task.sam,
               same=lambda left, right: (left or '').lower() == (right or '').lower()),
        Single('upn', 'userPrincipalName',
               default=lambda task, planned: '%s@%s' % (task.sam, task.directory.facts.dns_name)),
        # Not given, an existing user keeps its state and a new one is enabled, as in microsoft.ad.
        Flags('enabled', 'userAccountControl', UF_ACCOUNTDISABLE, bits=disabled_bits, shown_as=is_enabled,
              default=True),
        Flags('password_never_expires', 'userAccountControl', UF_DONT_EXPIRE_PASSWD,
              bits=lambda never: UF_DONT_EXPIRE_PASSWD if never else 0,
              shown_as=lambda value: bool((value or 0) & UF_DONT_EXPIRE_PASSWD)),
        Single('description', 'description', normal=lambda value: value or None),
    ),
)
