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

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    CONNECTION_ARGUMENT_SPEC,
    ConnectionSettings,
    directory_for,
    open_directories,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Mode, Options, validation_line

display = Display()

MASK = '********'


class ADActionBase(ActionBase):
    """Subclasses set OPTIONS (their own options, an ``Options``) and implement ``run_ad``, which calls the
    one function that does the module's work with ``self.mode``."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()  # checked by the argument spec instead
    OPTIONS = Options({})
    ARGUMENT_SPEC = {}  # OPTIONS.spec, for the tests that hold the documentation to it

    mode = Mode()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.ARGUMENT_SPEC = cls.OPTIONS.spec

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self.mode = Mode(check=bool(self._task.check_mode), diff=bool(self._task.diff))
        validation = self._validate_options()
        secrets = [value for value in validation._no_log_values if value]
        try:
            if validation.error_messages:
                raise ADInputError(validation_line(validation.error_messages))
            params = validation.validated_parameters
            settings = ConnectionSettings.from_params(params)
            try:
                directory = directory_for(settings)
            except ADInputError:
                raise
            except ADError as exc:
                result.update(self.run_unbound(settings, params, exc))
            else:
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

    def run_unbound(self, settings, params, error):
        """The result when no domain controller could be bound to (``error``, an ADError): that failure itself,
        unless the module has something to say without a directory."""
        raise error

    def _validate_options(self):
        return self.OPTIONS.validator(CONNECTION_ARGUMENT_SPEC).validate(self._task.args)

    @staticmethod
    def _add_traceback(result):
        if display.verbosity >= 3:
            result['exception'] = traceback.format_exc()


def record_usage(action, directory):
    """With GMSA_AD_USAGE_LOG set, append one JSON line per task item: the connection's
    running totals of sockets opened and LDAP operations (for benchmarks and tests).

    ``connections`` has the same totals for every connection the worker holds, so
    that the global catalog connection of the SPN duplicate check is counted too."""
    path = os.environ.get('GMSA_AD_USAGE_LOG')
    if not path:
        return
    sockets_opened, operations = directory.usage()
    line = {'action': action, 'server': str(directory.candidate), 'pid': os.getpid(),
            'sockets_opened': sockets_opened, 'operations': operations,
            'connections': [_usage_of(held) for held in open_directories()]}
    with open(path, 'a', encoding='utf-8') as log:
        log.write(json.dumps(line) + '\n')


def _usage_of(directory):
    sockets_opened, operations = directory.usage()
    return {'server': str(directory.candidate), 'port': directory.settings.port,
            'sockets_opened': sockets_opened, 'operations': operations}


def scrub(value, secrets):
    """Replace every secret value in strings anywhere in ``value`` (a last guard, not the first)."""
    if not secrets:
        return value
    # Many applications bring hundreds of passwords: first find the few, if any, that occur at all.
    text = '\0'.join(_strings(value))
    return _masked(value, [secret for secret in secrets if secret in text])


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _masked(value, secrets):
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {key: _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_masked(item, secrets) for item in value)
    return value
