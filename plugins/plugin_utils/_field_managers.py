# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Who made each Kubernetes object the kubernetes role would write or delete, and so what the role may do with it.

The API server records, in each object's ``metadata.managedFields``, every field manager that wrote fields of it
(server-side apply). The role applies under one manager of its own; an object no entry of that manager is in was made
by someone else, and the role leaves it as it is unless told to take it over. Pure: what was read in, decisions out.
"""

from __future__ import annotations

import ast
import json

CONFLICT = 409


def object_key(resource):
    """``Kind/name`` of a cluster-scoped object, ``Kind/namespace/name`` of a namespaced one: how the refusals name
    an object and how ``kubernetes_take_over`` lists it."""
    metadata = resource.get('metadata') or {}
    return '/'.join(part for part in (resource['kind'], metadata.get('namespace'), metadata['name']) if part)


def secret_stubs(plan):
    """The Secrets the role would apply, by name only, from the plan's ``namespace/name`` list."""
    return [{'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'namespace': namespace, 'name': name}}
            for namespace, _slash, name in (item.partition('/') for item in plan['secrets'])]


def lookups(resources):
    """One listing per apiVersion, kind and namespace that reads every object of ``resources``, in first-seen order:
    as many for a hundred applications as for one, as long as they share their namespaces."""
    seen = {}
    for resource in resources:
        lookup = {'api_version': resource['apiVersion'], 'kind': resource['kind']}
        namespace = (resource.get('metadata') or {}).get('namespace')
        if namespace:
            lookup['namespace'] = namespace
        seen.setdefault(tuple(sorted(lookup.items())), lookup)
    return list(seen.values())


def field_managers(resource):
    """The managers that hold fields of ``resource``, sorted."""
    entries = (resource.get('metadata') or {}).get('managedFields') or []
    return sorted({entry.get('manager') or '(unnamed)' for entry in entries})


def cluster_plan(plan, found, field_manager, take_over):
    """What the role may do in the cluster with what ``kubernetes_plan`` wants, given the objects ``found`` there.

    - An object that does not exist yet, or that ``field_manager`` holds fields of, is the role's: applied without
      forcing conflicts, so the API server refuses a field another manager owns.
    - One named in ``take_over`` is applied with conflicts forced: its fields become the role's.
    - Any other existing object is refused, and nothing is applied.
    - Only objects the role's manager holds fields of, or named in ``take_over``, are removed; the others are left.
    """
    existing = {object_key(resource): resource for resource in found}
    take_over = set(take_over or [])

    def decide(resource):
        key = object_key(resource)
        current = existing.get(key)
        if key in take_over:
            return 'take over'
        if current is None or field_manager in field_managers(current):
            return 'own'
        return 'foreign'

    secrets = secret_stubs(plan)
    refused = [resource for resource in plan['apply'] + secrets if decide(resource) == 'foreign']
    removed = [resource for resource in plan['remove'] if object_key(resource) in existing]
    left = [resource for resource in removed if decide(resource) == 'foreign']
    return {
        'apply': [{'force': force, 'resources': chosen} for force, chosen in _batches(plan['apply'], decide)],
        'secrets': [{'force': force, 'secrets': ['%s/%s' % (secret['metadata']['namespace'], secret['metadata']['name'])
                                                 for secret in chosen]}
                    for force, chosen in _batches(secrets, decide)],
        'remove': [resource for resource in removed if decide(resource) != 'foreign'],
        'owners': {key: field_managers(resource) for key, resource in existing.items()},
        'refused': _refusal(refused, existing, field_manager),
        'left': _left_alone(left, existing),
    }


def _batches(resources, decide):
    """(force, resources) of at most two applies: the role's own without forcing conflicts, then those taken over."""
    batches = []
    for force, decision in ((False, 'own'), (True, 'take over')):
        chosen = [resource for resource in resources if decide(resource) == decision]
        if chosen:
            batches.append((force, chosen))
    return batches


def _described(resources, existing):
    return ', '.join('%s (field managers: %s)' % (object_key(resource),
                                                  ', '.join(field_managers(existing[object_key(resource)])) or 'none')
                     for resource in resources)


def _refusal(refused, existing, field_manager):
    if not refused:
        return ''
    return ('these objects exist in the cluster and were not made by the field manager %s of this role: %s; the role '
            'leaves them as they are and applies nothing: delete them, or name them in kubernetes_take_over to take '
            'them over' % (field_manager, _described(refused, existing)))


def _left_alone(left, existing):
    if not left:
        return ''
    return ('left in the cluster, not made by this role: %s; delete them yourself, or name them in '
            'kubernetes_take_over for the role to remove them' % _described(left, existing))


# ------------------------------------------------------------ a refused apply
def apply_failure(result, owners, hide_answer=False):
    """One line for a failed apply task (``result``, as a rescue sees it: one result or a loop's).

    When the API server refused the apply because another field manager owns a field the role would change (409,
    Conflict), the line names each such manager and field, the objects that manager holds fields of (``owners``,
    object key to managers) and the fix; it is made of those names only. Any other failure is the module's own
    message, unless ``hide_answer`` (the answer may hold a password), when it is a fixed sentence.
    """
    messages = [item.get('msg') or '' for item in result.get('results') or [result] if item.get('failed')]
    for message in messages:
        conflicts = _conflicts(_status(message))
        if conflicts:
            return _conflict_line(conflicts, owners)
    if hide_answer:
        return ('the API server refused a portable user\'s Secret, for another reason than a field another field '
                'manager owns; its answer is not shown, since it may hold the password')
    first = next((message for message in messages if message.strip()), result.get('msg') or 'the apply failed')
    return first.strip().splitlines()[0]


def _status(message):
    """The Status object of the API server's answer in kubernetes.core's message ("Failed to apply object:
    b'{...}'", the response body as Python writes bytes), or None."""
    start = message.find("b'") if "b'" in message else message.find('b"')
    try:
        body = ast.literal_eval(message[start:].strip()) if start >= 0 else message[message.index('{'):]
        return json.loads(body.decode('utf-8') if isinstance(body, bytes) else body)
    except (ValueError, SyntaxError, UnicodeDecodeError):
        return None


def _conflicts(status):
    """(manager, manager as the API server prints it, field path) of each conflict of an apply Conflict status. The
    causes carry them one by one: reason FieldManagerConflict, message 'conflict with "<manager>"' and, for a manager
    that wrote with an update, ' using <apiVersion>', and the field's path."""
    if not isinstance(status, dict) or status.get('code') != CONFLICT:
        return []
    causes = (status.get('details') or {}).get('causes') or []
    conflicts = []
    for cause in causes:
        if cause.get('reason') != 'FieldManagerConflict':
            continue
        printed = cause.get('message', '').replace('conflict with ', '', 1)
        name = printed.split('"')[1] if printed.count('"') >= 2 else printed
        conflicts.append((name, printed, cause.get('field', '')))
    return conflicts


def _conflict_line(conflicts, owners):
    managers = {name for name, _printed, _field in conflicts}
    holding = sorted(key for key, names in owners.items() if managers & set(names))
    return ('the API server refused to apply: %s; the role takes no field another field manager owns: have that '
            'manager give the field up, or name %s in kubernetes_take_over to take it over'
            % ('; '.join('%s owns %s' % (printed, field) for _name, printed, field in conflicts),
               ', '.join(holding) or 'the object'))
