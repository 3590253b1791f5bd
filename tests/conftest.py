"""Shared fixtures: the collection on the import path, the lab DC, and a playbook runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab_dc import REPO, LabDC  # noqa: E402  (after the path is set)

# The collection must sit at ansible_collections/wincontainers/gmsa to be imported or found by Ansible.
COLLECTIONS = REPO / 'tests' / 'output' / 'collections'
_LINK = COLLECTIONS / 'ansible_collections' / 'wincontainers' / 'gmsa'
if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(REPO, target_is_directory=True)
sys.path.insert(0, str(COLLECTIONS))


@pytest.fixture(scope='session')
def lab():
    return LabDC.start()


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


@pytest.fixture
def run_playbook(lab, tmp_path):
    return playbook_runner(lab, tmp_path)
