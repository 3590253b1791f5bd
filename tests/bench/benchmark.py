# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The converge-cost benchmark of docs/performance.md, run against the lab domain controller.

For N applications (each a group, a gMSA with three SPNs and a credential
spec file) it times the first converge, the no-op re-run and the check-mode
run of tests/bench/converge.yml, the same playbook with an action that does
nothing (what Ansible alone costs), and Samba's own
``samba-tool service-account create`` / ``view`` of the same N gMSAs, and the DC alone adding
the same objects over one raw LDAP connection (the floor of any client). It
counts LDAP operations and sockets from GMSA_AD_USAGE_LOG, samples the memory
of the ansible-playbook process tree, and writes a Markdown and a JSON table
and a plot.

    tests/bench/run                      # N = 1, 10, 100, best of 3
    tests/bench/run --sizes 1,10 --repeat 1
    tests/bench/run --profile            # also py-spy of the converge and no-op runs at the largest N

Objects are named bnch001..bnchNNN (groups bnchNNNHosts); whatever a previous
run left is removed first, and everything is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(REPO / 'tests'))

from lab_dc import LabDC  # noqa: E402  (after the path is set)

PREFIX = 'bnch'
PLAYBOOK = BENCH / 'converge.yml'
RESULTS = BENCH / 'results'
RAW = RESULTS / 'raw'
PLOT = REPO / 'docs' / 'images' / 'benchmark.png'
COLLECTIONS = REPO / 'tests' / 'output' / 'collections'
MODULES = ('wincontainers.gmsa.application',)
# Its time per item is compared with samba-tool's per gMSA (which makes no group and no credential spec).
GMSA_TASK = "Each application's group, gMSA and credential spec file"
OBJECTS_PER_APPLICATION = 3  # group, gMSA, credential spec

# The runs, in the order they are made for each N, and what each is compared with.
RUNS = {
    'converge': 'first converge',
    'noop': 'no-op re-run',
    'check': 'check-mode run',
    'ansible': 'Ansible alone (no-op action, same loops)',
    'samba_create': 'samba-tool service-account create',
    'samba_view': 'samba-tool service-account view',
    'dc_alone': 'the DC alone: the same adds over one raw LDAP connection',
}
SAMBA_PEER = {'converge': 'samba_create', 'noop': 'samba_view', 'check': 'samba_view', 'dc_alone': 'samba_create'}

TARGET_N = 100  # the targets are set for 100 applications


@dataclass
class Measurement:
    run: str
    n: int
    wall_s: float
    cpu_s: float                    # the client's: the process tree, or this script for the DC alone
    peak_rss_mb: float = 0.0       # the whole process tree, summed (counts shared pages in every process)
    peak_pss_mb: float = 0.0       # the whole process tree, shared pages divided among their users
    max_process_rss_mb: float = 0.0
    ldap_operations: int | None = None
    sockets_opened: int | None = None
    changed: int | None = None
    load_average: float = 0.0
    dc_cpu_s: float | None = None   # the lab DC's own processes, over the same run
    task_seconds: dict = field(default_factory=dict)   # task name -> wall seconds (ansible.posix.profile_tasks)
    all_wall_s: list = field(default_factory=list)


# ------------------------------------------------------------------ the applications
def application_names(n):
    return ['%s%03d' % (PREFIX, index) for index in range(1, n + 1)]


def write_inventory(n, dns_domain):
    """gmsa_applications as docs/data-model.md describes them: one extra SPN each (three with the two host SPNs)."""
    output = RAW / ('credential-specs-%d' % n)
    applications = [{'name': name, 'spns': ['http/%s.%s' % (name, dns_domain)]} for name in application_names(n)]
    path = RAW / ('applications-%d.json' % n)
    path.write_text(json.dumps({'gmsa_applications': applications, 'gmsa_output_dir': str(output)}, indent=1))
    return path


# ------------------------------------------------------------------ the lab
class Lab:
    def __init__(self):
        self.dc = LabDC.start()
        self.domain_dn = self.dc.domain_dn
        self.dns_domain = self.dc.env['GMSA_AD_DOMAIN']

    def dc_cpu_seconds(self):
        """CPU seconds the lab DC's processes have used so far: the samba process tree, reaped children included."""
        import psutil

        root = psutil.Process(int((Path(self.dc.env['GMSA_LAB_DIR']) / 'run' / 'samba.pid').read_text()))
        total = 0.0
        for process in [root] + root.children(recursive=True):
            try:
                times = process.cpu_times()
            except psutil.Error:  # a worker that ended meanwhile is counted in its parent's children times
                continue
            total += times.user + times.system + times.children_user + times.children_system
        return total

    def leftovers(self):
        """DNs of every object this benchmark may have made (gMSAs and their groups), read from the DC's database."""
        entries = self.dc.ldbsearch(self.domain_dn, '(sAMAccountName=%s*)' % PREFIX, ['sAMAccountName'])
        return sorted(entries)

    def clean(self):
        dns = self.leftovers()
        for start in range(0, len(dns), 100):
            subprocess.run(self.dc.in_lab_net(['ldbdel', '-H', 'ldap://' + self.dc.env['GMSA_AD_SERVER'],
                                               '-A', self.dc.env['GMSA_LAB_AUTH_FILE'], *dns[start:start + 100]]),
                           check=True, capture_output=True, text=True)
        left = self.leftovers()
        if left:
            raise SystemExit('could not remove %s' % ', '.join(left))
        for folder in RAW.glob('credential-specs-*'):
            shutil.rmtree(folder)

    def raw_connection(self):
        """A plain ldap3 connection over LDAPS (not the collection's), bound as the lab's administrator."""
        import ssl

        import ldap3

        env = self.dc.env
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=env['GMSA_AD_CA_CERT'],
                        valid_names=[env['GMSA_AD_TLS_SERVER_NAME']])
        server = ldap3.Server(env['GMSA_AD_SERVER'], port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE)
        return ldap3.Connection(server, env['GMSA_AD_USERNAME'], self.dc.password, auto_bind=True)

    @staticmethod
    def raw_add(connection, dn, object_class, attributes):
        if not connection.add(dn, [object_class], attributes):
            raise SystemExit('adding %s failed: %s' % (dn, connection.result))

    def count_made(self, n):
        """(groups, gMSAs, SPNs on the gMSAs) of this benchmark, as the DC's database has them."""
        groups = self.dc.ldbsearch(self.domain_dn, '(&(objectClass=group)(sAMAccountName=%s*Hosts))' % PREFIX)
        accounts = self.dc.ldbsearch(self.domain_dn, '(&(objectClass=msDS-GroupManagedServiceAccount)'
                                     '(sAMAccountName=%s*))' % PREFIX, ['servicePrincipalName'])
        spns = sum(len(entry.get('servicePrincipalName', [])) for entry in accounts.values())
        return len(groups), len(accounts), spns


# ------------------------------------------------------------------ measuring a process tree
def _tree_memory(pid):
    """(summed RSS, summed PSS, largest RSS) in kB of ``pid`` and its descendants, from /proc."""
    import psutil

    try:
        processes = [psutil.Process(pid)]
        processes += processes[0].children(recursive=True)
    except psutil.Error:
        return 0, 0, 0
    rss = pss = largest = 0
    for process in processes:
        try:
            with open('/proc/%d/smaps_rollup' % process.pid, encoding='ascii') as rollup:
                fields = dict(re.findall(r'^(\w+):\s+(\d+) kB', rollup.read(), re.M))
        except OSError:
            continue
        rss += int(fields.get('Rss', 0))
        pss += int(fields.get('Pss', 0))
        largest = max(largest, int(fields.get('Rss', 0)))
    return rss, pss, largest


def measure(argv, env, cwd=None, sample_memory=True):
    """Run ``argv``; return (exit status, stdout, stderr, wall s, CPU s of the tree, memory peaks in kB)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = [0, 0, 0]
    done = threading.Event()

    def sample():
        while not done.wait(0.05):
            for index, value in enumerate(_tree_memory(process.pid)):
                peaks[index] = max(peaks[index], value)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    output = {}
    readers = [threading.Thread(target=lambda name, stream: output.__setitem__(name, stream.read()), args=args)
               for args in (('stdout', process.stdout), ('stderr', process.stderr))]
    for reader in readers:
        reader.start()
    # wait4 gives the CPU time of the child and of every descendant it waited for (Ansible's workers).
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for reader in readers:
        reader.join()
    if sample_memory:
        sampler.join()
    return process.returncode, output['stdout'], output['stderr'], wall, usage.ru_utime + usage.ru_stime, peaks


# ------------------------------------------------------------------ the runs
class Bench:
    def __init__(self, lab, repeat, collections):
        self.lab = lab
        self.repeat = repeat
        self.collections = collections
        self.measurements = []

    def environment(self, usage_log=None, ansible_alone=False):
        env = {key: value for key, value in os.environ.items() if not key.startswith('GMSA_AD_')}
        env.update(self.lab.dc.connection_env())
        env.update(ANSIBLE_COLLECTIONS_PATH=str(self.collections), ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
                   ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks')
        if usage_log:
            env['GMSA_AD_USAGE_LOG'] = str(usage_log)
        if ansible_alone:
            env['ANSIBLE_ACTION_PLUGINS'] = str(BENCH / 'action_plugins')
        return env

    def playbook(self, run, n, inventory, extra=(), playbook=PLAYBOOK, ansible_alone=False, repeat_index=0):
        usage_log = RAW / ('usage-%s-%d-%d.jsonl' % (run, n, repeat_index))
        usage_log.unlink(missing_ok=True)
        argv = [str(Path(sys.executable).parent / 'ansible-playbook'), str(playbook), '-e', '@%s' % inventory, *extra]
        load, dc_cpu = os.getloadavg()[0], self.lab.dc_cpu_seconds()
        status, out, err, wall, cpu, peaks = measure(self.lab.dc.in_lab_net(argv),
                                                     self.environment(usage_log, ansible_alone), cwd=RAW)
        dc_cpu = self.lab.dc_cpu_seconds() - dc_cpu
        (RAW / ('output-%s-%d-%d.txt' % (run, n, repeat_index))).write_text(out + err)
        if status != 0:
            raise SystemExit('%s of %d applications failed (exit %d):\n%s' % (run, n, status, (out + err)[-3000:]))
        operations, sockets = usage_totals(usage_log)
        return Measurement(run, n, wall, cpu, peaks[0] / 1024, peaks[1] / 1024, peaks[2] / 1024,
                           operations, sockets, changed_count(out), load, dc_cpu, task_seconds(out))

    def best(self, measurements):
        """The fastest of the repeats stands for the run (the others met more of the shared machine's load)."""
        fastest = min(measurements, key=lambda item: item.wall_s)
        fastest.all_wall_s = [round(item.wall_s, 3) for item in measurements]
        fastest.peak_rss_mb = max(item.peak_rss_mb for item in measurements)
        fastest.peak_pss_mb = max(item.peak_pss_mb for item in measurements)
        fastest.max_process_rss_mb = max(item.max_process_rss_mb for item in measurements)
        self.measurements.append(fastest)
        return fastest

    def startup(self):
        """Wall seconds of ansible-playbook with an empty play: what every run pays before its first task."""
        empty = RAW / 'empty.yml'
        empty.write_text('- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks: []\n')
        argv = self.lab.dc.in_lab_net([str(Path(sys.executable).parent / 'ansible-playbook'), str(empty)])
        return min(measure(argv, self.environment(), cwd=RAW, sample_memory=False)[3] for _index in range(self.repeat))

    def applications(self, n):
        inventory = write_inventory(n, self.lab.dns_domain)
        alone_playbook = RAW / 'ansible-alone.yml'
        text = PLAYBOOK.read_text()
        for module in MODULES:
            text = text.replace(module, 'bench_noop')
        alone_playbook.write_text(text)

        results = {run: [] for run in ('converge', 'noop', 'check', 'ansible')}
        for index in range(self.repeat):
            self.lab.clean()
            results['converge'].append(self.playbook('converge', n, inventory, repeat_index=index))
            made = self.lab.count_made(n)
            if made != (n, n, 3 * n):
                raise SystemExit('after converging %d applications the DC has %d groups, %d gMSAs, %d SPNs' % ((n,) + made))
            results['noop'].append(self.playbook('noop', n, inventory, repeat_index=index))
            results['check'].append(self.playbook('check', n, inventory, ['--check'], repeat_index=index))
            results['ansible'].append(self.playbook('ansible', n, inventory, playbook=alone_playbook,
                                                    ansible_alone=True, repeat_index=index))
            for run in ('noop', 'check'):
                if results[run][-1].changed:
                    raise SystemExit('the %s of %d applications changed %d tasks' % (run, n, results[run][-1].changed))
        for run, measurements in results.items():
            report(self.best(measurements))

    def samba_tool(self, n):
        created, viewed = [], []
        for _index in range(self.repeat):
            self.lab.clean()
            created.append(self._samba_tool_each('samba_create', n, lambda name: [
                'service-account', 'create', '--name', name, '--dns-host-name', '%s.%s' % (name, self.lab.dns_domain)]))
            viewed.append(self._samba_tool_each('samba_view', n, lambda name: ['service-account', 'view', '--name', name]))
        report(self.best(created))
        report(self.best(viewed))

    def dc_alone(self, n):
        """What the DC itself takes to add the converge's objects: each group, then each gMSA with its
        three SPNs, over one LDAP connection that does nothing else (no reads, no password ACL: less
        than the collection writes). No client can converge faster than this."""
        timings = []
        for _index in range(self.repeat):
            self.lab.clean()
            connection = self.lab.raw_connection()
            load, dc_cpu, cpu = os.getloadavg()[0], self.lab.dc_cpu_seconds(), time.process_time()
            started = time.perf_counter()
            gmsa_seconds = 0.0
            for name in application_names(n):
                fqdn = '%s.%s' % (name, self.lab.dns_domain)
                self.lab.raw_add(connection, 'CN=%sHosts,CN=Users,%s' % (name, self.lab.domain_dn), 'group',
                                 {'sAMAccountName': name + 'Hosts'})
                gmsa_started = time.perf_counter()
                self.lab.raw_add(connection, 'CN=%s,CN=Managed Service Accounts,%s' % (name, self.lab.domain_dn),
                                 'msDS-GroupManagedServiceAccount',
                                 {'sAMAccountName': name + '$', 'dNSHostName': fqdn, 'msDS-ManagedPasswordInterval': 30,
                                  'servicePrincipalName': ['host/' + name, 'host/' + fqdn, 'http/' + fqdn]})
                gmsa_seconds += time.perf_counter() - gmsa_started
            wall = time.perf_counter() - started
            measurement = Measurement('dc_alone', n, wall, time.process_time() - cpu, load_average=load,
                                      dc_cpu_s=self.lab.dc_cpu_seconds() - dc_cpu, task_seconds={GMSA_TASK: gmsa_seconds})
            connection.unbind()
            timings.append(measurement)
        report(self.best(timings))

    def _samba_tool_each(self, run, n, arguments):
        """One samba-tool process per gMSA, as a script around it would run them."""
        load, dc_cpu = os.getloadavg()[0], self.lab.dc_cpu_seconds()
        wall = cpu = 0.0
        for name in application_names(n):
            argv = self.lab.dc.in_lab_net(['samba-tool', *arguments(name), '-H', 'ldap://' + self.lab.dc.env['GMSA_AD_SERVER'],
                                           '-A', self.lab.dc.env['GMSA_LAB_AUTH_FILE']])
            status, out, err, seconds, cpu_seconds, _peaks = measure(argv, dict(os.environ), sample_memory=False)
            if status != 0:
                raise SystemExit('%s failed for %s: %s' % (' '.join(argv[:3]), name, (out + err)[-2000:]))
            wall += seconds
            cpu += cpu_seconds
        return Measurement(run, n, wall, cpu, load_average=load, dc_cpu_s=self.lab.dc_cpu_seconds() - dc_cpu)


def usage_totals(path):
    """(LDAP operations, sockets opened) of a run, summed over every connection of every worker.

    Each line carries running totals per connection; a worker holds a
    connection per server and port, and a fresh connection (a reconnect)
    starts its totals again from zero.
    """
    if not path.exists():
        return None, None
    last = {}      # (pid, server, port) -> (sockets, operations) of the connection now held
    finished = []  # totals of connections replaced by a reconnect
    for line in path.read_text().splitlines():
        item = json.loads(line)
        for connection in item.get('connections') or [dict(item, port=None)]:
            key = (item['pid'], connection['server'], connection['port'])
            totals = (connection['sockets_opened'], connection['operations'])
            if key in last and totals[1] < last[key][1]:
                finished.append(last[key])
            last[key] = totals
    every = finished + list(last.values())
    return sum(operations for _sockets, operations in every), sum(sockets for sockets, _operations in every)


def task_seconds(stdout):
    """{task name: seconds} from the recap of ansible.posix.profile_tasks (``name ----- 1.23s``)."""
    return {name: float(seconds) for name, seconds in re.findall(r'^(\S.*?) -{3,} ([\d.]+)s$', stdout, re.M)}


def changed_count(stdout):
    match = re.search(r'^localhost\s*:.*\bchanged=(\d+)', stdout, re.M)
    return int(match.group(1)) if match else None


def report(item):
    dc_cpu = '%6.2f s DC CPU' % item.dc_cpu_s if item.dc_cpu_s is not None else ''
    print('  %-13s N=%-4d %7.2f s wall  %6.2f s CPU  %s  %6.0f MB RSS  ops %-6s sockets %s  (load %.1f; runs %s)'
          % (item.run, item.n, item.wall_s, item.cpu_s, dc_cpu, item.peak_rss_mb, item.ldap_operations,
             item.sockets_opened, item.load_average, item.all_wall_s), flush=True)


# ------------------------------------------------------------------ the table
def rows(measurements):
    by_key = {(item.run, item.n): item for item in measurements}
    table = []
    for item in sorted(measurements, key=lambda item: (list(RUNS).index(item.run), item.n)):
        row = {
            'run': item.run,
            'what': RUNS[item.run],
            'n': item.n,
            'wall_s': round(item.wall_s, 2),
            'per_application_ms': round(item.wall_s / item.n * 1000, 1),
            'cpu_s': round(item.cpu_s, 2),
            'dc_cpu_s': round(item.dc_cpu_s, 2) if item.dc_cpu_s is not None else None,
            'ldap_operations': item.ldap_operations,
            'ldap_operations_per_application': (round(item.ldap_operations / item.n, 2)
                                                if item.ldap_operations is not None else None),
            'sockets_opened': item.sockets_opened,
            'peak_rss_mb': round(item.peak_rss_mb, 1) if item.peak_rss_mb else None,
            'peak_pss_mb': round(item.peak_pss_mb, 1) if item.peak_pss_mb else None,
            'max_process_rss_mb': round(item.max_process_rss_mb, 1) if item.max_process_rss_mb else None,
            'load_average': round(item.load_average, 2),
            'wall_s_each_repeat': item.all_wall_s,
        }
        peer = by_key.get((SAMBA_PEER.get(item.run), item.n))
        row['samba_tool_peer'] = SAMBA_PEER.get(item.run)
        row['times_faster_than_samba_tool'] = round(peer.wall_s / item.wall_s, 2) if peer else None
        row['task_seconds'] = item.task_seconds
        gmsa_task = item.task_seconds.get(GMSA_TASK)
        row['gmsa_task_ms_per_gmsa'] = round(gmsa_task / item.n * 1000, 1) if gmsa_task is not None else None
        row['samba_tool_ms_per_gmsa'] = round(peer.wall_s / item.n * 1000, 1) if peer else None
        row['gmsa_times_faster_than_samba_tool'] = (round(peer.wall_s / gmsa_task, 2)
                                                    if peer and gmsa_task else None)
        table.append(row)
    return table


def markdown(table, meta):
    lines = [
        '| run | N | wall s | per app ms | client CPU s | DC CPU s | LDAP ops / app | sockets | peak RSS MB (tree) '
        '| peak PSS MB (tree) | x samba-tool |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for row in table:
        def shown(value, form='%s'):
            return '' if value is None else form % value
        lines.append('| %s | %d | %.2f | %.1f | %.2f | %s | %s | %s | %s | %s | %s |' % (
            row['what'], row['n'], row['wall_s'], row['per_application_ms'], row['cpu_s'], shown(row.get('dc_cpu_s'), '%.2f'),
            shown(row['ldap_operations_per_application']), shown(row['sockets_opened']),
            shown(row['peak_rss_mb'], '%.0f'), shown(row['peak_pss_mb'], '%.0f'),
            shown(row['times_faster_than_samba_tool'], '%.1f')))
    lines += [
        '',
        '| per gMSA: the application task (group, gMSA, credential spec) against samba-tool (gMSA only) | N | task ms / application | samba-tool ms / gMSA '
        '| x samba-tool |',
        '|---|---:|---:|---:|---:|',
    ]
    for row in table:
        if row['gmsa_times_faster_than_samba_tool'] is not None:
            lines.append('| %s against %s | %d | %.1f | %.1f | %.1f |' % (
                row['what'], RUNS[row['samba_tool_peer']], row['n'], row['gmsa_task_ms_per_gmsa'],
                row['samba_tool_ms_per_gmsa'], row['gmsa_times_faster_than_samba_tool']))
    lines += [
        '',
        'Best of %d runs each; %s, %d cores, Samba %s, ansible-core %s, measured %s. ansible-playbook with an '
        'empty play takes %.2f s, included in every run\'s wall time.'
        % (meta['repeat'], meta['machine'], meta['cores'], meta['samba'], meta['ansible_core'], meta['date'],
           meta['ansible_playbook_startup_s']),
        '"x samba-tool": the samba-tool wall time for the same N gMSAs (create for the converge, view for the '
        'no-op and check-mode runs) divided by the run\'s own. "The DC alone" is the floor of any client: '
        'its "x samba-tool" is the most a converge could reach.',
        '"client CPU s": the ansible-playbook (or samba-tool) process tree, or for the DC alone the benchmark\'s own '
        'ldap3 client. "DC CPU s": the lab DC\'s samba processes over the same run.',
    ]
    return '\n'.join(lines) + '\n'


def target_verdicts(table):
    """Each target of docs/performance.md with the figures that decide it, from the runs at N = 100:
    [(target, measured, verdict)], empty when N = 100 was not measured."""
    at = {(row['run'], row['n']): row for row in table}
    noop, check, converge, alone = (at.get((run, TARGET_N)) for run in ('noop', 'check', 'converge', 'dc_alone'))
    if not (noop and check and converge):
        return []
    per_object = noop['ldap_operations_per_application'] / OBJECTS_PER_APPLICATION
    floor = '; the DC alone %.2f s' % alone['wall_s'] if alone else ''
    verdicts = [
        ('no-op re-run at most 5 s wall', '%.2f s (check mode %.2f s)' % (noop['wall_s'], check['wall_s']),
         noop['wall_s'] <= 5),
        ('no-op at most 2 LDAP round trips per object', '%.2f' % per_object, per_object <= 2),
        ('first converge at most 10 s wall', '%.2f s%s' % (converge['wall_s'], floor), converge['wall_s'] <= 10),
    ]
    reading, creating = noop['gmsa_times_faster_than_samba_tool'], converge['gmsa_times_faster_than_samba_tool']
    if reading is not None and creating is not None:
        verdicts.append(('per gMSA at least 10x faster than samba-tool', 'reading %.1fx (check mode %.1fx), creating %.1fx'
                         % (reading, check['gmsa_times_faster_than_samba_tool'], creating), min(reading, creating) >= 10))
    else:
        verdicts.append(('per gMSA at least 10x faster than samba-tool', 'not measured (--no-samba-tool)', None))
    peak = max(row['peak_rss_mb'] for row in (noop, check, converge))
    verdicts.append(('peak RSS of ansible-playbook under 300 MB', '%.0f MB' % peak, peak < 300))
    sockets = {run: sorted({row['sockets_opened'] for row in table if row['run'] == run}) for run in ('converge', 'noop', 'check')}
    verdicts.append(('no per-item reconnects', 'sockets opened at every N: ' + ', '.join(
        '%s %s' % (RUNS[run], '/'.join(map(str, counts))) for run, counts in sockets.items()),
        all(len(counts) == 1 for counts in sockets.values())))
    return [(target, measured, {True: 'met', False: 'missed', None: ''}[met]) for target, measured, met in verdicts]


def targets_markdown(verdicts):
    lines = ['| target, N = %d | measured | |' % TARGET_N, '|---|---|---|']
    lines += ['| %s | %s | %s |' % verdict for verdict in verdicts]
    return '\n'.join(lines) + '\n\nLinear growth in N: the plot (docs/images/benchmark.png) shows it.\n'


def plot(table, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = [('converge', 'first converge', 'o-'), ('noop', 'no-op re-run', 's-'), ('check', 'check mode', '^-'),
              ('ansible', 'Ansible alone (no-op action)', 'x:'), ('dc_alone', 'DC alone (raw LDAP adds)', 'v:'),
              ('samba', 'samba-tool create + view', 'd--')]
    for run, label, style in series:
        if run == 'samba':
            create = {row['n']: row for row in table if row['run'] == 'samba_create'}
            view = {row['n']: row for row in table if row['run'] == 'samba_view'}
            sizes = sorted(set(create) & set(view))
            walls = [create[n]['wall_s'] + view[n]['wall_s'] for n in sizes]
        else:
            points = sorted((row['n'], row['wall_s']) for row in table if row['run'] == run)
            sizes, walls = [n for n, _wall in points], [wall for _n, wall in points]
        if not sizes:
            continue
        left.plot(sizes, walls, style, label=label)
        right.plot(sizes, [wall / n * 1000 for n, wall in zip(sizes, walls)], style, label=label)
    left.set(xscale='log', yscale='log', xlabel='applications (N)', ylabel='wall seconds',
             title='Time against N (log-log: slope 1 is linear)')
    right.set(xscale='log', yscale='log', xlabel='applications (N)', ylabel='milliseconds per application',
              title='Per application')
    sizes = sorted({row['n'] for row in table})
    for axes in (left, right):
        axes.grid(True, which='both', alpha=0.3)
        axes.set_xticks(sizes)
        for axis in (axes.xaxis, axes.yaxis):
            axis.set_major_formatter(ScalarFormatter())
            axis.set_minor_formatter(NullFormatter())
    left.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def metadata(repeat):
    from ansible.release import __version__ as ansible_core

    samba = subprocess.run(['samba', '--version'], capture_output=True, text=True, check=True).stdout.split()[-1]
    return {
        'repeat': repeat,
        'machine': '%s %s' % (os.uname().sysname, os.uname().machine),
        'cores': os.cpu_count(),
        'samba': samba,
        'ansible_core': ansible_core,
        'python': sys.version.split()[0],
        'date': time.strftime('%Y-%m-%d'),
    }


# ------------------------------------------------------------------ profile
PROFILE_CATEGORIES = [
    # (category, frames that mark it): the first category with a marker anywhere in a sample's stack wins
    ('LDAP: connect, TLS, bind, domain facts (once per task)', ('directory_for', 'Directory.facts')),
    ('LDAP: waiting for the domain controller', ('SSLSocket.recv', 'SSLSocket.read')),
    ('collection: Python of the action plugins', ('ADActionBase.run',)),
    ('Ansible: templating task arguments and loop labels',
     ('Task.post_validate', 'TemplateEngine.template', 'FieldAttributeBase.post_validate')),
    ('Ansible: loading the action and connection plugins', ('_get_action_handler', '_get_connection',
                                                            '_set_connection_options', 'set_task_and_variable_override')),
    ('Ansible: sending results to the controller process', ('send_callback', 'send_task_result')),
    ('Ansible: other per-item work in the worker', ('TaskExecutor.run',)),
]
WORKER_START = 'Ansible: worker start-up (fork, imports)'
PROFILE_RATE = 100


def profile(bench, n, run):
    """py-spy over the ``run`` ('converge' or 'noop') of ``n`` applications: the worker processes' time by category."""
    inventory = write_inventory(n, bench.lab.dns_domain)
    raw = RAW / ('profile-%s-%d.txt' % (run, n))
    py_spy = shutil.which('py-spy') or str(Path(sys.executable).parent / 'py-spy')
    argv = [py_spy, 'record', '--subprocesses', '--idle', '--rate', str(PROFILE_RATE), '--format', 'raw',
            '-o', str(raw), '--', sys.executable, str(Path(sys.executable).parent / 'ansible-playbook'),
            str(PLAYBOOK), '-e', '@%s' % inventory]
    status, out, err, wall, _cpu, _peaks = measure(bench.lab.dc.in_lab_net(argv), bench.environment(), cwd=RAW,
                                                   sample_memory=False)
    if status != 0:
        raise SystemExit('profiling the %s failed: %s' % (run, (out + err)[-2000:]))
    return dict(summarize_profile(raw), run=run, n=n, wall_s_under_profiler=round(wall, 2))


def summarize_profile(raw):
    """Samples of the worker processes (--idle: waiting counts too), by category.

    The controller process is left out: it waits for the workers' results
    while they run (its start-up is the empty playbook's time).
    """
    categories = dict.fromkeys([name for name, _markers in PROFILE_CATEGORIES] + [WORKER_START], 0)
    for line in raw.read_text().splitlines():
        stack, _separator, count = line.rpartition(' ')
        frames = stack.split(';')
        if sum(1 for frame in frames if frame.startswith('process ')) < 2:
            continue  # the controller process
        category = next((name for name, markers in PROFILE_CATEGORIES
                         if any(marker in frame for frame in frames for marker in markers)), WORKER_START)
        categories[category] += int(count)
    return {'rate_hz': PROFILE_RATE, 'worker_samples': sum(categories.values()),
            'worker_samples_by_category': categories, 'raw': raw.name}


def profile_markdown(summaries):
    runs = [RUNS[summary['run']] for summary in summaries]
    lines = ['| where the worker processes spend their time, N = %d | %s |' % (summaries[0]['n'], ' | '.join(runs)),
             '|---|' + '---:|' * len(summaries)]
    names = list(summaries[0]['worker_samples_by_category'])
    for name in sorted(names, key=lambda name: -summaries[-1]['worker_samples_by_category'][name]):
        lines.append('| %s | %s |' % (name, ' | '.join(
            '%.0f%% (%.1f s)' % (100.0 * summary['worker_samples_by_category'][name] / (summary['worker_samples'] or 1),
                                 summary['worker_samples_by_category'][name] / summary['rate_hz'])
            for summary in summaries)))
    lines.append('')
    lines.append('py-spy at %d Hz with --idle, in the forked workers that run the tasks; wall under the profiler: %s.'
                 % (summaries[0]['rate_hz'], ', '.join('%s %.1f s' % (RUNS[summary['run']], summary['wall_s_under_profiler'])
                                                       for summary in summaries)))
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='1,10,100', help='comma-separated numbers of applications (default 1,10,100)')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each measurement; the fastest counts (default 3)')
    parser.add_argument('--no-samba-tool', action='store_true', help='skip the samba-tool baseline')
    parser.add_argument('--profile', action='store_true', help='also profile the no-op run at the largest N (py-spy)')
    parser.add_argument('--collections', default=str(COLLECTIONS),
                        help='ANSIBLE_COLLECTIONS_PATH holding wincontainers.gmsa (default: this checkout)')
    parser.add_argument('--results', default=str(RESULTS), help='folder for benchmark.md and benchmark.json')
    parser.add_argument('--plot', default=str(PLOT), help='where the PNG plot goes')
    parser.add_argument('--replot', action='store_true', help='only draw the plot again from the results\' benchmark.json')
    options = parser.parse_args()
    if options.replot:
        plot(json.loads((Path(options.results) / 'benchmark.json').read_text())['rows'], Path(options.plot))
        return
    sizes = [int(size) for size in options.sizes.split(',')]
    if max(sizes) > 999:
        parser.error('at most 999 applications: the names are %s001 to %s999' % (PREFIX, PREFIX))

    link = COLLECTIONS / 'ansible_collections' / 'wincontainers' / 'gmsa'
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)
    RAW.mkdir(parents=True, exist_ok=True)

    lab = Lab()
    bench = Bench(lab, options.repeat, Path(options.collections))
    summaries = []
    startup = bench.startup()
    print('ansible-playbook start-up (empty play): %.2f s' % startup, flush=True)
    try:
        for n in sizes:
            print('N = %d' % n, flush=True)
            bench.applications(n)
            bench.dc_alone(n)
            if not options.no_samba_tool:
                bench.samba_tool(n)
        if options.profile:
            lab.clean()
            summaries = [profile(bench, max(sizes), run) for run in ('converge', 'noop')]
    finally:
        lab.clean()

    table = rows(bench.measurements)
    meta = dict(metadata(options.repeat), ansible_playbook_startup_s=round(startup, 2))
    results = Path(options.results)
    results.mkdir(parents=True, exist_ok=True)
    verdicts = target_verdicts(table)
    document = {'metadata': meta, 'rows': table,
                'targets': [dict(zip(('target', 'measured', 'verdict'), verdict)) for verdict in verdicts]}
    text = markdown(table, meta)
    if verdicts:
        text += '\n' + targets_markdown(verdicts)
    if summaries:
        document['profile'] = summaries
        text += '\n' + profile_markdown(summaries)
    (results / 'benchmark.json').write_text(json.dumps(document, indent=1) + '\n')
    (results / 'benchmark.md').write_text(text)
    plot(table, Path(options.plot))
    print()
    print(text)
    print('written: %s, %s, %s' % (results / 'benchmark.md', results / 'benchmark.json', options.plot))


if __name__ == '__main__':
    main()
