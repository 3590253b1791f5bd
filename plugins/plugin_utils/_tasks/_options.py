# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""A task's options and the mode it runs in, for the action that checks them and for the coordinator that
passes a part of its own options on to another task."""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError


@dataclass(frozen=True)
class Mode:
    """Check mode (read and plan, write nothing) and diff mode (say what changes)."""
    check: bool = False
    diff: bool = False


@dataclass(frozen=True)
class Options:
    """One task's argument spec and the rules between its options."""
    spec: dict
    mutually_exclusive: list = field(default_factory=list)
    required_together: list = field(default_factory=list)
    required_if: list = field(default_factory=list)
    required_one_of: list = field(default_factory=list)

    def validator(self, extra_spec=None):
        return ArgumentSpecValidator(dict(extra_spec or {}, **self.spec), mutually_exclusive=self.mutually_exclusive,
                                     required_together=self.required_together, required_if=self.required_if,
                                     required_one_of=self.required_one_of)

    def checked(self, args, field_name):
        """``args`` checked against these options and completed with their defaults; a problem is named by
        ``field_name``, the option of the calling task that holds ``args`` (None: its own top-level options)."""
        validation = self.validator().validate(given(args))
        if validation.error_messages:
            raise ADInputError(validation_line(validation.error_messages, field_name))
        return validation.validated_parameters

    def subset(self, *names, **overrides):
        """The spec of the options ``names``, with ``overrides`` added or replacing, for a task that offers
        them as its own."""
        chosen = {name: overrides.get(name, self.spec[name]) for name in names}
        return dict(chosen, **{name: spec for name, spec in overrides.items() if name not in chosen})


def validation_line(messages, field_name=None):
    """The argument check's messages as one line, each prefixed by ``field_name`` when given. Ansible's check words
    one wrong type up to three times (its no_log check fails on it too): a message another one holds is left out."""
    kept = [message for message in messages if not any(message in other for other in messages if other != message)]
    return '; '.join('%s%s' % ('%s: ' % field_name if field_name else '', message) for message in kept)


def given(args):
    """``args`` without the options left out (None), at every depth: validated options come back with every
    sub-option, and a None ``add`` next to a ``set`` would count as both given."""
    if isinstance(args, dict):
        return {name: given(value) for name, value in args.items() if value is not None}
    return args
