# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""A random password the domain's complexity rule accepts for a given user.

AD and Samba refuse a password that has fewer than three of the kinds of character (upper case, lower case,
digits, others), or that holds the account name or a part of three or more characters of the user's name
(split at , . - _ # and spaces). A random text hits the second now and then: 'ccg' of '<name>-ccg' is in about
one of a thousand random 40-character passwords. Pure.
"""

from __future__ import annotations

import re

_NAME_PARTS = re.compile(r'[,.\-_#\s\t]+')
_KINDS = ('A', 'z', '7', '.')   # one of each kind, for a text that lacks one


def name_parts(names):
    """What a password may not contain: each name whole, and its parts of three or more characters."""
    parts = set()
    for name in names:
        if not name:
            continue
        parts.add(name.lower())
        parts.update(part.lower() for part in _NAME_PARTS.split(name) if len(part) >= 3)
    return parts


def complex_password(random_text, names):
    """``random_text`` made acceptable for the users ``names``: every name part broken up by a digit, and one
    character of each kind added when the text lacks it."""
    text = random_text
    for part in sorted(name_parts(names), key=len, reverse=True):
        found = text.lower().find(part)
        while found >= 0:
            text = text[:found + 1] + '7' + text[found + 1:]
            found = text.lower().find(part)
    kinds = [str.isupper, str.islower, str.isdigit, lambda char: not char.isalnum()]
    for kind, sample in zip(kinds, _KINDS):
        if not any(kind(char) for char in text):
            text += sample
    return text
