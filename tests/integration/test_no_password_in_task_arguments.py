"""No task hands a password to callback plug-ins: the collection's playbooks against the lab DC, watched by a
callback that records every task's arguments as logging and audit callbacks read them.

A callback plug-in gets each task with its arguments templated (``result.task.args``), also for a task with
``no_log``; Ansible only censors that task's result. Callbacks that ship logs to a server honour no_log by
leaving such a task's arguments out, as AWX does (ansible-runner's awx_display callback writes "the output has
been hidden" for ``task_args`` when ``task.no_log``). So every task handed a password must have no_log: the
recorder here honours it as AWX does, and records everything else. The passwords it looks for: the portable
user's from the inventory (as from Ansible Vault), the generated ones in the secret folder (read afterwards),
and the bind password.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from harness import accounts_flow

pytestmark = pytest.mark.lab

INVENTORY_PASSWORD = 'Npt-Vault-Sentinel-7q!'
CUSTOM_GUID = '{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}'
APPLICATIONS = [
    # A portable user whose password the inventory gives.
    {'name': 'nptVault01', 'domain_joined': False, 'portable_user': {'password': INVENTORY_PASSWORD},
     'plugin': {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'vault'}},
    # Two that take turns, with generated passwords, rotated through the hand-over of a store of its own.
    {'name': 'nptTurn01', 'domain_joined': False, 'portable_user': {'blue_green': True},
     'plugin': {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'turn'}},
]

RECORDER = '''
    import json
    import os

    from ansible.plugins.callback import CallbackBase

    class CallbackModule(CallbackBase):
        """Every task's templated arguments, but those of no_log tasks (as AWX's callback)."""
        CALLBACK_VERSION = 2.0
        CALLBACK_TYPE = 'aggregate'
        CALLBACK_NAME = 'task_arguments'
        CALLBACK_NEEDS_ENABLED = True

        def record(self, result, **_flags):
            task = result._task
            entry = {'task': task.get_name(), 'no_log': bool(task.no_log)}
            if not task.no_log:
                entry['args'] = task.args
                entry['result'] = result._result
            with open(os.environ['TASK_ARGUMENTS_LOG'], 'a') as log:
                log.write(json.dumps(entry, default=repr) + '\\n')

        v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_item_on_ok = record
        v2_runner_item_on_failed = v2_runner_item_on_skipped = record
'''


def sweep(lab):
    for application in APPLICATIONS:
        name = application['name']
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
        lab.samba_tool('group', 'delete', name + 'Hosts', check=False)
        for user in (name + '-ccg', name + '-ccg2'):
            lab.samba_tool('user', 'delete', user, check=False)


@pytest.fixture(params=['oldest', 'newest'])
def recorded(lab, tmp_path, request):
    """The playbooks' runs with the recorder, on the oldest and the newest ansible-core meta/runtime.yml admits."""
    sweep(lab)
    plugins = tmp_path / 'callback_plugins'
    plugins.mkdir()
    (plugins / 'task_arguments.py').write_text(textwrap.dedent(RECORDER))
    log = tmp_path / 'task-arguments.jsonl'
    env = dict(lab.connection_env(), ANSIBLE_CALLBACK_PLUGINS=str(plugins), ANSIBLE_CALLBACKS_ENABLED='task_arguments',
               TASK_ARGUMENTS_LOG=str(log))
    inventory = {'all': {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
        'vars': {'gmsa_kds_mode': 'lab', 'gmsa_output_dir': str(tmp_path / 'output'),
                 'gmsa_secret_dir': str(tmp_path / 'secrets'), 'gmsa_kubernetes_apply': False,
                 'gmsa_rotation_grace_minutes': 0, 'gmsa_applications': APPLICATIONS}}}
    run = accounts_flow(tmp_path, inventory, request.param, env)
    run.log, run.secrets = log, tmp_path / 'secrets'
    yield run
    sweep(lab)


def test_no_task_hands_a_password_to_callbacks(lab, recorded):
    handed_over = json.dumps({'gmsa_rotation_handed_over': ['nptTurn01']})
    for playbook, *args in (('site.yml',), ('site.yml', '--check', '--diff'), ('rotate.yml',),
                            ('rotate.yml', '-e', handed_over), ('verify.yml',), ('report.yml',)):
        done = recorded(playbook, *args)
        assert done.rc == 0, '%s: %s' % (playbook, done.output[-3000:])

    records = [json.loads(line) for line in recorded.log.read_text().splitlines()]
    shown = [record for record in records if not record['no_log']]
    # The recorder saw the tasks' arguments: the tasks that name an application by name, for one.
    assert any('nptTurn01' in json.dumps(record['args']) for record in shown)
    generated = {path.name: path.read_text().strip() for path in recorded.secrets.iterdir()
                 if path.is_file() and path.name.startswith('nptTurn01-ccg') and '.' not in path.name}
    assert generated, 'the rotation kept no password on the controller'
    secrets = dict(generated, inventory=INVENTORY_PASSWORD, bind=lab.password)
    leaks = sorted({'%s in the task %r' % (name, record['task']) for record in shown
                    for name, secret in secrets.items() if secret in json.dumps(record)})
    assert not leaks, leaks
