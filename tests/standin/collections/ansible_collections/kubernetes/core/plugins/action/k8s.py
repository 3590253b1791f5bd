"""Stand-in for kubernetes.core.k8s: creates, patches, applies and deletes objects of the stand-in cluster.

What each state does follows kubernetes.core's own module_utils/k8s/runner.py (perform_action) and service.py:
present without apply creates a missing object and PATCHes an existing one (strategic merge, then JSON merge
patch: fields the definition does not name stay); apply with server_side_apply is server-side apply under the
field manager; absent deletes; check mode is a server-side dry run. Client-side apply and the options the role
does not use are refused by name rather than imitated.
"""

from __future__ import annotations

import json

import yaml

from ansible.module_utils.common.dict_transformations import recursive_diff

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._cluster import APIError, Cluster, ResourceNotFound

# Options whose behaviour the stand-in does not model, with the value that leaves them out of play.
NOT_MODELLED = {'src': None, 'template': None, 'label_selectors': None, 'generate_name': None, 'append_hash': False,
                'delete_all': False, 'continue_on_error': False, 'wait': False, 'force': False, 'merge_type': None,
                'delete_options': None, 'hidden_fields': None}


def definitions(params):
    """The objects the task names, as the real module gathers them (a dict, a list or YAML text, else kind and name).

    The real module gets its arguments as JSON, so what Ansible templated (its own string types, for instance from a
    loop variable) arrives as plain JSON values: here too."""
    given = json.loads(json.dumps(params['resource_definition']))
    if isinstance(given, str):
        given = [item for item in yaml.safe_load_all(given) if item]
    elif not given:
        # An empty list too: create_definitions() tests the option for truth, then builds one object of the options.
        given = [{'apiVersion': params['api_version'], 'kind': params['kind'], 'metadata': {'name': params['name']}}]
    for item in given if isinstance(given, list) else [given]:
        item = dict(item)
        item['metadata'] = dict(item.get('metadata') or {})
        item.setdefault('apiVersion', params['api_version'])
        if params['kind']:
            item.setdefault('kind', params['kind'])
        if params['name']:
            item['metadata'].setdefault('name', params['name'])
        if params['namespace']:
            item['metadata'].setdefault('namespace', params['namespace'])
        yield item


def without_server_counters(diff):
    """Only metadata.generation or resourceVersion changed: kubernetes.core's diff_objects counts that as no change."""
    before, after = diff
    return (set(before) | set(after) <= {'metadata'}
            and set(before.get('metadata', {})) | set(after.get('metadata', {})) <= {'generation', 'resourceVersion'})


class RefusedWrite(Exception):
    """The server refused a write; the message is kubernetes.core's: the operation, then the Status body."""


def write(operation, method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except APIError as error:
        raise RefusedWrite('Failed to %s object: %r' % (operation, error.status().encode('utf-8'))) from None


class ActionModule(StandInAction):
    module = 'kubernetes.core.k8s'
    returns_objects = ('result',)

    def act(self, state, params, check_mode, diff):
        unmodelled = sorted(name for name, value in NOT_MODELLED.items() if params.get(name) not in (value, None, [], {}))
        if params['apply'] and not params['server_side_apply']:
            unmodelled.append('apply without server_side_apply (client-side apply)')
        if unmodelled:
            return {'failed': True, 'msg': 'stand-in k8s: %s not modelled' % ', '.join(unmodelled)}
        cluster = Cluster(state)
        results = []
        for definition in definitions(params):
            try:
                results.append(self.perform(cluster, definition, params, check_mode, diff))
            except ResourceNotFound as error:
                return {'failed': True, 'msg': str(error)}
            except RefusedWrite as error:
                return {'failed': True, 'msg': str(error)}
        if len(results) == 1:
            return results[0]
        return {'changed': any(result['changed'] for result in results), 'result': {'results': results}}

    @staticmethod
    def perform(cluster, definition, params, check_mode, diff):
        metadata = definition['metadata']
        namespaced, _model, _schema = cluster.resource_type(definition['apiVersion'], definition['kind'])
        namespace = metadata.get('namespace') if namespaced else None
        existing = cluster.get(definition['kind'], metadata.get('name'), namespace)
        if params['state'] == 'absent':
            cluster.delete(definition['kind'], metadata.get('name'), namespace, dry_run=check_mode)
            return {'changed': existing is not None, 'result': {}}
        if params['apply']:
            ssa = params['server_side_apply']
            instance = write('apply', cluster.apply, definition, ssa['field_manager'], ssa['force_conflicts'],
                             dry_run=check_mode)
        elif not existing:
            return {'changed': True, 'result': write('create', cluster.create, definition, dry_run=check_mode)}
        else:
            # Strategic merge patch first: for these kinds (no list with a patchMergeKey) it is the merge patch.
            instance = write('patch', cluster.patch, definition, dry_run=check_mode)
        result = {'changed': False, 'result': instance}
        difference = recursive_diff(existing or {}, instance)
        if difference and not without_server_counters(difference):
            result['changed'] = True
        if diff and difference:
            result['diff'] = {'before': difference[0], 'after': difference[1]}
        return result
