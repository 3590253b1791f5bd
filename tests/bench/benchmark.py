# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The converge-cost benchmark of docs/performance.md, run against the lab domain controller.

For N applications in the lab inventory's shape (each a group and a gMSA with
three SPNs and a credential spec file; every other one for hosts outside the
domain, with a portable user) it times what users run: the first converge, the
no-op re-run and the check-mode run of tests/bench/converge.yml, which is
site.yml's first play (the kds_root_key and service_accounts roles). Beside them:
Samba's own ``samba-tool service-account create`` / ``view`` of the same gMSAs
(up to --samba-tool-max of them; per gMSA it is flat), and the DC alone adding
the same objects over one raw LDAP connection (the floor of any client). It
counts LDAP operations and sockets from GMSA_AD_USAGE_LOG, samples the memory
of the ansible-playbook process tree, times each task of the roles
(ansible.posix.profile_tasks), counts the module executions per container host
and the kubernetes role's tasks for 1, 10 and 100 applications
(tests/bench/host_counts.py, against the stand-ins), and writes a Markdown and a
JSON table and a plot.

    tests/bench/run                      # N = 1, 10, 100, 1000; best of 3 (of 1 at N = 1000)
    tests/bench/run --sizes 1,10 --repeat 1
    tests/bench/run --profile            # also py-spy of the converge and no-op runs at the largest N

Objects are named bnch0001..bnchNNNN (groups bnchNNNNHosts, portable users
bnchNNNN-ccg); whatever a previous run left is removed first, and everything is
removed at the end.
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
# The role's one task for every application; its time per application is compared with samba-tool's per gMSA
# (which makes no group, user or credential spec).
GMSA_TASK = "wincontainers.gmsa.service_accounts : Every application's group, portable user, gMSA and credential spec file"
HOST_ACCOUNT = PREFIX + 'host'   # the computer account of the domain-joined applications' hosts
BENCH_PASSWORD = 'Bench-Raw-Pw-5x!'  # the DC alone's portable users'; nothing logs on with it

# The runs, in the order they are made for each N, and what each is compared with.
RUNS = {
    'converge': 'first converge',
    'noop': 'no-op re-run',
    'check': 'check-mode run',
    'samba_create': 'samba-tool service-account create',
    'samba_view': 'samba-tool service-account view',
    'dc_alone': 'the DC alone: the same adds over one raw LDAP connection',
}
SAMBA_PEER = {'converge': 'samba_create', 'noop': 'samba_view', 'check': 'samba_view', 'dc_alone': 'samba_create'}

TARGET_N = 100      # the targets are set for 100 applications
LARGE_N = 1000      # and for 1000


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
    return ['%s%04d' % (PREFIX, index) for index in range(1, n + 1)]


def is_portable(index):
    """Every other application is for container hosts outside the domain, as in the lab inventory."""
    return index % 2 == 0


def write_inventory(n, dns_domain):
    """gmsa_applications as docs/data-model.md describes them, in the lab inventory's shape: one extra SPN each
    (three with the two host SPNs); the domain-joined ones name a host computer account, the others a portable
    user with Rancher's plug-in; all of them a Kubernetes namespace."""
    output = RAW / ('files-%d' % n)
    applications = []
    for index, name in enumerate(application_names(n), start=1):
        application = {'name': name, 'spns': ['http/%s.%s' % (name.lower(), dns_domain)],
                       'kubernetes': {'namespace': 'bench', 'service_accounts': [name.lower()]}}
        if is_portable(index):
            application.update(domain_joined=False, plugin={'type': 'rancher', 'input': 'gmsa-system:%s-ccg' % name.lower()})
        else:
            application['host_computer_accounts'] = [HOST_ACCOUNT + '$']
        applications.append(application)
    path = RAW / ('applications-%d.json' % n)
    path.write_text(json.dumps({'gmsa_applications': applications, 'gmsa_output_dir': str(output),
                                'gmsa_secret_dir': str(output / 'secrets'), 'gmsa_kds_mode': 'lab'}, indent=1))
    return path


def expected_objects(n):
    """(groups, gMSAs, SPNs, portable users) a converge of ``n`` applications makes."""
    portable = sum(1 for index in range(1, n + 1) if is_portable(index))
    return n, n, 3 * n, portable


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
        """DNs of every object this benchmark may have made (gMSAs, groups, portable users), read from the DC's
        database; the hosts' computer account stays."""
        entries = self.dc.ldbsearch(self.domain_dn, '(&(sAMAccountName=%s*)(!(sAMAccountName=%s$)))'
                                    % (PREFIX, HOST_ACCOUNT), ['sAMAccountName'])
        return sorted(entries)

    def host_account(self):
        """The computer account the domain-joined applications' groups list, made once."""
        if not self.dc.ldbsearch(self.domain_dn, '(sAMAccountName=%s$)' % HOST_ACCOUNT):
            self.dc.samba_tool('computer', 'create', HOST_ACCOUNT)

    def clean(self):
        dns = self.leftovers()
        for start in range(0, len(dns), 100):
            subprocess.run(self.dc.in_lab_net(['ldbdel', '-H', 'ldap://' + self.dc.env['GMSA_AD_SERVER'],
                                               '-A', self.dc.env['GMSA_LAB_AUTH_FILE'], *dns[start:start + 100]]),
                           check=True, capture_output=True, text=True)
        left = self.leftovers()
        if left:
            raise SystemExit('could not remove %s' % ', '.join(left))
        for folder in RAW.glob('files-*'):
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

    def count_made(self):
        """(groups, gMSAs, SPNs on the gMSAs, portable users) of this benchmark, as the DC's database has them."""
        groups = self.dc.ldbsearch(self.domain_dn, '(&(objectClass=group)(sAMAccountName=%s*Hosts))' % PREFIX)
        accounts = self.dc.ldbsearch(self.domain_dn, '(&(objectClass=msDS-GroupManagedServiceAccount)'
                                     '(sAMAccountName=%s*))' % PREFIX, ['servicePrincipalName'])
        users = self.dc.ldbsearch(self.domain_dn, '(&(objectCategory=person)(sAMAccountName=%s*-ccg))' % PREFIX)
        spns = sum(len(entry.get('servicePrincipalName', [])) for entry in accounts.values())
        return len(groups), len(accounts), spns, len(users)


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

    def environment(self, usage_log=None):
        env = {key: value for key, value in os.environ.items() if not key.startswith('GMSA_AD_')}
        env.update(self.lab.dc.connection_env())
        env.update(ANSIBLE_COLLECTIONS_PATH=str(self.collections), ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
                   ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks')
        if usage_log:
            env['GMSA_AD_USAGE_LOG'] = str(usage_log)
        return env

    def playbook(self, run, n, inventory, extra=(), playbook=PLAYBOOK, repeat_index=0):
        usage_log = RAW / ('usage-%s-%d-%d.jsonl' % (run, n, repeat_index))
        usage_log.unlink(missing_ok=True)
        argv = [str(Path(sys.executable).parent / 'ansible-playbook'), str(playbook), '-e', '@%s' % inventory, *extra]
        load, dc_cpu = os.getloadavg()[0], self.lab.dc_cpu_seconds()
        status, out, err, wall, cpu, peaks = measure(self.lab.dc.in_lab_net(argv),
                                                     self.environment(usage_log), cwd=RAW)
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

    def repeats(self, n):
        """At N = 1000 one run of each: a converge takes minutes, and its figures vary less than the small ones'."""
        return 1 if n >= LARGE_N else self.repeat

    def applications(self, n):
        inventory = write_inventory(n, self.lab.dns_domain)
        results = {run: [] for run in ('converge', 'noop', 'check')}
        for index in range(self.repeats(n)):
            self.lab.clean()
            results['converge'].append(self.playbook('converge', n, inventory, repeat_index=index))
            made = self.lab.count_made()
            if made != expected_objects(n):
                raise SystemExit('after converging %d applications the DC has %d groups, %d gMSAs, %d SPNs, '
                                 '%d portable users' % ((n,) + made))
            results['noop'].append(self.playbook('noop', n, inventory, repeat_index=index))
            results['check'].append(self.playbook('check', n, inventory, ['--check'], repeat_index=index))
            for run in ('noop', 'check'):
                if results[run][-1].changed:
                    raise SystemExit('the %s of %d applications changed %d tasks' % (run, n, results[run][-1].changed))
        for run, measurements in results.items():
            report(self.best(measurements))

    def samba_tool(self, n):
        created, viewed = [], []
        for _index in range(self.repeats(n)):
            self.lab.clean()
            created.append(self._samba_tool_each('samba_create', n, lambda name: [
                'service-account', 'create', '--name', name, '--dns-host-name', '%s.%s' % (name, self.lab.dns_domain)]))
            viewed.append(self._samba_tool_each('samba_view', n, lambda name: ['service-account', 'view', '--name', name]))
        report(self.best(created))
        report(self.best(viewed))

    def dc_alone(self, n):
        """What the DC itself takes to add the converge's objects: each portable user with its password, each
        group with its members, then each gMSA with its three SPNs, over one LDAP connection that does nothing
        else (no reads, no password ACL: less than the collection writes). No client can converge faster."""
        timings = []
        users, managed = 'CN=Users,%s' % self.lab.domain_dn, 'CN=Managed Service Accounts,%s' % self.lab.domain_dn
        host_dn = 'CN=%s,CN=Computers,%s' % (HOST_ACCOUNT, self.lab.domain_dn)
        for _index in range(self.repeats(n)):
            self.lab.clean()
            connection = self.lab.raw_connection()
            load, dc_cpu, cpu = os.getloadavg()[0], self.lab.dc_cpu_seconds(), time.process_time()
            started = time.perf_counter()
            for index, name in enumerate(application_names(n), start=1):
                fqdn = '%s.%s' % (name.lower(), self.lab.dns_domain)
                member = host_dn
                if is_portable(index):
                    member = 'CN=%s-ccg,%s' % (name, users)
                    self.lab.raw_add(connection, member, 'user', {
                        'sAMAccountName': name + '-ccg', 'userAccountControl': 0x10200,
                        'unicodePwd': ('"%s"' % BENCH_PASSWORD).encode('utf-16-le')})
                self.lab.raw_add(connection, 'CN=%s Authorized Hosts,%s' % (name, users), 'group',
                                 {'sAMAccountName': name + 'Hosts', 'member': [member]})
                self.lab.raw_add(connection, 'CN=%s,%s' % (name, managed), 'msDS-GroupManagedServiceAccount',
                                 {'sAMAccountName': name + '$', 'dNSHostName': fqdn, 'msDS-ManagedPasswordInterval': 30,
                                  'servicePrincipalName': ['host/' + name, 'host/' + fqdn, 'http/' + fqdn]})
            wall = time.perf_counter() - started
            measurement = Measurement('dc_alone', n, wall, time.process_time() - cpu, load_average=load,
                                      dc_cpu_s=self.lab.dc_cpu_seconds() - dc_cpu)
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
        '| per gMSA: the role\'s application task (portable user, group, gMSA, credential spec) against samba-tool '
        '(gMSA only) | N | task ms / application | samba-tool ms / gMSA '
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


def target_verdicts(table, host_counts=None):
    """Each target of docs/performance.md with the figures that decide it: [(target, measured, verdict)]."""
    at = {(row['run'], row['n']): row for row in table}
    verdicts = []

    def target(text, measured, met):
        verdicts.append((text, measured, {True: 'met', False: 'missed', None: ''}[met]))

    for n, limit in ((TARGET_N, 2.0), (LARGE_N, 5.0)):
        noop = at.get(('noop', n))
        if noop:
            target('no-op of %d applications through the service_accounts role at most %.0f s wall' % (n, limit),
                   '%.2f s (check mode %.2f s)' % (noop['wall_s'], at[('check', n)]['wall_s']), noop['wall_s'] <= limit)
    noop = at.get(('noop', LARGE_N))
    if noop:
        per_20 = noop['ldap_operations'] / LARGE_N * 20
        target('no-op at N = %d: at most 1 LDAP operation per 20 applications' % LARGE_N,
               '%d operations, %.2f per 20 applications' % (noop['ldap_operations'], per_20), per_20 <= 1)
    converge, alone = at.get(('converge', TARGET_N)), at.get(('dc_alone', TARGET_N))
    if converge and alone:
        ratio = converge['wall_s'] / alone['wall_s']
        target('first converge at N = %d at most 1.15x the DC alone' % TARGET_N,
               '%.2f s against %.2f s: %.2fx' % (converge['wall_s'], alone['wall_s'], ratio), ratio <= 1.15)
    target(*_per_gmsa_read(table))
    large = [row for row in table if row['run'] in ('converge', 'noop', 'check') and row['n'] == max(
        item['n'] for item in table)]
    if large:
        peak = max(row['peak_pss_mb'] or 0 for row in large)
        target('peak memory (PSS) of the ansible-playbook tree at N = %d under 300 MB' % large[0]['n'],
               '%.0f MB' % peak, peak < 300)
    if host_counts:
        target(*_host_verdict(host_counts))
    for run in ('converge', 'noop'):
        per_application = sorted((row['n'], row['per_application_ms']) for row in table if row['run'] == run)
        if len(per_application) >= 2:
            (_n_small, small), (_n_large, large_ms) = per_application[-2], per_application[-1]
            target('%s linear or better in N (time per application does not grow)' % RUNS[run],
                   '%.1f ms per application at N = %d, %.1f ms at N = %d'
                   % (small, per_application[-2][0], large_ms, per_application[-1][0]), large_ms <= small * 1.1)
    return verdicts


def _per_gmsa_read(table):
    """The no-op's read per gMSA (the role's application task, per application) against samba-tool view's."""
    views = {row['n']: row for row in table if row['run'] == 'samba_view'}
    noops = {row['n']: row for row in table if row['run'] == 'noop' and row['gmsa_task_ms_per_gmsa']}
    text = 'per gMSA, the no-op read at least 30x faster than samba-tool service-account view'
    if not views or not noops:
        return text, 'not measured (--no-samba-tool)', None
    view = views[max(views)]
    noop = noops[max(noops)]
    ratio = view['per_application_ms'] / noop['gmsa_task_ms_per_gmsa']
    return text, '%.2f ms per gMSA (N = %d) against %.1f ms (N = %d): %.0fx' % (
        noop['gmsa_task_ms_per_gmsa'], noop['n'], view['per_application_ms'], view['n'], ratio), ratio >= 30


def _host_verdict(host_counts):
    flat = all(len(set(counts.values())) == 1 for counts in host_counts['counts'].values())
    return ('container_host module executions per host, and kubernetes tasks, the same for N = %s'
            % ', '.join(map(str, host_counts['sizes'])),
            '%d of %d rows flat (the table below has them)' % (
                sum(1 for counts in host_counts['counts'].values() if len(set(counts.values())) == 1),
                len(host_counts['counts'])), flat)


def targets_markdown(verdicts):
    lines = ['| target | measured | |', '|---|---|---|']
    lines += ['| %s | %s | %s |' % verdict for verdict in verdicts]
    return '\n'.join(lines) + '\n\nThe plot (docs/images/benchmark.png) shows the growth in N.\n'


def slowest_tasks(table, run='noop', count=8):
    """The role's tasks that took longest in the ``run`` at the largest N (ansible.posix.profile_tasks)."""
    rows_of_run = [row for row in table if row['run'] == run]
    if not rows_of_run:
        return ''
    row = max(rows_of_run, key=lambda item: item['n'])
    lines = ['| the slowest tasks of the %s, N = %d | s |' % (RUNS[run], row['n']), '|---|---:|']
    for name, seconds in sorted(row['task_seconds'].items(), key=lambda item: -item[1])[:count]:
        lines.append('| %s | %.2f |' % (name.replace('|', '/'), seconds))
    return '\n'.join(lines) + '\n'


def plot(table, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = [('converge', 'first converge', 'o-'), ('noop', 'no-op re-run', 's-'), ('check', 'check mode', '^-'),
              ('dc_alone', 'DC alone (raw LDAP adds)', 'v:'),
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
    # The role's filters run inside Ansible's templating: named first, so that they are told apart from it.
    ('collection: the role\'s filters (deriving the names, the arguments, the hand-overs)',
     ('_role_applications.py', '_inventory.py', '_portable_secrets.py', '_rotation.py')),
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


# ------------------------------------------------------------------ the container hosts
def count_host_executions():
    """Module executions per container host, and the kubernetes role's tasks, for 1, 10 and 100 applications
    against the stand-ins (tests/bench/host_counts.py): {sizes, flat: {row: {N: count}}, markdown}."""
    sys.path.insert(0, str(BENCH))
    import host_counts

    rows = host_counts.host_counts(host_counts.SIZES)
    flat = {}
    for role, scenario, count, runs in rows:
        for run, value in runs.items():
            # kubernetes: (tasks run, module executions in the cluster); the tasks are what must not grow.
            flat.setdefault('%s, %s, %s' % (role, scenario, run), {})[count] = value[0] if isinstance(value, tuple) else value
    return {'sizes': list(host_counts.SIZES), 'counts': flat, 'markdown': host_counts.table(rows) + '\n\n'
            'container_host: module executions on the host. kubernetes: tasks run / module executions in the cluster.\n'}


# ------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='1,10,100,1000',
                        help='comma-separated numbers of applications (default 1,10,100,1000)')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each measurement; the fastest counts (default 3)')
    parser.add_argument('--no-samba-tool', action='store_true', help='skip the samba-tool baseline')
    parser.add_argument('--samba-tool-max', type=int, default=100,
                        help='the samba-tool baseline only up to this N: per gMSA it is flat, and slow (default 100)')
    parser.add_argument('--no-host-counts', action='store_true', help='skip counting the container hosts\' module runs')
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
    if max(sizes) > 9999:
        parser.error('at most 9999 applications: the names are %s0001 to %s9999' % (PREFIX, PREFIX))

    link = COLLECTIONS / 'ansible_collections' / 'wincontainers' / 'gmsa'
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)
    RAW.mkdir(parents=True, exist_ok=True)

    lab = Lab()
    lab.host_account()
    bench = Bench(lab, options.repeat, Path(options.collections))
    summaries = []
    startup = bench.startup()
    print('ansible-playbook start-up (empty play): %.2f s' % startup, flush=True)
    try:
        for n in sizes:
            print('N = %d' % n, flush=True)
            bench.applications(n)
            bench.dc_alone(n)
            if not options.no_samba_tool and n <= options.samba_tool_max:
                bench.samba_tool(n)
        if options.profile:
            lab.clean()
            summaries = [profile(bench, max(sizes), run) for run in ('converge', 'noop')]
    finally:
        lab.clean()

    host_counts = None if options.no_host_counts else count_host_executions()
    table = rows(bench.measurements)
    meta = dict(metadata(options.repeat), ansible_playbook_startup_s=round(startup, 2))
    results = Path(options.results)
    results.mkdir(parents=True, exist_ok=True)
    verdicts = target_verdicts(table, host_counts)
    document = {'metadata': meta, 'rows': table, 'host_counts': host_counts,
                'targets': [dict(zip(('target', 'measured', 'verdict'), verdict)) for verdict in verdicts]}
    text = markdown(table, meta)
    if verdicts:
        text += '\n' + targets_markdown(verdicts)
    text += '\n' + slowest_tasks(table, 'noop') + '\n' + slowest_tasks(table, 'converge')
    if host_counts:
        text += '\n' + host_counts['markdown']
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
