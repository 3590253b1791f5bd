from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._value_lists import conflicting_values, plan_values


def test_no_option_leaves_the_values_alone():
    assert not plan_values(['a'], None).changed
    assert not plan_values(['a'], {'add': None, 'remove': None, 'set': None}).changed


def test_add_and_remove_touch_only_the_named_values():
    change = plan_values(['a', 'b'], {'add': ['c', 'a', 'c'], 'remove': ['b', 'x']})
    assert (change.to_add, change.to_remove, change.after) == (('c',), ('b',), ('a', 'c'))


def test_set_removes_the_others_and_set_empty_removes_all():
    change = plan_values(['a', 'b'], {'set': ['b', 'c']})
    assert (change.to_add, change.to_remove, change.after) == (('c',), ('a',), ('b', 'c'))
    assert plan_values(['a'], {'set': []}).to_remove == ('a',)


def test_values_compare_by_key():
    change = plan_values(['CN=A'], {'add': ['cn=a']}, key=str.lower)
    assert not change.changed and change.after == ('CN=A',)


def test_conflicts_are_values_both_added_and_removed():
    assert conflicting_values({'add': ['A', 'b'], 'remove': ['a']}, key=str.lower) == ['A']
    assert conflicting_values(None) == []
