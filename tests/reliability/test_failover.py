"""Two domain controllers of one forest: the first stops in the middle of a loop.

The items after the stop go to the second DC (the connection kept for the loop
is found dead, reconnected to the next DC that answers, and the operation sent
again), and the applications of one task after them are made on the second DC
from the start; a re-run after replication changes nothing; both DCs then hold
the same objects, and what was written on one is verified on the other.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from harness import playbook_runner
from forests import both_dcs_env, record_figure, replicate, restart

pytestmark = pytest.mark.lab

GROUPS = 6
ACCOUNTS = 2
STOP_AFTER = 3  # group items written before dc1 stops

LOOPS = '''
- name: groups, one a second
  wincontainers.gmsa.group:
    name: "RelFo{{ item }}"
    description: failover test
  loop: "{{ range(1, %(groups)d + 1) | list }}"
  loop_control:
    pause: 1
  register: groups
- name: gMSAs readable by those groups
  wincontainers.gmsa.service_account:
    name: "RelFoSvc{{ item }}"
    spns:
      add: ["http/relfo{{ item }}.gmsa.test"]
    allowed_to_retrieve_password:
      add: ["RelFo{{ item }}"]
  loop: "{{ range(1, %(accounts)d + 1) | list }}"
  register: accounts
- name: applications in one task, once dc1 has gone
  wincontainers.gmsa.application:
    applications:
      - {name: RelFoApp1, spns: {add: ["http/relfoapp1.gmsa.test"]}, group: {name: RelFoApp1G, members: {add: [RelFo1]}}}
      - {name: RelFoApp2, group: {name: RelFoApp2G, members: {add: [RelFo2]}}}
  register: applications
''' % {'groups': GROUPS, 'accounts': ACCOUNTS}
APPLICATION_OBJECTS = 4  # two groups, two gMSAs


def stop_when_written(dc1, dc2, usage_log, stopped):
    """Once STOP_AFTER items are done on dc1: replicate them to dc2, then stop dc1 (during the loop's pause)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lines = usage_log.read_text().splitlines() if usage_log.exists() else []
        if len(lines) >= STOP_AFTER:
            replicate(dc2, dc1)
            dc1.stop()
            stopped.set()
            return
        time.sleep(0.1)


def servers_used(usage_log):
    return [json.loads(line)['server'] for line in usage_log.read_text().splitlines()]


def objects(dc):
    """The test's objects as dc's own database holds them, by DN (replicated attributes only)."""
    found = dc.ldbsearch(dc.domain_dn, '(|(sAMAccountName=RelFo*))',
                         ['objectGUID', 'objectSid', 'member', 'servicePrincipalName', 'dNSHostName', 'description',
                          'msDS-GroupMSAMembership', 'userAccountControl'])
    return {dn.lower(): attributes for dn, attributes in found.items()}


def test_first_dc_stops_mid_loop(two_dcs, tmp_path):
    dc1, dc2 = two_dcs
    run = playbook_runner(dc1, tmp_path)
    usage_log = tmp_path / 'usage.jsonl'
    stopped = threading.Event()
    stopper = threading.Thread(target=stop_when_written, args=(dc1, dc2, usage_log, stopped))
    stopper.start()
    try:
        first = run(LOOPS, extra_env=dict(both_dcs_env(dc1, dc2, tmp_path), GMSA_AD_USAGE_LOG=str(usage_log)))
    finally:
        stopper.join()
    assert stopped.is_set(), 'dc1 was not stopped during the loop'
    assert first.rc == 0, first.output
    used = servers_used(usage_log)
    # A few items may still reach dc1 while it shuts down; from the first on dc2, all are.
    switched = used.index('dc2.gmsa.test')
    assert switched >= STOP_AFTER and set(used[switched:]) == {'dc2.gmsa.test'}, used
    assert len(used) == GROUPS + ACCOUNTS + 1
    assert all(item['changed'] for item in first.result(0)['results'] + first.result(1)['results'])
    assert [item['changed'] for item in first.result(2)['applications']] == [True, True], first.output

    # dc1 down: found through the SRV record, dc2 answers.
    discovered = run('- wincontainers.gmsa.domain_info:\n  register: info\n',
                     extra_env=both_dcs_env(dc1, dc2, tmp_path, discovery=True))
    assert discovered.rc == 0, discovered.output
    assert discovered.result()['domain']['domain_controller'].lower() == 'dc2.gmsa.test'

    # dc1 back, the two replicate, and a re-run through SRV discovery has nothing left to do.
    restart(dc1)
    replicate(dc1, dc2)
    replicate(dc2, dc1)
    rerun = run(LOOPS.replace('pause: 1', 'pause: 0'), extra_env=both_dcs_env(dc1, dc2, tmp_path, discovery=True))
    assert rerun.rc == 0, rerun.output
    assert not any(item['changed'] for item in rerun.result(0)['results'] + rerun.result(1)['results'])
    assert rerun.result(2)['changed'] is False, rerun.output

    on_dc1, on_dc2 = objects(dc1), objects(dc2)
    assert len(on_dc1) == GROUPS + ACCOUNTS + APPLICATION_OBJECTS
    assert on_dc1 == on_dc2

    # Written on dc2 while dc1 was down, verified on dc1 (and the other way round).
    verify = '''
- wincontainers.gmsa.verify:
    account: RelFoSvc%d
    principal: RelFo%d
    kerberos: false
    domain_server: [%s]
    tls_server_name: "%s"
'''
    checks = ''.join(verify % (number, number, dc['GMSA_AD_SERVER'], dc['GMSA_AD_TLS_SERVER_NAME'])
                     for number, dc in ((1, dc1.env), (ACCOUNTS, dc1.env), (1, dc2.env)))
    verified = run(checks, extra_env=both_dcs_env(dc1, dc2, tmp_path))
    assert verified.rc == 0, verified.output
    for result in verified.results:
        assert all(check['ok'] for check in result['checks']), result['checks']
    record_figure('failover: dc1 stopped mid-loop; %d of %d items failed over to dc2, 0 failed; re-run 0 changed; '
                  '%d objects identical on both DCs' % (len(used) - switched, len(used), len(on_dc1)))
