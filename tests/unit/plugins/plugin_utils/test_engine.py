"""The object engine on its own, with a small table of its own: what ensure() writes and in which order, for
each kind of property. The real tables are proven against the lab DC (tests/integration)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Change, DirectoryError, Entry
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import WellKnownContainer
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import (
    Flags,
    ObjectType,
    Secret,
    Single,
    Task,
    Values,
    ensure,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Mode

DOMAIN = 'DC=x'
CONTAINER = 'CN=Things,' + DOMAIN
OU = 'OU=Moved,' + DOMAIN
DN = 'CN=t1,' + CONTAINER


class Directory:
    """Holds one object as attributes of bytes; records every write; refuses the writes it is told to."""

    def __init__(self, attributes=None, dn=DN):
        self.dn = dn
        self.attributes = attributes
        self.writes = []
        self.refusals = []      # (operation, DirectoryError, what to change first) to answer with, in order
        self.facts = SimpleNamespace(dn=DOMAIN, dns_name='x')
        self.remembered = {('well-known container', 'ab'): CONTAINER}

    def entry(self):
        if self.attributes is None:
            return None
        return Entry(self.dn, {name: [value.encode() for value in values] for name, values in self.attributes.items()})

    def read(self, dn, attributes):
        if dn == OU:
            return Entry(OU, {'objectClass': [b'organizationalUnit']})
        return self.entry() if dn == self.dn else None

    def _refused(self, operation):
        if self.refusals and self.refusals[0][0] == operation:
            _operation, error, meanwhile = self.refusals.pop(0)
            if meanwhile:
                meanwhile(self)
            raise error

    def add(self, dn, object_classes, attributes):
        self._refused('add')
        self.writes.append(('add', dn, attributes))
        self.dn, self.attributes = dn, {name: [v if isinstance(v, str) else v.decode() for v in
                                               (values if isinstance(values, list) else [values])]
                                        for name, values in attributes.items()}

    def modify(self, dn, changes):
        self._refused('modify')
        self.writes.append(('modify', dn, changes))
        for attribute, steps in changes.items():
            values = self.attributes.setdefault(attribute, [])
            for step in steps:
                texts = [v if isinstance(v, str) else v.decode() for v in step.values]
                if step.operation == 'replace':
                    values[:] = texts
                elif step.operation == 'add':
                    values.extend(texts)
                else:
                    values[:] = [value for value in values if value not in texts] if texts else []

    def move(self, dn, rdn, new_parent):
        self.writes.append(('move', dn, new_parent))
        self.dn = '%s,%s' % (rdn, new_parent)

    def delete(self, dn):
        self.writes.append(('delete', dn))
        self.attributes = None


def refusal(description, message='refused'):
    return DirectoryError(message, {'description': description, 'message': message})


def find(task):
    task.name = task.params['name']
    return task.directory.entry()


def steps_of(current, wanted):
    return ['b', wanted] if {current, wanted} == {'a', 'c'} else [wanted]


THING = ObjectType(
    kind='thing',
    object_classes=('top', 'thing'),
    find=find,
    container=WellKnownContainer('Things', 'ab'),
    fixed=lambda task: {'flags': '512'},
    properties=(
        Secret('secret', 'secret', encode=lambda value: value.upper(), differs=lambda task, entry: True),
        Single('level', 'level', steps=steps_of,
               refused=lambda dn, current, wanted, error: 'level: %s cannot go from %s to %s (%s)'
               % (dn, current, wanted, error)),
        Single('note', 'note', normal=lambda value: value or None),
        Flags('off', 'flags', 0x2, bits=lambda off: 0x2 if off else 0, shown_as=lambda value: bool(value & 0x2)),
        Flags('locked', 'flags', 0x10, bits=lambda on: 0x10 if on else 0, shown_as=lambda value: bool(value & 0x10)),
        Values('tags', 'tag', key=str.lower),
    ),
)


def run(directory, check=False, **params):
    params.setdefault('name', 't1')
    return ensure(Task(directory, params, Mode(check=check, diff=True)), THING)


def existing(**attributes):
    values = dict(level=['a'], flags=['512'], tag=['one'])
    values.update(attributes)
    return Directory(values)


def test_a_new_object_is_one_add_with_its_fixed_values_and_every_flag():
    directory = Directory()
    outcome = run(directory, level='a', off=True, locked=True, tags={'set': ['one', 'two']}, secret='s3')
    (operation, dn, attributes), = directory.writes
    assert operation == 'add' and dn == DN
    assert attributes == {'flags': str(512 | 0x2 | 0x10), 'level': ['a'], 'tag': ['one', 'two'], 'secret': 'S3'}
    assert outcome.changed and outcome.before == {'state': 'absent'}
    assert outcome.after['secret_changed'] is True and 'secret' not in outcome.after


def test_check_mode_writes_nothing_and_shows_the_plan():
    directory = existing()
    outcome = run(directory, check=True, level='c', tags={'add': ['two']})
    assert directory.writes == []
    assert outcome.changed and outcome.after['level'] == 'c' and outcome.after['tags'] == ['one', 'two']


def test_an_unchanged_object_is_not_written():
    directory = existing()
    outcome = run(directory, level='a', off=False, tags={'add': ['ONE']})
    assert not outcome.changed and directory.writes == []


def test_two_options_on_one_integer_are_one_replace_keeping_the_other_bits():
    directory = existing(flags=[str(512 | 0x80)])
    run(directory, off=True, locked=True)
    (_operation, _dn, changes), = directory.writes
    assert changes == {'flags': [Change('replace', (str(512 | 0x80 | 0x2 | 0x10),))]}


def test_a_list_changes_value_by_value():
    directory = existing(tag=['one', 'two'])
    run(directory, tags={'add': ['three'], 'remove': ['TWO']})
    (_operation, _dn, changes), = directory.writes
    assert changes == {'tag': [Change('delete', ('two',)), Change('add', ('three',))]}


def test_a_value_added_and_removed_is_an_input_error_before_any_write():
    directory = existing()
    with pytest.raises(ADInputError, match='^tags: three listed in both add and remove'):
        run(directory, tags={'add': ['three'], 'remove': ['Three']})
    assert directory.writes == []


def test_a_stepped_value_is_written_one_request_per_step():
    directory = existing()
    run(directory, level='c', note='n')
    first, second = [changes for _operation, _dn, changes in directory.writes]
    assert first == {'note': [Change('replace', ('n',))], 'level': [Change('replace', ('b',))]}
    assert second == {'level': [Change('replace', ('c',))]}


def test_a_step_refused_half_way_is_put_back_and_said_in_the_propertys_words():
    directory = existing()
    original_modify = directory.modify
    calls = []

    def modify(dn, changes):
        calls.append(changes)
        if len(calls) == 2:
            raise refusal('unwillingToPerform')
        original_modify(dn, changes)

    directory.modify = modify
    with pytest.raises(ADError, match=r'^level: CN=t1,CN=Things,DC=x cannot go from a to c'):
        run(directory, level='c')
    assert calls[-1] == {'level': [Change('replace', (b'a',))]}
    assert directory.attributes['level'] == ['a']


def test_a_change_another_writer_made_meanwhile_is_planned_again_once():
    directory = existing(tag=['one'])

    def someone_adds_two(target):
        target.attributes['tag'].append('two')

    directory.refusals = [('modify', refusal('attributeOrValueExists'), someone_adds_two)]
    run(directory, tags={'add': ['two', 'three']})
    (_operation, _dn, changes), = directory.writes
    assert changes == {'tag': [Change('add', ('three',))]}
    assert directory.attributes['tag'] == ['one', 'two', 'three']


def test_a_refusal_that_planning_again_does_not_change_is_raised():
    directory = existing()
    directory.refusals = [('modify', refusal('constraintViolation', 'no such value'), None)]
    with pytest.raises(ADError, match='no such value'):
        run(directory, tags={'add': ['two']})


def test_an_object_created_meanwhile_at_the_same_dn_gets_only_what_is_left():
    directory = Directory()

    def someone_creates_it(target):
        target.attributes = {'level': ['a'], 'flags': ['512'], 'tag': []}

    directory.refusals = [('add', refusal('entryAlreadyExists'), someone_creates_it)]
    run(directory, level='a', tags={'set': ['one']})
    (operation, _dn, changes), = directory.writes
    assert operation == 'modify' and changes == {'tag': [Change('add', ('one',))]}


def test_a_name_taken_by_another_object_says_so():
    directory = Directory()
    directory.refusals = [('add', refusal('entryAlreadyExists'), None)]
    with pytest.raises(ADError, match=r'^name: CN=t1,CN=Things,DC=x already exists and is not this thing'):
        run(directory, level='a')


def test_path_moves_an_existing_object_before_changing_it():
    directory = existing()
    outcome = run(directory, path=OU, level='b')
    assert [write[0] for write in directory.writes] == ['move', 'modify']
    assert directory.writes[0] == ('move', DN, OU)
    assert directory.writes[1][1] == 'CN=t1,' + OU
    assert outcome.after['dn'] == 'CN=t1,' + OU


def test_absent_deletes_and_shows_what_was_there():
    directory = existing()
    outcome = run(directory, state='absent')
    assert directory.writes == [('delete', DN)]
    assert outcome.before['level'] == 'a' and outcome.after == {'state': 'absent'}
