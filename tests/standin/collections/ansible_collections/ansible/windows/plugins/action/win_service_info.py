"""Stand-in for ansible.windows.win_service_info: the stand-in host's services by name."""

from __future__ import annotations

import fnmatch

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction


class ActionModule(StandInAction):
    module = 'ansible.windows.win_service_info'

    def act(self, state, params, check_mode, diff):
        pattern = (params.get('name') or '*').lower()
        services = [dict({'name': name, 'display_name': name, 'start_mode': 'auto', 'username': 'LocalSystem'}, **service)
                    for name, service in sorted((state.get('services') or {}).items())
                    if fnmatch.fnmatch(name.lower(), pattern)]
        return {'changed': False, 'exists': bool(services), 'services': services}
