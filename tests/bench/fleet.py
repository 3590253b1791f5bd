# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The container_host role over a fleet: 200 stand-in Windows hosts serving 50 applications each, forks 20.

On real hosts a WinRM round trip costs a second or more; what this measures is the rest, what the controller pays
per host: templating, the plan filter, task orchestration and the forks, with the stand-ins (tests/standin) in place
of WinRM. Each host is domain-joined and already in its gMSAs' groups. Runs: the first converge, the no-op re-run,
a check-mode run, and the canary (tasks_from: canary) on every host. Figures: wall seconds, CPU seconds of the
ansible-playbook process tree (the controller and its forks, the stand-in modules included), CPU per host, module
executions per host, and the tree's peak memory (PSS).

    tests/bench/run fleet                                   # 200 hosts, 50 applications, forks 20, newest core
    tests/bench/run fleet --hosts 20 --applications 5       # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(REPO / 'tests'))
sys.path.insert(0, str(REPO / 'tests' / 'standin'))

# Imported for what importing it does: it links the collection where the runs find it.
import harness  # noqa: E402,F401  # pylint: disable=unused-import
from benchmark import measure  # noqa: E402
from runner import VIRTUALENVS, playbook_command  # noqa: E402
from windows_hosts import StandInHost, credential_spec, domain_joined, host_state  # noqa: E402

RESULTS = BENCH / 'results'
RUNS = (('converge', 'first converge', ()), ('noop', 'no-op re-run', ()), ('check', 'check-mode run', ('--check',)),
        ('canary', 'the canary', ()))


def application_names(count):
    return ['Fleet%03d' % number for number in range(1, count + 1)]


def fleet(folder, hosts, applications):
    """The hosts' state files and one inventory of them all, in the group their applications name."""
    names = application_names(applications)
    state = host_state(ad={'gmsas': names, 'readable': names, 'pending': {}, 'adws_reachable': True}, tickets=names)
    members = {}
    for number in range(1, hosts + 1):
        name = 'win%03d.example.net' % number
        (folder / name).mkdir()
        host = StandInHost(folder / name, state, name=name)
        members[name] = {'ansible_connection': 'standin.common.host', 'ansible_shell_type': 'powershell',
                         'standin_state': str(host.state_file)}
    (folder / 'inventory.yml').write_text(yaml.safe_dump({'all': {'children': {'container_hosts': {'hosts': members}}}}))
    (folder / 'vars.yml').write_text(yaml.safe_dump({
        'container_host_applications': [domain_joined(name) for name in names],
        'container_host_credential_specs': {name: credential_spec(name) for name in names}}))
    for playbook, tasks_from in (('converge.yml', 'main'), ('canary.yml', 'canary')):
        (folder / playbook).write_text(yaml.safe_dump([{
            'name': 'Container hosts', 'hosts': 'container_hosts', 'gather_facts': False,
            'tasks': [{'name': 'The container_host role', 'ansible.builtin.include_role': {
                'name': 'wincontainers.gmsa.container_host', 'tasks_from': tasks_from}}]}]))
    return [folder / name / ('%s.json' % name) for name in members]


def executions(state_files):
    return sum(len(json.loads(path.read_text()).get('calls', [])) for path in state_files)


def run(folder, state_files, playbook, args, forks, core):
    argv, env = playbook_command(folder / playbook, folder / 'inventory.yml', core=core, callback='default',
                                 extra_args=('-f', str(forks), '-e', '@%s' % (folder / 'vars.yml'), *args))
    before = executions(state_files)
    status, stdout, stderr, wall, cpu, peaks = measure(argv, env, cwd=str(folder))
    if status != 0:
        raise RuntimeError('%s %s failed:\n%s' % (playbook, ' '.join(args), (stdout + stderr)[-4000:]))
    hosts = len(state_files)
    return {'wall_s': round(wall, 1), 'cpu_s': round(cpu, 1), 'cpu_per_host_ms': round(cpu / hosts * 1000),
            'executions_per_host': (executions(state_files) - before) / hosts, 'peak_pss_mb': round(peaks[1] / 1024)}


def table(figures, meta):
    lines = ['| run | wall s | controller CPU s | CPU per host ms | module executions per host | peak PSS MB (tree) |',
             '|---|---:|---:|---:|---:|---:|']
    for key, title, _args in RUNS:
        row = figures[key]
        lines.append('| %s | %.1f | %.1f | %d | %g | %d |' % (
            title, row['wall_s'], row['cpu_s'], row['cpu_per_host_ms'], row['executions_per_host'], row['peak_pss_mb']))
    lines.append('')
    lines.append('%(hosts)d stand-in hosts, %(applications)d applications each, forks %(forks)d, ansible-core %(core)s; '
                 '%(cpus)d CPUs, Python %(python)s, %(date)s.' % meta)
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=200)
    parser.add_argument('--applications', type=int, default=50)
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--core', default='newest', choices=('newest', 'oldest'))
    args = parser.parse_args(argv)
    core = subprocess.run([str(VIRTUALENVS[args.core] / 'bin' / 'python'), '-c',
                           'import ansible.release; print(ansible.release.__version__)'],
                          capture_output=True, text=True, check=True).stdout.strip()
    meta = {'hosts': args.hosts, 'applications': args.applications, 'forks': args.forks, 'core': core,
            'cpus': os.cpu_count(), 'python': platform.python_version(), 'date': time.strftime('%Y-%m-%d')}
    figures = {}
    with tempfile.TemporaryDirectory(prefix='fleet.') as temporary:
        folder = Path(temporary)
        state_files = fleet(folder, args.hosts, args.applications)
        for key, title, extra in RUNS:
            playbook = 'canary.yml' if key == 'canary' else 'converge.yml'
            figures[key] = run(folder, state_files, playbook, extra, args.forks, args.core)
            print('%s: %s' % (title, figures[key]), flush=True)
    markdown = table(figures, meta)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / 'fleet.md').write_text(markdown + '\n')
    (RESULTS / 'fleet.json').write_text(json.dumps({'meta': meta, 'figures': figures}, indent=1) + '\n')
    print(markdown)


if __name__ == '__main__':
    main()
