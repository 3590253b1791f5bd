# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""What every AD-side action plugin does around its own work: validate the
options, reach the domain controller, turn failures into one line, and make
sure no secret leaves in the result."""

from __future__ import annotations

import json
import os
import traceback

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._connection import (
    CONNECTION_ARGUMENT_SPEC,
    ConnectionSettings,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._directory import _OPEN_DIRECTORIES, directory_for
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError

display = Display()

MASK = '********'


class ADActionBase(ActionBase):
    """Subclasses set ARGUMENT_SPEC (their own options) and implement ``run_ad``."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()  # checked by the argument spec instead
    ARGUMENT_SPEC = {}
    MUTUALLY_EXCLUSIVE = []
    REQUIRED_TOGETHER = []
    REQUIRED_IF = []

    check_mode = False
    diff_mode = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self.check_mode, self.diff_mode = bool(self._task.check_mode), bool(self._task.diff)
        validation = self._validate_options()
        secrets = [value for value in validation._no_log_values if value]
        try:
            if validation.error_messages:
                raise ADInputError(validation_line(validation.error_messages))
            params = validation.validated_parameters
            directory = directory_for(ConnectionSettings.from_params(params))
            directory.accounts_read.forget()
            result.update(self.run_ad(directory, params))
            record_usage(self._task.action, directory)
        except ADError as exc:
            result.update(failed=True, msg=str(exc))
            self._add_traceback(result)
        except Exception as exc:  # a defect: still one line, the traceback only with -vvv
            result.update(failed=True, msg='unexpected %s: %s (run with -vvv for the traceback)'
                          % (type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else ''))
            self._add_traceback(result)
        return scrub(result, secrets)

    def run_ad(self, directory, params):
        raise NotImplementedError

    @classmethod
    def as_step(cls, check_mode, diff_mode):
        """This action's own work without a task of its own, for an action that runs it as one of its
        steps: ``as_step(...).run_ad(directory, cls.step_params(args, field))``."""
        step = cls.__new__(cls)  # run_ad needs no task, connection or loader
        step.check_mode, step.diff_mode = check_mode, diff_mode
        return step

    @classmethod
    def step_params(cls, args, field):
        """``args`` checked against this action's own options and completed with their defaults; a
        problem is named by ``field``, the option of the calling action that holds ``args`` (None: its own
        top-level options)."""
        validation = ArgumentSpecValidator(cls.ARGUMENT_SPEC, mutually_exclusive=cls.MUTUALLY_EXCLUSIVE,
                                           required_together=cls.REQUIRED_TOGETHER,
                                           required_if=cls.REQUIRED_IF).validate(given(args))
        if validation.error_messages:
            raise ADInputError(validation_line(validation.error_messages, field))
        return validation.validated_parameters

    def _validate_options(self):
        spec = dict(CONNECTION_ARGUMENT_SPEC, **self.ARGUMENT_SPEC)
        validator = ArgumentSpecValidator(spec, mutually_exclusive=self.MUTUALLY_EXCLUSIVE,
                                          required_together=self.REQUIRED_TOGETHER,
                                          required_if=self.REQUIRED_IF)
        return validator.validate(self._task.args)

    @staticmethod
    def _add_traceback(result):
        if display.verbosity >= 3:
            result['exception'] = traceback.format_exc()


def validation_line(messages, field=None):
    """The argument check's messages as one line, each prefixed by ``field`` when given. Ansible's check words one
    wrong type up to three times (its no_log check fails on it too): a message another one holds is left out."""
    kept = [message for message in messages if not any(message in other for other in messages if other != message)]
    return '; '.join('%s%s' % ('%s: ' % field if field else '', message) for message in kept)


def given(args):
    """``args`` without the options left out (None), at every depth: validated options come back with every
    sub-option, and a None ``add`` next to a ``set`` would count as both given."""
    if isinstance(args, dict):
        return {name: given(value) for name, value in args.items() if value is not None}
    return args


def record_usage(action, directory):
    """With GMSA_AD_USAGE_LOG set, append one JSON line per task item: the connection's
    running totals of sockets opened and LDAP operations (for benchmarks and tests).

    ``connections`` has the same totals for every connection the worker holds, so
    that the global catalog connection of the SPN duplicate check is counted too."""
    path = os.environ.get('GMSA_AD_USAGE_LOG')
    if not path:
        return
    usage = directory.connection.usage
    line = {'action': action, 'server': str(directory.candidate), 'pid': os.getpid(),
            'sockets_opened': usage.open_sockets, 'operations': usage.operations,
            'connections': [{'server': str(held.candidate), 'port': held.settings.port,
                             'sockets_opened': held.connection.usage.open_sockets,
                             'operations': held.connection.usage.operations}
                            for held in _OPEN_DIRECTORIES.values()]}
    with open(path, 'a', encoding='utf-8') as log:
        log.write(json.dumps(line) + '\n')


def scrub(value, secrets):
    """Replace every secret value in strings anywhere in ``value`` (a last guard, not the first)."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(item, secrets) for item in value)
    return value
