"""Run a playbook against stand-ins, on the oldest or the newest ansible-core the collection admits.

    from standin.runner import run_playbook
    done = run_playbook(playbook, inventory, core='oldest', extra_args=('--check',))
    assert done.rc == 0, done.output

The stand-in collections (tests/standin/collections) come first on ANSIBLE_COLLECTIONS_PATH, so that their
action plugins shadow the real modules of ansible.windows and kubernetes.core; STANDIN_MODULE_DOCS names the
real modules' documentation they are held to, written once per process with the newest core's ansible-doc.
Hosts name their state file in the host variable ``standin_state``.
"""

from __future__ import annotations

import atexit
import glob
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STANDIN_COLLECTIONS = REPO / 'tests' / 'standin' / 'collections'
COLLECTIONS = REPO / 'tests' / 'output' / 'collections'
VIRTUALENVS = {'newest': REPO / '.venv', 'oldest': REPO / '.venv-oldest'}

sys.path.insert(0, str(Path(__file__).resolve().parent))
from module_docs import write_module_docs  # noqa: E402  (beside this file)

_module_docs = None


def module_docs_file():
    """The real modules' documentation, written on the first call of the process (the pytest session)."""
    global _module_docs
    if _module_docs is None:
        folder = REPO / 'tests' / 'output'
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: another test run may be reading its own copy at the same time.
        handle, temporary = tempfile.mkstemp(prefix='standin-module-docs.', suffix='.json', dir=folder)
        os.close(handle)
        write_module_docs(temporary, str(VIRTUALENVS['newest'] / 'bin' / 'ansible-doc'))
        _module_docs = folder / ('standin-module-docs.%d.json' % os.getpid())
        os.replace(temporary, _module_docs)
        atexit.register(_module_docs.unlink, missing_ok=True)
    return _module_docs


def collections_path(core):
    paths = [STANDIN_COLLECTIONS, COLLECTIONS]
    if core == 'oldest':
        # The oldest core's virtualenv holds ansible-core alone: the real collections come from the newest's.
        paths += sorted(glob.glob(str(VIRTUALENVS['newest'] / 'lib' / 'python3*' / 'site-packages')))
    return ':'.join(str(path) for path in paths)


@dataclass
class StandInRun:
    rc: int
    stdout: str
    stderr: str
    document: dict = field(default_factory=dict)   # the json callback's output, when it was the callback

    @property
    def output(self):
        return self.stdout + self.stderr

    @property
    def results(self):
        """Every task's result per host, in order: (task name, host, result)."""
        return [(task['task']['name'], host, result) for play in self.document.get('plays', [])
                for task in play.get('tasks', []) for host, result in task.get('hosts', {}).items()]

    def stats(self, host='localhost'):
        return self.document.get('stats', {}).get(host, {})


def playbook_command(playbook_path, inventory_path, core='newest', extra_args=(), env=None, callback='json'):
    """(argv, environment) of ansible-playbook of ``core`` ('newest' or 'oldest') with the stand-ins in place;
    ``env`` adds to the environment."""
    if core not in VIRTUALENVS:
        raise ValueError("core must be 'newest' or 'oldest', not %r" % (core,))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(('GMSA_AD_', 'K8S_AUTH_'))}
    environment.update(ANSIBLE_COLLECTIONS_PATH=collections_path(core), STANDIN_MODULE_DOCS=str(module_docs_file()),
                       ANSIBLE_STDOUT_CALLBACK=callback, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
                       ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_RETRY_FILES_ENABLED='false')
    environment.update(env or {})
    command = [str(VIRTUALENVS[core] / 'bin' / 'ansible-playbook'), '-i', str(inventory_path), str(playbook_path),
               *extra_args]
    return command, environment


def run_playbook(playbook_path, inventory_path, core='newest', extra_args=(), env=None, callback='json'):
    """ansible-playbook of ``core`` ('newest' or 'oldest') with the stand-ins in place; ``env`` adds to the
    environment."""
    command, environment = playbook_command(playbook_path, inventory_path, core, extra_args, env, callback)
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False,
                          cwd=str(Path(playbook_path).parent))
    document = {}
    if callback == 'json':
        start = done.stdout.find('{\n    "custom_stats"')
        document = json.loads(done.stdout[start:]) if start >= 0 else {}
    return StandInRun(done.returncode, done.stdout, done.stderr, document)
