"""What the tests share: the collection on the import path, a playbook runner,
and checks of a failed task's message and of the DC having written nothing.

Nothing here imports the collection's plugins: what the tests assert is read
independently of the code under test.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from lab_dc import REPO

# The collection must sit at ansible_collections/wincontainers/gmsa to be imported or found by Ansible.
COLLECTIONS = REPO / 'tests' / 'output' / 'collections'
_LINK = COLLECTIONS / 'ansible_collections' / 'wincontainers' / 'gmsa'
if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(REPO, target_is_directory=True)
sys.path.insert(0, str(COLLECTIONS))


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list

    @property
    def output(self):
        return self.stdout + self.stderr

    def result(self, index=-1):
        return self.results[index]


def task_results(callback_json):
    """Results of every task for localhost, in order, from the json callback's output."""
    results = []
    for play in callback_json.get('plays', []):
        for task in play.get('tasks', []):
            for host_result in task.get('hosts', {}).values():
                results.append(host_result)
    return results


def callback_document(stdout):
    """The json callback's document; with -v and more, verbose lines come before it."""
    start = stdout.find('{\n    "custom_stats"')
    return json.loads(stdout[start:]) if start >= 0 else {}


def playbook_runner(lab, tmp_path):
    """A function that runs tasks on localhost with ansible-playbook against ``lab``,
    the connection given through GMSA_AD_* variables as a credential type would give it."""

    def run(tasks, extra_env=None, args=(), connection_env=True, callback='json', play_options=''):
        playbook = tmp_path / 'playbook.yml'
        playbook.write_text('- hosts: localhost\n  gather_facts: false\n%s  tasks:\n%s' % (
            textwrap.indent(textwrap.dedent(play_options), '  '), textwrap.indent(textwrap.dedent(tasks), '    ')))
        env = {key: value for key, value in os.environ.items() if not key.startswith('GMSA_AD_')}
        env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_STDOUT_CALLBACK=callback,
                   ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
                   ANSIBLE_NOCOLOR='1', KRB5_CONFIG=lab.env['KRB5_CONFIG'])
        if connection_env:
            env.update(lab.connection_env())
        env.update(extra_env or {})
        command = lab.in_lab_net([str(Path(sys.executable).parent / 'ansible-playbook'), str(playbook), *args])
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
        results = task_results(callback_document(done.stdout)) if callback == 'json' else []
        return PlaybookRun(done.returncode, done.stdout, done.stderr, results)

    return run


def assert_one_clean_line(run, *expected):
    """A failed task: its message is one line containing ``expected``, and nothing printed a traceback."""
    assert run.rc != 0, run.output
    message = run.result()['msg']
    assert '\n' not in message.strip(), message
    for text in expected:
        assert text in message, message
    assert 'Traceback' not in run.output
    return message


# Objects this file's tests create or whose membership they change.
OURS = ('grpt', 'usrt', 'cn=administrator,', 'cn=guest,', 'cn=krbtgt,')


def written_since(lab, usn):
    """DNs of the domain objects written after ``usn`` (deleted ones included), from the DC's own database."""
    out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '--show-recycled', '-b', lab.domain_dn,
                          '(uSNChanged>=%d)' % (usn + 1), 'uSNChanged'],
                         check=True, capture_output=True, text=True).stdout
    return [line[4:] for line in out.splitlines() if line.startswith('dn: ')]


def assert_nothing_written(lab, usn, ours=OURS):
    """No write since ``usn``: the DC's highestCommittedUSN is unchanged, or every object written
    since then belongs to someone else testing against the same DC at the same time."""
    if lab.highest_committed_usn() == usn:
        return
    mine = [dn for dn in written_since(lab, usn) if any(mark in dn.lower() for mark in ours)]
    assert not mine, 'written since USN %d: %s' % (usn, mine)


def filter_value(value):
    """RFC 4515 escaping, written out here so the test does not rely on the code under test."""
    return ''.join('\\%02x' % ord(char) if char in '*()\\\0' else char for char in value)


def decoded(lab, sam, attribute):
    """One attribute of the group, read with ldbsearch, base64 (non-ASCII) values decoded."""
    out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '-b', lab.domain_dn,
                          '(sAMAccountName=%s)' % filter_value(sam), attribute],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith(attribute + ':: '):
            return base64.b64decode(line.split(':: ', 1)[1]).decode('utf-8')
        if line.startswith(attribute + ': '):
            return line.split(': ', 1)[1]
    return None
