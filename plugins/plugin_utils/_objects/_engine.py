# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The object engine: each kind of AD object this collection manages is a table of its properties, and one
``ensure()`` does the rest for all of them.

``ensure()`` finds the object, plans every property from the table, shows before and after, writes nothing in
check mode, and otherwise makes the object with one add, or moves it and changes it with one modify, and
reads it back. A property says which attribute it is, how its value is read, compared and written, and, for a
list, how {add, remove, set} apply. The kinds of object (``_group``, ``_user``, ``_gmsa``, ``_kds_root_key``)
add only what is theirs: how the object is found, what every new one carries, and the checks before a write.
In the spirit of microsoft.ad's _ADObject.psm1.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import (
    SECURITY_DESCRIPTOR,
    DirectoryError,
    add_values,
    delete_values,
    first_rdn,
    object_dn,
    owner_descriptor,
    replace_values,
    same_dn,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._accounts import (
    container_for,
    moved_dn,
    new_parent_for,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._ownership import Adoption, adoption_of
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import conflicting_values, plan_values

ABSENT = {'state': 'absent'}


def _unchanged(value):
    return value


@dataclass
class Task:
    """One task item: the directory, the module's options and mode, and what finding the object learnt."""
    directory: object
    params: dict
    mode: object
    name: Optional[str] = None   # the object's common name
    sam: Optional[str] = None    # its sAMAccountName, when it has one
    names: dict = field(default_factory=dict)   # SID -> sAMAccountName, as met: shows SID lists without a search
    found: dict = field(default_factory=dict)   # what else finding learnt that the result needs (the root keys)

    def asked(self, option):
        return self.params.get(option)


# ------------------------------------------------------------------ properties
@dataclass(frozen=True)
class Single:
    """A single-valued attribute that one option sets."""
    option: str
    attribute: str
    read: Callable = None      # (task, entry) -> value; its text by default
    asked: Callable = None     # (task) -> the value the task asks for (None: leave it); the option by default
    normal: Callable = _unchanged   # the form values are compared and shown in ('' clears: None)
    same: Callable = operator.eq    # whether two normal values are the same to AD
    default: Callable = None   # (task, planned values so far) -> the value of a new object the task leaves open
    encode: Callable = None    # value -> the attribute's values; [str(value)] by default, none for None
    create_only: str = None    # why an existing object cannot change it (the option's error then)
    steps: Callable = None     # (current, wanted) -> the values to write, one modify each (AD refuses some jumps)
    refused: Callable = None   # (current, wanted, steps, error) -> the message when the DC refuses a step

    def current(self, task, entry):
        return self.normal(self.read(task, entry) if self.read else entry.text(self.attribute))

    def planned(self, task, current, exists, planned):
        asked = self.asked(task) if self.asked else task.asked(self.option)
        if asked is None:
            return current if exists else self.normal(self.default(task, planned) if self.default else None)
        asked = self.normal(asked)
        if not exists or self.same(asked, current):
            return current if exists else asked
        if self.create_only:
            raise ADInputError(self.create_only % {'current': current, 'asked': asked, 'name': task.sam or task.name},
                               self.option)
        return asked

    def shown(self, task, value):
        return value

    def values_of(self, value):
        if self.encode:
            return self.encode(value)
        return [] if value is None else [str(value)]


@dataclass(frozen=True)
class Flags:
    """The bits ``mask`` of an integer attribute, which one option sets; bits no option manages are kept."""
    option: str
    attribute: str
    mask: int
    bits: Callable             # asked value -> its bits within mask
    shown_as: Callable         # the attribute's integer -> the value shown
    default: object = None     # what a new object gets when the option is not given (None: the base bits)

    def current(self, task, entry):
        return entry.integer(self.attribute)

    def shown(self, task, value):
        return self.shown_as(value)

    def applied(self, task, value, exists):
        """``value`` (the attribute's integer) with this option's bits as asked."""
        asked = task.asked(self.option)
        if asked is None and not exists:
            asked = self.default
        if asked is None:
            return value
        return ((value or 0) & ~self.mask) | self.bits(asked)


@dataclass(frozen=True)
class Values:
    """A list of values that an {add, remove, set} option changes value by value."""
    option: str
    attribute: str
    key: Callable = _unchanged     # when two values are the same value
    read: Callable = None          # (task, entry) -> the values; the texts by default
    resolve: Callable = None       # (task, [texts]) -> the values as stored (DNs, SIDs); the texts by default
    default: Callable = None       # (task, planned values so far) -> the values of a new object
    shown_as: Callable = None      # (task, values) -> what diff mode shows; sorted by key by default
    changes_of: Callable = None    # (entry, ValueChange) -> the modify steps; deletes and adds by default
    created_as: Callable = None    # (values) -> the values of the add; the values by default

    def current(self, task, entry):
        return list(self.read(task, entry) if self.read else entry.texts(self.attribute))

    def asked(self, task):
        """The option with each value as stored; a value both added and removed is an input error."""
        option = task.asked(self.option)
        if not option:
            return None
        texts = [text for part in ('add', 'remove', 'set') for text in option.get(part) or []]
        stored = dict(zip(texts, self.resolve(task, texts) if self.resolve else texts))
        by_part = {part: None if option.get(part) is None else [stored[text] for text in option[part]]
                   for part in ('add', 'remove', 'set')}
        both = conflicting_values(by_part, key=self.key)
        if both:
            raise ADInputError('%s listed in both add and remove; keep each in one of them'
                               % ', '.join(str(self.shown(task, [value])[0]) for value in both), self.option)
        return by_part

    def change(self, task, current, exists, planned):
        base = current if exists else (self.default(task, planned) if self.default else [])
        return plan_values(base, self.asked(task), key=self.key)

    def shown(self, task, values):
        if self.shown_as:
            return self.shown_as(task, values)
        return sorted(values, key=self.key)

    def steps(self, entry, change):
        if self.changes_of:
            return self.changes_of(entry, change)
        return delete_values(change.to_remove) + add_values(change.to_add)

    def values_of(self, values):
        return self.created_as(values) if self.created_as else list(values)


@dataclass(frozen=True)
class Secret:
    """A write-only attribute (a password): never read and never shown; the diff says only that it changes."""
    option: str
    attribute: str
    encode: Callable           # value -> the attribute's value
    differs: Callable          # (task, entry) -> whether an existing object's secret is to be written


# ------------------------------------------------------------------ kinds of object
@dataclass(frozen=True)
class ObjectType:
    """One kind of object: the words messages use, how it is found, and the table of its properties."""
    kind: str
    object_classes: Tuple[str, ...]
    find: Callable                       # (task) -> its entry, or None; sets task.name and task.sam
    properties: Tuple = ()
    fixed: Callable = None               # (task) -> what every new one carries besides its properties
    new_dn: Callable = None              # (task) -> the DN of a new one; by default name under path or container
    container: object = None             # the well-known container of a new one when path is not given
    shown_as: Callable = None            # (task, dn, entry) -> what diff mode shows besides the properties
    before_write: Callable = None        # (task, plan) -> warnings; raises for what the directory refuses later
    explain: Callable = None             # (task, error, plan) -> a clearer ADError for a refused write, or None

    def property(self, option):
        return next(prop for prop in self.properties if prop.option == option)


@dataclass(frozen=True)
class Plan:
    """What the object is to become, and the writes that make it so."""
    entry: Optional[object]             # the object as found; None when it is to be created
    dn: str                             # its DN afterwards
    values: dict                        # option -> planned value, as shown
    before: dict                        # diff mode's before
    after: dict                         # diff mode's after, as planned
    attributes: Optional[dict] = None   # the add
    requests: Tuple[dict, ...] = ()     # the modify requests, in order (more than one only for stepped values)
    new_parent: Optional[str] = None    # where it moves
    secrets: Tuple[str, ...] = ()       # the write-only options written
    adoption: Optional[Adoption] = None  # taken over from another owner (adopt: true)

    @property
    def creates(self):
        return self.entry is None

    @property
    def changed(self):
        return self.creates or bool(self.new_parent) or any(self.requests) or bool(self.adoption)


@dataclass(frozen=True)
class Outcome:
    """What ``ensure()`` did: its result, diff mode's before and after, and the object as it is now (read back
    after a write, as found otherwise; None when there is none, or in check mode before it is created)."""
    changed: bool
    before: dict
    after: dict
    entry: Optional[object]
    plan: Optional[Plan] = None
    warnings: Tuple[str, ...] = ()


# ------------------------------------------------------------------ ensure
def ensure(task, object_type):
    """The object as the task asks: found, taken only if it may be (``adopt``), planned, shown, and written unless
    in check mode."""
    entry = object_type.find(task)
    adoption = adoption_of(task, object_type.kind, entry)
    if task.asked('state') == 'absent':
        return _ensure_absent(task, object_type, entry)
    plan = plan_object(task, object_type, entry, adoption)
    warnings = tuple(object_type.before_write(task, plan) or ()) if object_type.before_write else ()
    if adoption:
        warnings += (adoption.warning(object_type.kind, entry.dn, task.mode.check),)
    if not plan.changed or task.mode.check:
        return Outcome(plan.changed, plan.before, plan.after, entry, plan, warnings)
    plan = write(task, object_type, plan)
    # Found again: the DC fills in SIDs and GUIDs, and rewrites what follows from what was written (host SPNs).
    # Found the way it was found at first, the later steps of the item that ask for it by name need no search.
    written = object_type.find(task)
    if written is None:
        raise ADError('the %s %s was written but cannot be read back' % (object_type.kind, plan.dn))
    after = dict(view(task, object_type, written), **_secrets_changed(plan.secrets), **_owner(plan.adoption, 'after'))
    return Outcome(True, plan.before, after, written, plan, warnings)


def _ensure_absent(task, object_type, entry):
    if entry is None:
        return Outcome(False, ABSENT, ABSENT, None)
    before = view(task, object_type, entry)
    if not task.mode.check:
        task.directory.delete(entry.dn)
    return Outcome(True, before, ABSENT, entry)


def view(task, object_type, entry, dn=None, values=None):
    """What diff mode shows of an object: as read (``entry``), or as planned (``dn`` and ``values``)."""
    if values is None:
        dn, values = entry.dn, {prop.option: prop.current(task, entry) for prop in _shown(object_type)}
    shown = {'state': 'present', 'dn': dn}
    if object_type.shown_as:
        shown.update(object_type.shown_as(task, dn, entry))
    shown.update((prop.option, prop.shown(task, values[prop.option])) for prop in _shown(object_type))
    return shown


def _shown(object_type):
    return [prop for prop in object_type.properties if not isinstance(prop, Secret)]


def _secrets_changed(secrets):
    """A write-only value shows only as changed."""
    return {'%s_changed' % option: True for option in secrets}


def _owner(adoption, side):
    """The owner, shown only where it changes: an object taken over."""
    if adoption is None:
        return {}
    return {'owner': adoption.previous_owner if side == 'before' else adoption.owner}


# ------------------------------------------------------------------ planning
def plan_object(task, object_type, entry, adoption=None):
    """The plan for ``state: present``. It only reads: bad input fails here, before any write."""
    draft = _Draft(task, object_type, entry, adoption)
    for prop in object_type.properties:
        draft.add(prop)
    return draft.plan()


class _Draft:
    """A plan while it is made, property by property in the table's order (a default may depend on an earlier
    property: the SPNs on the DNS host name)."""

    def __init__(self, task, object_type, entry, adoption=None):
        self.task, self.object_type, self.entry, self.adoption = task, object_type, entry, adoption
        self.exists = entry is not None
        self.values = {}       # option -> planned value
        self.attributes = {}   # of the add
        self.changes = {}      # attribute -> steps, of the first modify request
        self.stepped = []      # (property, path) of values written in steps
        self.secrets = []
        self.integers = {}     # attribute -> (current, planned) of the Flags properties sharing it
        self._fixed = None

    def add(self, prop):
        if isinstance(prop, Secret):
            self._add_secret(prop)
        elif isinstance(prop, Flags):
            self._add_flags(prop)
        elif isinstance(prop, Values):
            self._add_values(prop)
        else:
            self._add_single(prop)

    def fixed(self):
        """What every new object of the type carries, asked for once."""
        if self._fixed is None:
            self._fixed = dict(self.object_type.fixed(self.task)) if self.object_type.fixed else {}
        return self._fixed

    def _add_secret(self, prop):
        secret = self.task.asked(prop.option)
        if secret is None or (self.exists and not prop.differs(self.task, self.entry)):
            return
        self.secrets.append(prop.option)
        if self.exists:
            self.changes[prop.attribute] = replace_values([prop.encode(secret)])
        else:
            self.attributes[prop.attribute] = prop.encode(secret)

    def _add_flags(self, prop):
        if prop.attribute not in self.integers:
            current = prop.current(self.task, self.entry) if self.exists else None
            start = current if self.exists else int(self.fixed().get(prop.attribute, 0))
            self.integers[prop.attribute] = (current, start)
        current, planned = self.integers[prop.attribute]
        self.integers[prop.attribute] = (current, prop.applied(self.task, planned, self.exists))

    def _add_values(self, prop):
        current = prop.current(self.task, self.entry) if self.exists else None
        change = prop.change(self.task, current, self.exists, self.values)
        self.values[prop.option] = list(change.after)
        if self.exists and change.changed:
            self.changes[prop.attribute] = prop.steps(self.entry, change)
        elif not self.exists and change.after:
            self.attributes[prop.attribute] = prop.values_of(change.after)

    def _add_single(self, prop):
        current = prop.current(self.task, self.entry) if self.exists else None
        value = prop.planned(self.task, current, self.exists, self.values)
        self.values[prop.option] = value
        if not self.exists:
            if prop.values_of(value):
                self.attributes[prop.attribute] = prop.values_of(value)
        elif not prop.same(value, current):
            self.stepped.append((prop, prop.steps(current, value) if prop.steps else [value]))

    def plan(self):
        for prop in self.object_type.properties:
            if isinstance(prop, Flags):
                self.values[prop.option] = self.integers[prop.attribute][1]
        for attribute, (current, planned) in self.integers.items():
            if not self.exists:
                self.attributes[attribute] = str(planned)
            elif planned != current:
                self.changes[attribute] = replace_values([str(planned)])
        secrets = tuple(self.secrets)
        if not self.exists:
            dn = self._new_dn()
            return Plan(entry=None, dn=dn, values=self.values, before=ABSENT,
                        after=self._after(dn), attributes=dict(self.fixed(), **self.attributes), secrets=secrets)
        new_parent = self._new_parent()
        dn = moved_dn(self.entry.dn, new_parent)
        before = dict(view(self.task, self.object_type, self.entry), **_owner(self.adoption, 'before'))
        return Plan(entry=self.entry, dn=dn, values=self.values, before=before, after=self._after(dn),
                    requests=self._requests(), new_parent=new_parent, secrets=secrets, adoption=self.adoption)

    def _after(self, dn):
        return dict(view(self.task, self.object_type, self.entry, dn, self.values), **_secrets_changed(self.secrets),
                    **_owner(self.adoption, 'after'))

    def _new_dn(self):
        if self.object_type.new_dn:
            return self.object_type.new_dn(self.task)
        return object_dn(self.task.name, container_for(self.task.directory, self.task.asked('path'),
                                                       self.object_type.container))

    def _new_parent(self):
        """``path`` moves an existing object, for every kind that lives where path says."""
        if not self.object_type.container:
            return None
        return new_parent_for(self.task.directory, self.entry.dn, self.task.asked('path'), self.object_type.container)

    def _requests(self):
        """Everything in the first modify request; a value AD changes in steps adds one request per later step."""
        requests = [dict(self.changes)]
        for prop, path in self.stepped:
            for index, value in enumerate(path):
                if index == len(requests):
                    requests.append({})
                requests[index][prop.attribute] = replace_values(prop.values_of(value))
        return tuple(request for request in requests if request)


# ------------------------------------------------------------------ writing
def write(task, object_type, plan):
    """Write ``plan``, and return the plan written: when the DC refuses it because another writer got there
    after our read (created the object, or changed the same values), it is planned again against the object
    as it is now and only what is left is written."""
    try:
        _write_plan(task, object_type, plan)
        return plan
    except _StepRefused as exc:
        raise ADError(str(exc)) from exc
    except ADError as exc:
        fresh = _planned_again(task, object_type, plan, exc)
        if fresh is None:
            raise _explained(task, object_type, plan, exc) from exc
    try:
        _write_plan(task, object_type, fresh)
    except ADError as exc:
        raise _explained(task, object_type, fresh, exc) from exc
    return fresh


def _write_plan(task, object_type, plan):
    directory = task.directory
    if plan.creates:
        directory.add(plan.dn, list(object_type.object_classes), plan.attributes)
        return
    if plan.new_parent:
        directory.move(plan.entry.dn, first_rdn(plan.entry.dn), plan.new_parent)
    if plan.adoption:
        # Before the other changes: when the DC refuses it (no right to take ownership), nothing else is written.
        directory.modify(plan.dn, {SECURITY_DESCRIPTOR: replace_values([owner_descriptor(plan.adoption.owner_sid)])})
    for index, request in enumerate(plan.requests):
        try:
            directory.modify(plan.dn, request)
        except ADError as exc:
            if index == 0:
                raise
            _put_back_steps(task, plan)
            raise _StepRefused(str(_explained(task, object_type, plan, exc))) from exc


class _StepRefused(ADError):
    """A later step of a value AD changes in steps was refused, and the earlier steps were put back."""


def _put_back_steps(task, plan):
    """The stepped attributes as they were, so that a refusal half-way leaves no value between the two."""
    restore = {attribute: replace_values(plan.entry.values(attribute)) for attribute in _stepped_attributes(plan)}
    task.directory.modify(plan.dn, restore)


def _stepped_attributes(plan):
    return {attribute for request in plan.requests[1:] for attribute in request}


def _planned_again(task, object_type, plan, error):
    """The plan against the object as it is now, or None when planning again cannot help."""
    created_meanwhile = isinstance(error, DirectoryError) and error.description == 'entryAlreadyExists'
    if plan.creates and not created_meanwhile:
        return None
    entry = object_type.find(task)
    if entry is None or (plan.creates and not same_dn(entry.dn, plan.dn)):
        return None
    fresh = plan_object(task, object_type, entry, None if plan.creates else plan.adoption)
    if not plan.creates and fresh.requests == plan.requests:
        return None
    return fresh


def _explained(task, object_type, plan, error):
    """The refusal in the words of the property or kind of object it concerns."""
    if object_type.explain:
        clearer = object_type.explain(task, error, plan)
        if clearer is not None:
            return clearer
    for prop in object_type.properties:
        if isinstance(prop, Single) and prop.refused and any(prop.attribute in request for request in plan.requests):
            current = prop.current(task, plan.entry)
            return ADError(prop.refused(plan.entry.dn, current, plan.values[prop.option], error))
    if plan.creates and isinstance(error, DirectoryError) and error.description == 'entryAlreadyExists':
        return ADError('name: %s already exists and is not this %s (its sAMAccountName differs); choose another '
                       'name or path, or give its sAMAccountName in sam_account_name' % (plan.dn, object_type.kind))
    return error
