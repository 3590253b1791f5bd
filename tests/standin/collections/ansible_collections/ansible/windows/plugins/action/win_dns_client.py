"""Stand-in for ansible.windows.win_dns_client: the DNS servers of the stand-in host's adapters."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction


class ActionModule(StandInAction):
    module = 'ansible.windows.win_dns_client'

    def act(self, state, params, check_mode, diff):
        adapters = state.setdefault('dns_servers', {})
        names = list(adapters) if params['adapter_names'] == ['*'] else params['adapter_names']
        unknown = [name for name in names if name not in adapters]
        if unknown:
            # Get-NetAdapter's words when no adapter has the name.
            return {'failed': True, 'msg': "No MSFT_NetAdapter objects found with property 'Name' equal to '%s'" % unknown[0]}
        wanted = list(params['dns_servers'] or [])
        changed = [name for name in names if adapters[name] != wanted]
        if not check_mode:
            for name in changed:
                adapters[name] = wanted
        return {'changed': bool(changed)}
