# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What was last set as a user's password, kept beside the secret on the controller, so that a converge can
tell whether to write the password without logging on as the user.

A record holds the user's pwdLastSet as the DC had it right after the write, and a salted SHA-256 of the
password. The password must be written again when either differs: someone set it since (pwdLastSet moved), or
the password given is another one. The record never holds the password, and it is written readable by its
owner only, beside the secret it describes: it is worth no more than that secret's own file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._files import keep_secret

_SCHEME = 'sha256'


@dataclass(frozen=True)
class PasswordRecord:
    pwd_last_set: int
    fingerprint: str

    def matches(self, pwd_last_set, password):
        """Whether ``password`` is what was set, and nothing set another one since."""
        return self.pwd_last_set == pwd_last_set and _fingerprint_matches(self.fingerprint, password)


def fingerprint(password, salt=None):
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.sha256(salt + password.encode('utf-8')).hexdigest()
    return '%s$%s$%s' % (_SCHEME, salt.hex(), digest)


def _fingerprint_matches(text, password):
    scheme, _separator, rest = text.partition('$')
    salt_hex, _separator, _digest = rest.partition('$')
    if scheme != _SCHEME:
        return False
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return hmac.compare_digest(fingerprint(password, salt), text)


def read_record(path, field='password_record_file'):
    """The record at ``path``, or None when there is none yet (or it cannot be read as one: the password is
    then written again, which is always safe)."""
    try:
        with open(path, encoding='utf-8') as record_file:
            data = json.load(record_file)
        return PasswordRecord(int(data['pwd_last_set']), str(data['fingerprint']))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ADInputError('%s is a folder; give the path of the file that keeps the record' % path, field) from None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(path, pwd_last_set, password):
    """Keep what was just set (0600, in a folder made 0700 when it is new)."""
    keep_secret(path, json.dumps({'pwd_last_set': pwd_last_set, 'fingerprint': fingerprint(password)}) + '\n')
