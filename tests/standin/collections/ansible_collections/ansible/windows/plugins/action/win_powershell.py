"""Stand-in for ansible.windows.win_powershell: the collection's own scripts, each run by its model.

A script is known by the SHA-256 of its text: its model (standin/common/plugins/plugin_utils/_scripts/) emulates the
script's body statement by statement against the stand-in host's state, with Windows PowerShell's error semantics
(_powershell.py). A script whose text has no model is refused, so a changed script must have its model changed with
it. Its parameters are bound as PowerShell binds them against the script's own param() block and, where the script's
header states what they may hold, held to that. What the real module does around the script follows its source
(ansible.windows 3.3.0 plugins/modules/win_powershell.ps1): a script without [CmdletBinding(SupportsShouldProcess)] is
not run in check mode, and one with it runs with -WhatIf; error_action is the starting error preference; the task
fails on an error that ended the script or on $Ansible.Failed, the error records of the others are in ``error``;
output, result and diff are converted at ``depth``; $Ansible.Diff is the task's diff in diff mode.
"""

from __future__ import annotations

import re

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._powershell import PowerShell, Stop, converted
from ansible_collections.standin.common.plugins.plugin_utils._scripts import digest, models
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


def script_parameters(text):
    """Parameter name -> its declared type ('switch', 'string[]', ...) from the script's param() block."""
    block = re.search(r'^param\s*\((.*?)\)\s*$', text, re.M | re.S | re.I)
    return {name: kind.lower() for kind, name in re.findall(r'(?:\[([\w\[\]]+)\])?\s*\$(\w+)', block.group(1))} if block else {}


def binding_error(declared, given):
    """PowerShell's refusal of a parameter, as the real host would give it, or None."""
    for name, value in given.items():
        if name not in declared:
            return 'A parameter cannot be found that matches parameter name \'%s\'.' % name
        # A string bound to a [switch] is true whatever it says ("False" included): refuse it here.
        if declared[name] == 'switch' and not isinstance(value, bool):
            return 'Cannot convert value %r to type System.Management.Automation.SwitchParameter.' % (value,)
    return None


class ActionModule(StandInAction):
    module = 'ansible.windows.win_powershell'

    def act(self, state, params, check_mode, diff):
        script = params.get('script') or ''
        model = models().get(digest(script))
        if model is None:
            return {'failed': True, 'msg': 'stand-in win_powershell: no model runs this script; a script changed without '
                                           'its model (standin/common/plugins/plugin_utils/_scripts)'}
        parameters = params.get('parameters') or {}
        refused = binding_error(script_parameters(script), parameters)
        if not refused and getattr(model, 'refused', None):
            broken = model.refused(parameters)
            refused = broken and 'stand-in win_powershell: %s is given what its header does not allow: %s' % (model.SCRIPT, broken)
        if refused:
            return {'failed': True, 'msg': refused}
        # win_powershell.ps1 reads the attribute from the script's syntax tree, not from its comments.
        should_process = bool(re.search(r'^\s*\[CmdletBinding\([^)]*SupportsShouldProcess', script, re.M | re.I))
        if check_mode and not should_process:
            return {'changed': True, 'skipped': True, 'msg': 'skipped, running in check mode'}
        ps = PowerShell(WindowsHost(state), check_mode, should_process, params['error_action'])
        failed = False
        try:
            model.run(ps, parameters)
        except Stop as stop:
            failed = True
            ps.errors.append(stop.record)
        depth = params['depth']
        result = {'changed': bool(ps.ansible['Changed']), 'output': converted(ps.output, depth),
                  'result': converted(ps.ansible['Result'], depth), 'host_out': '', 'host_err': '', 'error': ps.errors,
                  'warning': [], 'verbose': [], 'debug': [], 'information': []}
        if failed or ps.ansible['Failed']:
            result['failed'] = True
        # Ansible.Basic returns the diff only in diff mode and only when the script set one.
        if diff and ps.ansible['Diff']:
            result['diff'] = {key: converted(value, depth) for key, value in ps.ansible['Diff'].items()}
        return result
