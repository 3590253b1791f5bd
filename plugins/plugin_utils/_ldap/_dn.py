# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Distinguished names: checking, splitting, comparing and building them.

Users write DNs with spaces after commas, in any case and with either
escaping style (``\\,`` or ``\\2C``); the DC answers with its own spelling.
Everything here reads both, so two spellings of one DN are one DN.
"""

from __future__ import annotations

import functools
import re

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import invalid_dn

# An attribute type: a name (CN, OU, DC, msDS-...) or an OID (RFC 4514 section 3).
_ATTRIBUTE_TYPE = re.compile(r'^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$')
_RDN_SEPARATORS = ',;'


def check_dn(text, field):
    """Raise ADInputError naming ``field`` unless ``text`` is a DN: RDNs of attribute=value, none empty."""
    rdns = split_dn(text) if isinstance(text, str) and text.strip() else []
    if not rdns or not all(_ATTRIBUTE_TYPE.match(attribute) for rdn in rdns for attribute, _value in rdn):
        raise invalid_dn(field, text)


def split_dn(dn):
    """The RDNs of ``dn``, each a list of (attribute, unescaped value) pairs (RFC 4514)."""
    rdns, rdn = [], []
    attribute, value = None, []   # value: (byte, escaped) pairs, so that only unescaped spaces are trimmed
    index = 0
    while index <= len(dn):
        char = dn[index] if index < len(dn) else ','
        if char == '\\' and index + 1 < len(dn):
            pair = dn[index + 1:index + 3]
            if len(pair) == 2 and all(c in '0123456789abcdefABCDEF' for c in pair):
                value.append((int(pair, 16), True))
                index += 3
            else:
                value.extend((byte, True) for byte in dn[index + 1].encode('utf-8'))
                index += 2
            continue
        if attribute is None and char == '=':
            attribute, value = _unescaped_text(value), []
        elif char in _RDN_SEPARATORS + '+':
            rdn.append((attribute or '', _unescaped_text(value)))
            if char != '+':
                rdns.append(rdn)
                rdn = []
            attribute, value = None, []
        else:
            value.extend((byte, False) for byte in char.encode('utf-8'))
        index += 1
    return rdns


def _unescaped_text(pairs):
    start, end = 0, len(pairs)
    while start < end and pairs[start] == (0x20, False):
        start += 1
    while end > start and pairs[end - 1] == (0x20, False):
        end -= 1
    return bytes(byte for byte, _escaped in pairs[start:end]).decode('utf-8', 'replace')


# A task of many applications compares the same few thousand DNs again and again; the key of each is pure.
@functools.lru_cache(maxsize=16384)
def dn_key(dn):
    """``dn`` in a form that compares equal for every way of writing the same DN.

    The DC answers with its own escaping (``\\3B`` for ``;``, ``\\#`` inside a
    value) and users write ``\\,`` or spaces after commas, so DNs are compared
    as lists of RDNs with their values unescaped and case folded.
    """
    return tuple(tuple(sorted((attribute.lower(), value.casefold()) for attribute, value in rdn))
                 for rdn in split_dn(dn))


def same_dn(first, second):
    return dn_key(first) == dn_key(second)


def _first_rdn_end(dn):
    """Where the first RDN of ``dn`` ends: the first separator that no backslash escapes (len(dn) if none)."""
    index = 0
    while index < len(dn):
        if dn[index] == '\\':
            index += 2
            continue
        if dn[index] in _RDN_SEPARATORS:
            return index
        index += 1
    return len(dn)


def first_rdn(dn):
    """The first RDN as written (``CN=a\\,b``), for renames and moves, which name it that way."""
    return dn[:_first_rdn_end(dn)].strip()


def parent_dn(dn):
    """The parent DN as written: only the first RDN is cut off."""
    return dn[_first_rdn_end(dn) + 1:].strip()


def common_name(dn):
    """The unescaped value of the first RDN (the object's name)."""
    rdns = split_dn(dn[:_first_rdn_end(dn)])  # the first RDN only: its trailing escaped space is kept
    return rdns[0][0][1] if rdns and rdns[0] else ''


def object_dn(name, parent):
    """The DN of the object called ``name`` in ``parent``, its name escaped as RFC 4514 requires."""
    from ldap3.utils.dn import escape_rdn

    return 'CN=%s,%s' % (escape_rdn(name), parent)
