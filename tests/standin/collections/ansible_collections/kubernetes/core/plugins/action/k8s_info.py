"""Stand-in for kubernetes.core.k8s_info: reads objects of the stand-in cluster, one by name or all of a kind.

As kubernetes.core's service.find does, a kind the cluster does not serve is no failure: the result has no
resources and api_found false; hidden_fields removes the fields it names from each object returned (hide_fields),
and a map left empty by that goes too.
"""

from __future__ import annotations

import copy

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._cluster import Cluster, ResourceNotFound


def hidden(resource, fields):
    """``resource`` without the dotted ``fields`` (kubernetes.core's hide_fields, for map keys; list indexes and
    bracketed keys are not modelled)."""
    resource = copy.deepcopy(resource)
    for field in fields or []:
        parents, path = [resource], field.split('.')
        for key in path[:-1]:
            parents.append(parents[-1].get(key) if isinstance(parents[-1], dict) else None)
        if isinstance(parents[-1], dict):
            parents[-1].pop(path[-1], None)
        for parent, key in zip(reversed(parents[:-1]), reversed(path[:-1])):
            if isinstance(parent, dict) and parent.get(key) == {}:
                del parent[key]
    return resource


class ActionModule(StandInAction):
    module = 'kubernetes.core.k8s_info'
    returns_objects = ('resources',)

    def act(self, state, params, check_mode, diff):
        if params['label_selectors'] or params['field_selectors'] or params['wait']:
            return {'failed': True, 'msg': 'stand-in k8s_info: label_selectors, field_selectors and wait are not modelled'}
        if any('[' in field for field in params['hidden_fields'] or []):
            return {'failed': True, 'msg': 'stand-in k8s_info: hidden_fields with list indexes or bracketed keys are '
                                           'not modelled'}
        cluster = Cluster(state)
        try:
            namespaced, _model, _schema = cluster.resource_type(params['api_version'], params['kind'])
        except ResourceNotFound:
            return {'changed': False, 'api_found': False, 'resources': [],
                    'msg': 'Failed to find API for resource with apiVersion "%s" and kind "%s"'
                           % (params['api_version'], params['kind'])}
        namespace = params['namespace'] if namespaced else None
        if params['name']:
            found = cluster.get(params['kind'], params['name'], namespace)
            resources = [found] if found else []
        else:
            resources = sorted(cluster.list(params['kind'], namespace), key=lambda item: item['metadata']['name'])
        return {'changed': False, 'api_found': True,
                'resources': [hidden(resource, params['hidden_fields']) for resource in resources]}
