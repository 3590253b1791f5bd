"""Stand-in for ansible.windows.win_feature_info: the Windows features of the stand-in host."""

from __future__ import annotations

import fnmatch

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction


class ActionModule(StandInAction):
    module = 'ansible.windows.win_feature_info'

    def act(self, state, params, check_mode, diff):
        pattern = (params.get('name') or '*').lower()
        features = [{'name': name, 'display_name': name, 'installed': feature['installed'],
                     'install_state': 'Installed' if feature['installed'] else 'Available'}
                    for name, feature in sorted((state.get('features') or {}).items()) if fnmatch.fnmatch(name.lower(), pattern)]
        return {'changed': False, 'exists': bool(features), 'features': features}
