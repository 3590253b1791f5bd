# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The two kinds of failure every layer raises: one already worded for the user, and bad input that names
its option. They depend on nothing; what the directory answered is worded in ``_ldap._errors``."""

from __future__ import annotations


class ADError(Exception):
    """A failure already worded for the user: the message is shown as it is."""


class ADInputError(ADError):
    """Bad input, found before anything was written.

    ``option`` is the option at fault as the user wrote it (``members``, ``spns.add``), when the
    message is about one: the line then reads ``option: detail``. An action that passes its options
    on to another one names them inside its own with ``within``.
    """

    def __init__(self, detail, option=None):
        self.detail = detail
        self.option = option
        super().__init__('%s: %s' % (option, detail) if option else detail)

    def within(self, field):
        """This error as the calling action's option ``field`` holds it: ``field.option`` or ``field: message``."""
        if self.option:
            return ADInputError(self.detail, '%s.%s' % (field, self.option))
        return ADInputError(str(self), field)


EXAMPLE_DN = 'OU=Groups,DC=contoso,DC=com'


def invalid_dn(field, text):
    """An option that should be a distinguished name and does not read as one."""
    return ADInputError('%s is not a valid distinguished name (such as %s)' % (as_written(text), EXAMPLE_DN), field)


def refused_dn(field, text):
    """A DN option that reads as one here but that the domain controller cannot parse (invalidDNSyntax),
    for example one with a multi-valued RDN."""
    return ADInputError('%s is not a valid distinguished name for the domain controller, which cannot parse it '
                        '(invalidDNSyntax); give the DN of an existing OU or container, such as %s'
                        % (as_written(text), EXAMPLE_DN), field)


def as_written(text):
    """Quoted as the user wrote it (backslash escapes of a DN not doubled), only control characters escaped
    so that the message stays one line."""
    return "'%s'" % ''.join(char if char.isprintable() else repr(char)[1:-1] for char in str(text))
