"""Stand-in for ansible.windows.setup: the facts of the subsets asked for, from the host's state."""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction

# The subsets setup.ps1 groups as "network" and "min"; the stand-in keeps facts for a few of them.
GROUPS = {'network': {'all_ipv4_addresses', 'all_ipv6_addresses', 'interfaces', 'windows_domain', 'winrm'},
          'min': {'date_time', 'distribution', 'dns', 'env', 'local', 'platform', 'powershell_version', 'user'}}


def wanted_subsets(gather_subset):
    everything = set().union(*GROUPS.values())
    wanted, excluded = set(), set()
    for item in gather_subset:
        target = excluded if item.startswith('!') else wanted
        name = item.lstrip('!')
        target.update(everything if name == 'all' else GROUPS.get(name, {name}))
    if not wanted:
        wanted = everything
    return wanted - (excluded - {item for item in gather_subset if not item.startswith('!')})


def distribution(state):
    """setup.ps1's distribution facts: [Environment]::OSVersion.Version of the host's build."""
    return {'ansible_distribution_version': '10.0.%d.0' % state.get('os_build', 20348), 'ansible_distribution_major_version': '10',
            'ansible_os_family': 'Windows', 'ansible_os_product_type': 'server'}


class ActionModule(StandInAction):
    module = 'ansible.windows.setup'
    returns_facts = True

    def act(self, state, params, check_mode, diff):
        facts = {'gather_subset': params['gather_subset'], 'module_setup': True}
        subsets = dict(state.get('facts') or {}, distribution=distribution(state))
        for subset, values in subsets.items():
            if subset in wanted_subsets(params['gather_subset']):
                facts.update(values)
        return {'changed': False, 'ansible_facts': facts}
