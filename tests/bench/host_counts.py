# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module executions per host of the container_host and kubernetes roles, for N applications on one host.

One WinRM module run costs a second or more on a real Windows host, so what a host pays on every run is the
number of module executions, not their Python. They are counted with the stand-ins (tests/standin, not
Windows, not a cluster), which record every execution in the host's or cluster's state file:

- container_host: one host serving N applications, all domain-joined (the host in their groups) or all outside
  the domain with one plug-in, the smoke test on; the first converge, the no-op re-run and a check-mode run;
- kubernetes: N applications with a kubernetes section (all domain-joined, or all with the Kubernetes-secret
  plug-in and so a Secret each); tasks run and module executions of the converge and the no-op.

    .venv/bin/python tests/bench/host_counts.py                  # N = 1, 10, 100 on the newest core
    .venv/bin/python tests/bench/host_counts.py --sizes 1,10 --core oldest

``host_counts(sizes, core)`` gives the rows; ``table(rows)`` the Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests'))
sys.path.insert(0, str(REPO / 'tests' / 'standin'))

# Imported after the path is set, for what importing it does: it links the collection where the runs find it.
import harness  # noqa: E402,F401  # pylint: disable=unused-import
from standin.clusters import cluster_state  # noqa: E402
from windows_hosts import (  # noqa: E402
    COM_CLASS, PLUGINS, StandInHost, credential_spec, domain_joined, host_state, outside, outside_the_domain,
)
from runner import run_playbook  # noqa: E402


SIZES = (1, 10, 100)
RUNS = ('converge', 'noop', 'check')
KUBERNETES_SECRET_PLUGIN = PLUGINS['rancher']


def application_names(count):
    return ['App%03d' % number for number in range(1, count + 1)]


# ------------------------------------------------------------------ container_host
def domain_joined_host(names):
    state = host_state(ad={'gmsas': names, 'readable': names, 'pending': {}, 'adws_reachable': True}, tickets=names)
    return state, [domain_joined(name) for name in names], {name: credential_spec(name) for name in names}


def host_outside_the_domain(names):
    clsid = PLUGINS['rancher']
    com_class = {'path': COM_CLASS % clsid, 'properties': {}}
    state = outside_the_domain(host_state(registry={com_class['path'].lower(): com_class}))
    return (state, [outside(name, 'rancher') for name in names],
            {name: credential_spec(name, 'rancher') for name in names})


CONTAINER_HOSTS = {'domain-joined host': domain_joined_host, 'host outside the domain': host_outside_the_domain}


def container_host_executions(folder, scenario, count, core):
    """Module executions on the host: {run: count}, each run after the one before it."""
    state, applications, specs = CONTAINER_HOSTS[scenario](application_names(count))
    host = StandInHost(folder, state)
    executions = {}
    for run in RUNS:
        before = len(host.calls())
        done = host.converge(applications, specs, core, check=run == 'check', container_host_smoke_test=True)
        if done.rc != 0:
            raise RuntimeError('container_host, %s, N = %d, %s run failed:\n%s' % (scenario, count, run, done.output))
        executions[run] = len(host.calls()) - before
    return executions


# ------------------------------------------------------------------ kubernetes
def kubernetes_application(name, with_secret):
    application = {'name': name, 'kubernetes': {'namespace': 'web', 'service_accounts': [name.lower()]}}
    if with_secret:
        application.update(domain_joined=False, plugin={'guid': KUBERNETES_SECRET_PLUGIN,
                                                        'input': 'gmsa-system:%s-ccg' % name.lower()})
        application['kubernetes']['secret_namespace'] = 'gmsa-system'
    return application


KUBERNETES = {'domain-joined applications': False, 'applications with a Secret each': True}


def kubernetes_executions(folder, scenario, count, core):
    """{run: (tasks run, module executions in the cluster)} of the converge and the no-op re-run."""
    with_secret = KUBERNETES[scenario]
    names = application_names(count)
    state_file = folder / 'cluster.json'
    state_file.write_text(json.dumps(cluster_state()))
    inventory = folder / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'standin_state': str(state_file)}}}}))
    playbook = folder / 'kubernetes.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'Kubernetes', 'hosts': 'localhost', 'gather_facts': False,
                                         'roles': [{'role': 'wincontainers.gmsa.kubernetes'}]}]))
    variables = folder / 'vars.json'
    variables.write_text(json.dumps({
        'kubernetes_applications': [kubernetes_application(name, with_secret) for name in names],
        'kubernetes_credential_specs': {name: credential_spec(name, 'rancher' if with_secret else None) for name in names},
        'kubernetes_portable_credentials': {name: {'domain': 'gmsa.test', 'username': '%s-ccg' % name,
                                                   'password': 'Portable-Pw-1'} for name in names}}))
    executions = {}
    for run in ('converge', 'noop'):
        before = len(json.loads(state_file.read_text()).get('calls', []))
        done = run_playbook(playbook, inventory, core=core, extra_args=('-e', '@%s' % variables))
        if done.rc != 0:
            raise RuntimeError('kubernetes, %s, N = %d, %s run failed:\n%s' % (scenario, count, run, done.output))
        tasks = sum(1 for _task, _host, result in done.results if not result.get('skipped'))
        executions[run] = (tasks, len(json.loads(state_file.read_text()).get('calls', [])) - before)
    return executions


# ------------------------------------------------------------------ the table
def host_counts(sizes=SIZES, core='newest'):
    """Rows of (role, scenario, N, {run: executions}); for kubernetes each value is (tasks, executions)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix='host-counts.') as temporary:
        for role, scenarios, count_of in (('container_host', CONTAINER_HOSTS, container_host_executions),
                                          ('kubernetes', KUBERNETES, kubernetes_executions)):
            for scenario in scenarios:
                for count in sizes:
                    folder = Path(temporary) / ('%s-%s-%d' % (role, scenario.replace(' ', '-'), count))
                    folder.mkdir()
                    rows.append((role, scenario, count, count_of(folder, scenario, count, core)))
    return rows


def table(rows):
    lines = ['| role | scenario | N | first converge | no-op re-run | check-mode run |',
             '|---|---|---:|---:|---:|---:|']
    for role, scenario, count, runs in rows:
        cells = []
        for run in RUNS:
            value = runs.get(run)
            # kubernetes: tasks run / module executions in the cluster.
            cells.append('' if value is None else '%d / %d' % value if isinstance(value, tuple) else str(value))
        lines.append('| %s | %s | %d | %s |' % (role, scenario, count, ' | '.join(cells)))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default=','.join(str(size) for size in SIZES), help='numbers of applications')
    parser.add_argument('--core', default='newest', choices=('newest', 'oldest'), help='the ansible-core to run')
    args = parser.parse_args(argv)
    rows = host_counts(tuple(int(size) for size in args.sizes.split(',')), args.core)
    print(table(rows))
    print('\ncontainer_host: module executions on the host. kubernetes: tasks run / module executions in the cluster.')


if __name__ == '__main__':
    main()
