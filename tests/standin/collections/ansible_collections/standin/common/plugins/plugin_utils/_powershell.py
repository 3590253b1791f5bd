"""Windows PowerShell 5.1 as ansible.windows.win_powershell runs a script: what the stand-in's script models run on.

Each model (``_scripts/``) emulates one of the collection's scripts statement by statement, against the stand-in
host's state, and names the script line of each statement; this module is how Windows PowerShell treats what goes
wrong on the way (tests/standin/windows_facts.yml names the sources):

- a cmdlet that fails writes an error record and the script goes on (a non-terminating error), unless the error
  preference is Stop: then it ends the script (ActionPreferenceStopException);
- a .NET method that throws, or a method called on $null, ends its statement; outside a try block and without Stop
  the script goes on with the next statement;
- in a try block both go to its catch; a try without catch runs its finally, and a statement-terminating error then
  goes on after the try statement, as it would have without the try;
- ``throw`` ends the script unless a catch takes it;
- win_powershell fails the task when the script ended on an error or set ``$Ansible.Failed``; the records of the
  other errors are in ``error`` and the task is ok (its ``error_action`` defaults to continue);
- output, ``$Ansible.Result`` and ``$Ansible.Diff`` are converted at ``depth`` (2 unless the task says): what lies
  deeper becomes its text, an array joined with spaces (Convert-OutputObject in win_powershell.ps1).
"""

from __future__ import annotations

import contextlib

# Format-Exception's hresult of each .NET exception the models raise.
HRESULTS = {
    'System.Exception': -2146233088,
    'System.UnauthorizedAccessException': -2147024891,
    'System.Security.SecurityException': -2146233078,
    'System.InvalidOperationException': -2146233079,
    'System.ArgumentException': -2147024809,
    'System.IO.IOException': -2146232800,
    'System.ComponentModel.Win32Exception': -2147467259,
    'System.Management.Automation.RuntimeException': -2146233087,
    'System.Management.Automation.MethodInvocationException': -2146233087,
    'System.Management.Automation.ItemNotFoundException': -2146233087,
    'System.Management.Automation.ActionPreferenceStopException': -2146233087,
    'System.Management.Automation.CommandNotFoundException': -2146233087,
}
NULL_METHOD_CALL = 'You cannot call a method on a null-valued expression.'


class Failure(Exception):
    """What Windows refused, as the .NET exception it raises: its message, type and error id."""

    def __init__(self, message, exception_type='System.Exception', error_id='', category='NotSpecified'):
        super().__init__(message)
        self.exception_type = exception_type
        self.error_id = error_id or exception_type.rsplit('.', 1)[-1]
        self.category = category


class Stop(Exception):
    """An error on its way out of a statement ('statement') or of the script ('script'), until a catch takes it."""

    def __init__(self, record, kind):
        super().__init__(record['exception']['message'])
        self.record = record
        self.kind = kind


def error_record(message, exception_type, error_id, category, line, code):
    """An error record as win_powershell returns it in ``error``."""
    return {'output': '%s\r\nAt line:%d char:1\r\n+ %s\r\n' % (message, line, code),
            'error_details': None, 'target_object': None, 'fully_qualified_error_id': error_id,
            'exception': {'message': message, 'type': exception_type, 'help_link': None, 'source': 'System.Management.Automation',
                          'hresult': HRESULTS.get(exception_type, -2146233088), 'inner_exception': None},
            'category_info': {'category': category, 'category_id': 0, 'activity': '', 'reason': exception_type.rsplit('.', 1)[-1],
                              'target_name': '', 'target_type': ''},
            'script_stack_trace': 'at <ScriptBlock>, <No file>: line %d' % line, 'pipeline_iteration_info': []}


class PowerShell:
    """One run of a script: its error preference, its error records and output, and $Ansible."""

    def __init__(self, host, check_mode=False, should_process=False, error_action='continue'):
        self.host = host
        # win_powershell's error_action is the script's starting $ErrorActionPreference.
        self.preference = {'stop': 'Stop', 'silently_continue': 'SilentlyContinue'}.get(error_action, 'Continue')
        self.strict = False
        # In check mode a script that supports ShouldProcess runs with -WhatIf; ShouldProcess then answers false.
        self.what_if = check_mode and should_process
        self.errors = []
        self.output = []
        self.ansible = {'Changed': True, 'Failed': False, 'Diff': {}, 'Result': {}}
        self.lines = []
        self.last_exit_code = None
        self._tries = 0

    # ------------------------------------------------------------------ statements
    def stop_on_errors(self, line, code):
        """$ErrorActionPreference = 'Stop'."""
        self.lines.append(line)
        self.preference = 'Stop'

    def strict_mode(self, line, code):
        """Set-StrictMode -Version 2.0: a variable or property that does not exist is an error, not $null."""
        self.lines.append(line)
        self.strict = True

    def run(self, line, code, action=None):
        """A statement nothing in the model can make fail; its value."""
        self.lines.append(line)
        return action() if action else None

    def cmdlet(self, line, code, action, error_action=None):
        """A cmdlet: its failure is a non-terminating error, unless Stop (the preference or -ErrorAction) ends the
        script with it."""
        self.lines.append(line)
        try:
            return action()
        except Failure as failure:
            record = error_record(str(failure), failure.exception_type, failure.error_id, failure.category, line, code)
            preference = error_action or self.preference
            if preference == 'Stop':
                raise Stop(record, 'script') from None
            if preference == 'Continue':
                self.errors.append(record)
            return None

    def method(self, line, code, action, name=None, arguments=0):
        """A .NET method: what it throws ends the statement (the script, under Stop), wrapped as PowerShell wraps a
        method's exception: 'Exception calling "Name" with "n" argument(s): "..."'."""
        self.lines.append(line)
        try:
            return action()
        except Failure as failure:
            message, exception_type = str(failure), failure.exception_type
            if name and message != NULL_METHOD_CALL:
                message = 'Exception calling "%s" with "%d" argument(s): "%s"' % (name, arguments, message)
                exception_type = 'System.Management.Automation.MethodInvocationException'
            self.statement_error(error_record(message, exception_type, failure.error_id, failure.category, line, code))
            return None

    def statement_error(self, record):
        if self.preference == 'Stop':
            raise Stop(record, 'script')
        if self._tries:
            raise Stop(record, 'statement')
        self.errors.append(record)

    def throw(self, line, code, message):
        self.lines.append(line)
        raise Stop(error_record(message, 'System.Management.Automation.RuntimeException', message, 'OperationStopped',
                                line, code), 'script')

    def try_(self, line, code, body, catch=None, finally_=None):
        """try { body } catch { catch($_) } finally { finally_ }. A lost connection passes through all of it: the
        script stops where it is."""
        self.lines.append(line)
        self._tries += 1
        caught = None
        try:
            body()
        except Stop as stop:
            caught = stop
        finally:
            self._tries -= 1
        pending = None
        if caught is not None:
            if catch is not None:
                try:
                    catch(caught.record)
                except Stop as stop:
                    pending = stop
            elif caught.kind == 'statement':
                self.statement_error(caught.record)
            else:
                pending = caught
        if finally_ is not None:
            finally_()
        if pending is not None:
            raise pending

    def rethrow(self, line, code, record):
        """``throw`` alone in a catch block: the error it caught goes on out."""
        self.lines.append(line)
        raise Stop(record, 'script')

    def native(self, line, code, action, merged_stderr=False):
        """A native program, ``action`` giving (exit code, stdout lines, stderr lines); $LASTEXITCODE is its exit code.
        A program that is not there ends the statement (CommandNotFoundException). With 2>&1, Windows PowerShell 5.1
        makes each stderr line an error record: under Stop the first one ends the script (NativeCommandError)."""
        self.lines.append(line)
        try:
            exit_code, stdout, stderr = action()
        except Failure as failure:
            self.statement_error(error_record(str(failure), failure.exception_type, failure.error_id, failure.category,
                                              line, code))
            return None
        self.last_exit_code = exit_code
        if merged_stderr and stderr and self.preference == 'Stop':
            raise Stop(error_record(stderr[0], 'System.Management.Automation.RemoteException', 'NativeCommandError',
                                    'NotSpecified', line, code), 'script')
        return stdout + (stderr if merged_stderr else [])

    @contextlib.contextmanager
    def function_scope(self):
        """A function's own scope: an $ErrorActionPreference it sets ends with it."""
        preference = self.preference
        try:
            yield
        finally:
            self.preference = preference

    def should_process(self, line, code):
        self.lines.append(line)
        return not self.what_if

    def emit(self, value):
        self.output.append(value)

    @staticmethod
    def on(value):
        """The object a method is called on: $null refuses every call."""
        if value is None:
            raise Failure(NULL_METHOD_CALL, 'System.Management.Automation.RuntimeException', 'InvokeMethodOnNull')
        return value


# ---------------------------------------------------------------------- what win_powershell returns
class PSCustomObject(dict):
    """[pscustomobject]@{...}: [string] of it is @{key=value; ...}."""


class Hashtable(dict):
    """@{...}: [string] of it is its type name."""


def as_text(value):
    """[string]$value, as PowerShell converts it."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, PSCustomObject):
        return '@{%s}' % '; '.join('%s=%s' % (key, as_text(item)) for key, item in value.items())
    if isinstance(value, dict):
        return 'System.Collections.Hashtable'
    if isinstance(value, (list, tuple)):
        # $OFS (a space) between the items, each item's own ToString().
        return ' '.join('System.Object[]' if isinstance(item, (list, tuple)) else as_text(item) for item in value)
    return str(value)


def converted(value, depth):
    """Convert-OutputObject of win_powershell.ps1: strings and value types as they are; below depth 0, the text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if depth < 0:
        return as_text(value)
    if isinstance(value, (list, tuple)):
        return [converted(item, depth - 1) for item in value]
    return {key: converted(item, depth - 1) for key, item in value.items()}
