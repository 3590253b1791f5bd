"""What every stand-in module does before and after its own behaviour.

1. validate the task's arguments against the real module's documented options;
2. in check mode, skip as the real module's wrapper does when it does not support it;
3. take the stand-in machine's state (``standin_state``, a host variable naming its JSON file),
   record the execution and apply a fault the test asked for;
4. let the subclass act on the state (``act``); a connection lost on the way keeps what it did;
5. refuse a result key the real module does not document.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.standin.common.plugins.plugin_utils._module_docs import ModuleDocs, StandInArgumentError
from ansible_collections.standin.common.plugins.plugin_utils._state import ConnectionLost, StandInState


class StandInAction(ActionBase):
    module = ''            # the real module's FQCN
    returns_facts = False  # whether the real module returns ansible_facts
    returns_objects = ()   # return keys documented as whole API objects (see ModuleDocs.check_return)
    check_mode = None      # whether the real module runs in check mode; None: as its source declares

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        docs = ModuleDocs.of(self.module)
        try:
            params = docs.validated(self.module_args(dict(self._task.args)))
        except StandInArgumentError as error:
            return {'failed': True, 'msg': str(error)}
        check_mode = bool(self._task.check_mode)
        supported = docs.supports_check_mode if self.check_mode is None else self.check_mode
        if check_mode and not supported:
            return {'changed': False, 'skipped': True, 'msg': 'remote module (%s) does not support check mode' % docs.short_name}
        path = (task_vars or {}).get('standin_state')
        if not path:
            return {'failed': True, 'msg': 'stand-in: the host has no standin_state variable naming its state file'}
        with StandInState(path) as state:
            state.record(self.module, params, check_mode)
            result = state.take_fault(self.module, params)
            if result is None:
                try:
                    result = self.act(state.data, params, check_mode, bool(self._task.diff))
                except ConnectionLost:
                    return {'unreachable': True, 'msg': 'stand-in: the connection to the host was lost (%s)' % self.module}
        docs.check_return(result, facts=self.returns_facts, objects=self.returns_objects)
        return result

    def network_identity(self):
        """The account the task reaches network shares as. Over WinRM none: a share is a second hop the host has no
        credentials for; unless the task becomes an account with runas for the network only (logon_flags
        netcredentials_only), as ansible.windows.win_package documents for an installer on a share."""
        context = self._play_context
        if context.become and 'netcredentials_only' in (context.become_flags or '').lower():
            return context.become_user
        return None

    def module_args(self, args):
        """The arguments the real module receives: where the real module has an action plugin, what it hands on."""
        return args

    def act(self, state, params, check_mode, diff):
        raise NotImplementedError
