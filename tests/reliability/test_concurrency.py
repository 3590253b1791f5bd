"""Four playbooks at once on the same objects: new groups they all create with a member of their own, new
gMSAs they all create with an SPN of their own, and one existing gMSA they all add an SPN to.

Every run must succeed, every member and SPN must be on the DC afterwards (read with ldbsearch), and exactly
one run may report each new object as created: a run whose add the DC refuses because
another run created the object after its read converges on that object instead of failing.
"""

from __future__ import annotations

import threading
import time

import pytest

from harness import playbook_runner
from forests import record_figure

pytestmark = pytest.mark.lab

RUNS = 4
GROUPS = 6     # new groups every run creates, one after the other: each a race of its own
ACCOUNTS = 4   # new gMSAs likewise
OLD_GMSA = 'RelCcOld'

SETUP = '''
- name: one member per run
  wincontainers.gmsa.group:
    name: "RelCcM{{ item }}"
  loop: "{{ range(1, %(runs)d + 1) | list }}"
- name: the gMSA every run adds an SPN to
  wincontainers.gmsa.service_account:
    name: %(old)s
''' % {'runs': RUNS, 'old': OLD_GMSA}

# Each run sleeps until the same moment, so that the writes start together rather than one
# interpreter start-up (seconds on two busy cores) apart; the loops then keep them close.
CONCURRENT = '''
- name: wait for the common start
  ansible.builtin.command: "{{ ansible_playbook_python }} -c 'import time; time.sleep(max(0, %(start)f - time.time()))'"
  changed_when: false
- name: the same new groups, with this run's member
  wincontainers.gmsa.group:
    name: "RelCcG{{ item }}"
    members:
      add: [RelCcM%(run)d]
  loop: "{{ range(1, %(groups)d + 1) | list }}"
- name: the same new gMSAs, with an SPN of this run, readable by the first group
  wincontainers.gmsa.service_account:
    name: "RelCcN{{ item }}"
    spns:
      add: ["http/relcc-n{{ item }}-%(run)d.gmsa.test"]
    allowed_to_retrieve_password:
      add: [RelCcG1]
  loop: "{{ range(1, %(accounts)d + 1) | list }}"
- name: an SPN of this run on the existing gMSA
  wincontainers.gmsa.service_account:
    name: %(old)s
    spns:
      add: [http/relcc-old-%(run)d.gmsa.test]
'''


def created(result):
    return result.get('diff', {}).get('before') == {'state': 'absent'}


def test_four_runs_at_once(solo_dc, tmp_path):
    setup = playbook_runner(solo_dc, tmp_path)(SETUP)
    assert setup.rc == 0, setup.output

    start = time.time() + 8  # after every run's start-up, on two loaded cores
    runs = [None] * RUNS

    def play(number):
        folder = tmp_path / ('run%d' % number)
        folder.mkdir()
        tasks = CONCURRENT % {'start': start, 'run': number, 'groups': GROUPS, 'accounts': ACCOUNTS, 'old': OLD_GMSA}
        runs[number - 1] = playbook_runner(solo_dc, folder)(tasks, args=('--diff',))

    threads = [threading.Thread(target=play, args=(number,)) for number in range(1, RUNS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.time() > start, 'the runs did not wait for the common start'

    for run in runs:
        assert run.rc == 0, run.output
        assert not any(result.get('failed') for result in run.results), run.output

    # Per object, the results of the four runs: exactly one created it.
    for task, count in ((1, GROUPS), (2, ACCOUNTS)):
        for item in range(count):
            results = [run.result(task)['results'][item] for run in runs]
            assert sum(created(result) for result in results) == 1, [result.get('diff') for result in results]

    found = solo_dc.ldbsearch(solo_dc.domain_dn, '(|(sAMAccountName=RelCcG*)(sAMAccountName=RelCcN*)'
                              '(sAMAccountName=%s$))' % OLD_GMSA, ['sAMAccountName', 'member', 'servicePrincipalName'])
    by_name = {attributes['sAMAccountName'][0]: attributes for attributes in found.values()}
    every_member = {'cn=relccm%d' % run for run in range(1, RUNS + 1)}
    for item in range(1, GROUPS + 1):
        members = {value.split(',')[0].lower() for value in by_name['RelCcG%d' % item].get('member', [])}
        assert members == every_member, (item, members)
    spns_found = 0
    for name, prefix in [('RelCcN%d' % item, 'n%d' % item) for item in range(1, ACCOUNTS + 1)] + [(OLD_GMSA, 'old')]:
        spns = {value.lower() for value in by_name[name + '$']['servicePrincipalName']}
        wanted = {'http/relcc-%s-%d.gmsa.test' % (prefix, run) for run in range(1, RUNS + 1)}
        assert wanted <= spns, (name, spns)
        assert {'host/%s' % name.lower(), 'host/%s.gmsa.test' % name.lower()} <= spns, (name, spns)
        spns_found += len(wanted)

    record_figure('concurrency: %d playbooks at once on %d new groups, %d new gMSAs and 1 existing gMSA: 0 failed; '
                  '%d of %d members and %d SPNs present; each object created by exactly 1 run'
                  % (RUNS, GROUPS, ACCOUNTS, GROUPS * RUNS, GROUPS * RUNS, spns_found))


# The same, with the applications of one task (wincontainers.gmsa.application's applications): every run reads
# them all ahead, then writes; a run whose add another run got to first converges on that object.
APPLICATIONS = 4
BATCH = '''
- name: wait for the common start
  ansible.builtin.command: "{{ ansible_playbook_python }} -c 'import time; time.sleep(max(0, %(start)f - time.time()))'"
  changed_when: false
- name: the same new applications in one task, each group with this run's member, each gMSA with an SPN of this run
  wincontainers.gmsa.application:
    applications:
%(applications)s
'''
APPLICATION = ('      - {name: RelCcA%(item)d, spns: {add: [http/relcc-a%(item)d-%(run)d.gmsa.test]}, '
               'group: {name: RelCcAG%(item)d, members: {add: [RelCcM%(run)d]}}}')


def batch_tasks(start, run):
    items = '\n'.join(APPLICATION % {'item': item, 'run': run} for item in range(1, APPLICATIONS + 1))
    return BATCH % {'start': start, 'applications': items}


def test_four_runs_at_once_of_many_applications_in_one_task(solo_dc, tmp_path):
    setup = playbook_runner(solo_dc, tmp_path)(SETUP)
    assert setup.rc == 0, setup.output
    start = time.time() + 8
    runs = [None] * RUNS

    def play(number):
        folder = tmp_path / ('batch%d' % number)
        folder.mkdir()
        runs[number - 1] = playbook_runner(solo_dc, folder)(batch_tasks(start, number))

    threads = [threading.Thread(target=play, args=(number,)) for number in range(1, RUNS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for run in runs:
        assert run.rc == 0, run.output
        assert not any(item['failed'] for item in run.result()['applications']), run.output

    found = solo_dc.ldbsearch(solo_dc.domain_dn, '(|(sAMAccountName=RelCcAG*)(sAMAccountName=RelCcA*$))',
                              ['sAMAccountName', 'member', 'servicePrincipalName'])
    by_name = {attributes['sAMAccountName'][0]: attributes for attributes in found.values()}
    every_member = {'cn=relccm%d' % run for run in range(1, RUNS + 1)}
    for item in range(1, APPLICATIONS + 1):
        members = {value.split(',')[0].lower() for value in by_name['RelCcAG%d' % item].get('member', [])}
        assert members == every_member, (item, members)
        spns = {value.lower() for value in by_name['RelCcA%d$' % item]['servicePrincipalName']}
        assert {'http/relcc-a%d-%d.gmsa.test' % (item, run) for run in range(1, RUNS + 1)} <= spns, (item, spns)
    record_figure('concurrency: %d playbooks at once on %d new applications in one task each: 0 failed; every '
                  'member and SPN present' % (RUNS, APPLICATIONS))
