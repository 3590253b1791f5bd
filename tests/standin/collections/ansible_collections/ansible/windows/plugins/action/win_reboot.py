"""Stand-in for ansible.windows.win_reboot: a restart clears the pending reboot and renews the host's tickets."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(StandInAction):
    module = 'ansible.windows.win_reboot'
    check_mode = True  # the real action plugin answers check mode itself, with these values

    def act(self, state, params, check_mode, diff):
        if check_mode:
            return {'changed': True, 'elapsed': 0, 'rebooted': True}
        state['reboot_pending'] = False
        state['reboots'] = state.get('reboots', 0) + 1
        WindowsHost(state).refresh_tickets()
        return {'changed': True, 'elapsed': 42, 'rebooted': True}
