"""Stand-in for ansible.windows.win_feature: Windows features of the stand-in host, and the restart they ask for."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction


class ActionModule(StandInAction):
    module = 'ansible.windows.win_feature'

    def act(self, state, params, check_mode, diff):
        features = state.setdefault('features', {})
        unknown = [name for name in params['name'] if name not in features]
        if unknown:
            return {'failed': True, 'msg': 'Failed to find feature(s): %s' % ', '.join(unknown)}
        wanted = params['state'] == 'present'
        to_change = [name for name in params['name'] if features[name]['installed'] != wanted]
        restart = any(features[name].get('restart_needed') for name in to_change)
        if to_change and not check_mode:
            for name in to_change:
                features[name]['installed'] = wanted
            state['reboot_pending'] = state.get('reboot_pending') or restart
        return {'changed': bool(to_change), 'reboot_required': restart,
                'exitcode': 'Success' if to_change else 'NoChangeNeeded',
                'feature_result': [{'display_name': name, 'id': index, 'message': [], 'reboot_required': restart,
                                    'skip_reason': 'NotApplicable', 'success': True}
                                   for index, name in enumerate(to_change)]}
