"""The blue/green rotation's plan from its state, and the record of what was last set as a password."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._passwords import complex_password, name_parts
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._password_record import (
    fingerprint,
    read_record,
    write_record,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._rotation import (
    RotationError,
    delivered,
    retired,
    rotation_plan,
    rotation_state,
    proven,
    started,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
APP = {'name': 'Batch01', 'portable_user': {'blue_green': True, 'users': [
    {'name': 'Batch01-ccg', 'sam_account_name': 'Batch01-ccg'},
    {'name': 'Batch01-ccg2', 'sam_account_name': 'Batch01-ccg2'}]},
    'plugin': {'store': {'kind': 'aws_secretsmanager', 'name': 'gmsa/batch01-ccg', 'region': 'eu-west-1'}}}
# A plug-in whose store this collection neither writes nor reads back (type: custom).
OWN_STORE_APP = dict(APP, plugin={'store': None})


def plan(state=None, rotate=('Batch01',), older_than_days=0, grace_minutes=15, now=NOW):
    rotate = rotate if isinstance(rotate, str) else list(rotate)
    return rotation_plan(APP, json.dumps(state) if state else '', rotate, older_than_days, grace_minutes, now)


def test_before_any_rotation_the_first_user_is_active_and_a_rotation_starts_with_the_second():
    first = plan()
    assert first['active']['sam_account_name'] == 'Batch01-ccg' and first['action'] == 'start'
    assert first['target']['sam_account_name'] == 'Batch01-ccg2'


def test_an_application_not_asked_for_is_left_alone():
    assert plan(rotate=['Other01'])['action'] == 'none'
    assert plan(rotate='all')['action'] == 'start'


def test_a_recent_rotation_is_not_due():
    recent = plan({'active': 'Batch01-ccg2', 'phase': 'idle', 'rotated_at': '2026-11-20T00:00:00Z'}, older_than_days=30)
    assert recent['action'] == 'none' and 'less than 30 days ago' in recent['why']
    old = plan({'active': 'Batch01-ccg2', 'phase': 'idle', 'rotated_at': '2026-10-01T00:00:00Z'}, older_than_days=30)
    assert old['action'] == 'start' and old['target']['sam_account_name'] == 'Batch01-ccg'


def test_the_phases_follow_each_other_and_hand_over():
    first = plan()
    after_start = started(first, NOW)
    assert after_start['phase'] == 'new_password' and after_start['target'] == 'Batch01-ccg2'
    going = plan(after_start)
    assert going['action'] == 'continue' and going['active']['sam_account_name'] == 'Batch01-ccg'
    after_delivery = delivered(going, NOW)
    assert after_delivery['active'] == 'Batch01-ccg2' and after_delivery['previous'] == 'Batch01-ccg'
    assert plan(after_delivery)['action'] == 'wait'
    over = plan(after_delivery, now=NOW + timedelta(minutes=15))
    assert over['action'] == 'retire' and over['previous']['sam_account_name'] == 'Batch01-ccg'
    done = retired(over)
    assert done['phase'] == 'idle' and done['active'] == 'Batch01-ccg2' and done['rotated_at'] == after_delivery['since']


def test_a_rotation_under_way_is_finished_even_when_not_due():
    under_way = {'active': 'Batch01-ccg', 'phase': 'new_password', 'target': 'Batch01-ccg2', 'since': '2026-12-01T11:00:00Z',
                 'rotated_at': '2026-11-30T00:00:00Z'}
    assert plan(under_way, older_than_days=30)['action'] == 'continue'


@pytest.mark.parametrize('text, message', [
    ('not json', 'not JSON'),
    (json.dumps({'active': 'someone', 'phase': 'idle'}), 'none of its portable users'),
    (json.dumps({'active': 'Batch01-ccg', 'phase': 'halfway'}), "the phase 'halfway'"),
])
def test_a_broken_state_file_says_what_to_do(text, message):
    with pytest.raises(RotationError, match=message):
        rotation_state(APP, text)


def test_the_record_matches_only_the_password_it_was_made_of(tmp_path):
    path = tmp_path / 'secrets' / 'u.record'
    write_record(str(path), 133, 'Sentinel-Record-1!')
    record = read_record(str(path))
    assert record.matches(133, 'Sentinel-Record-1!')
    assert not record.matches(134, 'Sentinel-Record-1!')
    assert not record.matches(133, 'Sentinel-Record-2!')
    assert 'Sentinel-Record-1!' not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_each_fingerprint_has_its_own_salt():
    assert fingerprint('same') != fingerprint('same')


def test_a_missing_or_unreadable_record_means_write_again(tmp_path):
    assert read_record(str(tmp_path / 'none')) is None
    (tmp_path / 'bad').write_text('{"pwd_last_set": "x"}')
    assert read_record(str(tmp_path / 'bad')) is None


@pytest.mark.parametrize('random_text', [
    'xxccgxxAAAA1111....xx', 'XXROTAWS01-CCG2yy7.', 'onlylowercaseletters', 'ccgccgccg', 'a' * 40,
])
def test_a_generated_password_holds_no_name_part_and_three_kinds(random_text):
    user = {'name': 'rotAws01-ccg2', 'sam_account_name': 'rotAws01-ccg2'}
    password = complex_password(random_text, [user['name'], user['sam_account_name']])
    assert not any(part in password.lower() for part in name_parts([user['name']]))
    kinds = [any(char.isupper() for char in password), any(char.islower() for char in password),
             any(char.isdigit() for char in password), any(not char.isalnum() for char in password)]
    assert sum(kinds) == 4
    assert password.startswith(random_text[:1])


def test_a_password_that_is_fine_stays_as_it_is():
    assert complex_password('Ab1.xyzXYZ', ['rotAws01-ccg']) == 'Ab1.xyzXYZ'


def test_a_store_the_collection_writes_needs_no_hand_over():
    going = plan(started(plan(), NOW))
    assert going['action'] == 'continue' and going['hand_over'] is None


def test_a_store_nobody_confirmed_is_not_a_hand_over():
    def own(state=None, rotate=('Batch01',), handed_over=()):
        return rotation_plan(OWN_STORE_APP, json.dumps(state) if state else '', list(rotate), 0, 15, NOW, handed_over)

    # A name left in the variables confirms nothing before the new password is proven and announced.
    first = own(handed_over=['Batch01'])
    assert first['action'] == 'start'
    going = own(started(first, NOW), handed_over=['Batch01'])
    assert going['action'] == 'continue' and going['hand_over'] == 'needed'
    waiting = proven(going, NOW)
    assert waiting['phase'] == 'handover' and waiting['target'] == 'Batch01-ccg2' and waiting['active'] == 'Batch01-ccg'
    # Asked again, or not asked: still waiting, and nothing is retired; the reason says what to run.
    for rotate in (['Batch01'], []):
        still = own(waiting, rotate)
        assert still['action'] == ('handover' if rotate else 'none')
        assert '-e gmsa_rotation_handed_over=Batch01' in still['why'] and 'Batch01-ccg2' in still['why']
    # Told it is done (even without naming it in the rotation): the target becomes active, as with a store.
    confirmed = own(waiting, [], handed_over=['Batch01'])
    assert confirmed['action'] == 'continue' and confirmed['hand_over'] == 'confirmed'
    assert delivered(confirmed, NOW)['active'] == 'Batch01-ccg2'
    assert own(waiting, [], handed_over='all')['hand_over'] == 'confirmed'
