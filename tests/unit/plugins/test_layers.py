"""The layering of docs/architecture.md, held: only the directory layer (plugins/plugin_utils/_ldap/)
imports ldap3, the codecs and the naming rules depend on nothing, an action is a shell over plugin_utils/_tasks,
the objects layer and the doctor's checks sit below the tasks, and no filter imports another."""

from __future__ import annotations

import ast
import pathlib

import pytest

PLUGINS = pathlib.Path(__file__).resolve().parents[3] / 'plugins'
LDAP_PACKAGE = PLUGINS / 'plugin_utils' / '_ldap'
CODECS = [LDAP_PACKAGE / '_codecs.py', LDAP_PACKAGE / '_security_descriptor.py']


def imported_modules(path):
    """Every module ``path`` imports, at any depth of its code (imports inside functions count)."""
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def python_files():
    return sorted(PLUGINS.rglob('*.py'))


def test_the_walk_sees_the_plugins():
    assert (PLUGINS / 'plugin_utils' / '_action.py') in python_files()


@pytest.mark.parametrize('path', python_files(), ids=lambda path: str(path.relative_to(PLUGINS)))
def test_only_the_directory_layer_imports_ldap3(path):
    ldap3 = [name for name in imported_modules(path) if name == 'ldap3' or name.startswith('ldap3.')]
    if LDAP_PACKAGE in path.parents:
        return
    assert not ldap3, '%s imports %s; only plugins/plugin_utils/_ldap/ may' % (path.relative_to(PLUGINS), ldap3)


@pytest.mark.parametrize('path', CODECS, ids=lambda path: path.name)
def test_the_codecs_depend_on_nothing_but_each_other(path):
    allowed = {'__future__', 'struct', 'uuid', 'datetime', 'dataclasses', 'typing',
               'ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._codecs'}
    assert set(imported_modules(path)) <= allowed


def test_the_directory_layer_imports_no_plugin_above_it():
    above = ('ansible_collections.wincontainers.gmsa.plugins.action',
             'ansible_collections.wincontainers.gmsa.plugins.filter')
    own = 'ansible_collections.wincontainers.gmsa.plugins.plugin_utils.'
    for path in sorted(LDAP_PACKAGE.glob('*.py')):
        for name in imported_modules(path):
            assert not name.startswith(above), '%s imports %s' % (path.name, name)
            if name.startswith(own):
                assert name.startswith(own + '_ldap') or name == own + '_errors', '%s imports %s' % (path.name, name)


ACTIONS = sorted((PLUGINS / 'action').glob('*.py'))
OWN_ACTIONS = 'ansible_collections.wincontainers.gmsa.plugins.action'


@pytest.mark.parametrize('path', ACTIONS, ids=lambda path: path.name)
def test_an_action_imports_no_other_action(path):
    actions = [name for name in imported_modules(path) if name.startswith(OWN_ACTIONS)]
    assert not actions, '%s imports %s; share the work through plugins/plugin_utils/_tasks/' % (path.name, actions)


def test_plugin_utils_import_no_action():
    for path in sorted((PLUGINS / 'plugin_utils').rglob('*.py')):
        actions = [name for name in imported_modules(path) if name.startswith(OWN_ACTIONS)]
        assert not actions, '%s imports %s' % (path.relative_to(PLUGINS), actions)


@pytest.mark.parametrize('path', ACTIONS, ids=lambda path: path.name)
def test_an_action_is_a_shell_over_the_tasks(path):
    own = 'ansible_collections.wincontainers.gmsa.plugins.plugin_utils.'
    used = {name for name in imported_modules(path) if name.startswith(own)}
    assert used <= {own + '_action', own + '_tasks'}, '%s imports %s' % (path.name, sorted(used))


OBJECTS = sorted((PLUGINS / 'plugin_utils' / '_objects').glob('*.py'))
TASKS = 'ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks'


@pytest.mark.parametrize('path', OBJECTS, ids=lambda path: path.name)
def test_the_objects_layer_imports_no_task_and_no_plugin_above_it(path):
    above = [name for name in imported_modules(path)
             if name.startswith((TASKS, OWN_ACTIONS, 'ansible_collections.wincontainers.gmsa.plugins.filter'))]
    assert not above, '%s imports %s' % (path.name, above)


DOCTOR = sorted((PLUGINS / 'plugin_utils' / '_doctor').glob('*.py'))


@pytest.mark.parametrize('path', DOCTOR, ids=lambda path: path.name)
def test_the_doctor_checks_import_no_task_and_no_plugin_above_them(path):
    above = [name for name in imported_modules(path)
             if name.startswith((TASKS, OWN_ACTIONS, 'ansible_collections.wincontainers.gmsa.plugins.filter'))]
    assert not above, '%s imports %s; the doctor task runs the checks, not the other way round' % (path.name, above)


def test_the_doctor_checks_are_seen():
    assert PLUGINS / 'plugin_utils' / '_doctor' / '_dns.py' in DOCTOR


FILTERS = sorted((PLUGINS / 'filter').glob('*.py'))


@pytest.mark.parametrize('path', FILTERS, ids=lambda path: path.name)
def test_a_filter_imports_no_other_filter(path):
    filters = [name for name in imported_modules(path)
               if name.startswith('ansible_collections.wincontainers.gmsa.plugins.filter')]
    assert not filters, '%s imports %s; share the logic through plugins/plugin_utils/' % (path.name, filters)


def test_the_naming_rules_are_pure():
    assert set(imported_modules(PLUGINS / 'plugin_utils' / '_naming.py')) <= {'__future__', 'ipaddress', 're'}


REPORT = PLUGINS / 'plugin_utils' / '_report'
OWN = 'ansible_collections.wincontainers.gmsa.plugins.plugin_utils.'
# The report's evaluation, data and rendering are pure: only _collect reads the directory.
PURE_REPORT = {'_readers.py': set(), '_build.py': {OWN + '_naming', OWN + '_report._readers'},
               '_render.py': set()}


@pytest.mark.parametrize('name', sorted(PURE_REPORT))
def test_the_report_is_pure_but_for_its_reading(name):
    standard = {'__future__', 'collections', 'dataclasses', 'datetime', 'html', 're', 'typing'}
    assert set(imported_modules(REPORT / name)) <= standard | PURE_REPORT[name]


@pytest.mark.parametrize('path', sorted(REPORT.glob('*.py')), ids=lambda path: path.name)
def test_the_report_imports_no_task_and_no_plugin_above_it(path):
    above = [name for name in imported_modules(path)
             if name.startswith((TASKS, OWN_ACTIONS, 'ansible_collections.wincontainers.gmsa.plugins.filter'))]
    assert not above, '%s imports %s' % (path.name, above)


def test_the_walk_sees_the_report():
    assert set(PURE_REPORT) | {'__init__.py', '_collect.py'} == {path.name for path in REPORT.glob('*.py')}


CANARY = PLUGINS / 'plugin_utils' / '_canary'


@pytest.mark.parametrize('path', sorted(CANARY.glob('*.py')), ids=lambda path: path.name)
def test_the_canary_is_pure(path):
    """What the canary runs and what it found are decided without a connection or Ansible: only the naming rules,
    the doctor's findings and each other."""
    allowed = {'__future__', 'dataclasses', 're', OWN + '_naming', OWN + '_doctor._findings'}
    used = {name for name in imported_modules(path) if not name.startswith(OWN + '_canary')}
    assert used <= allowed, '%s imports %s' % (path.name, sorted(used - allowed))


def test_the_walk_sees_the_canary():
    assert {'__init__.py', '_plan.py', '_findings.py'} <= {path.name for path in CANARY.glob('*.py')}
