"""Stand-in for kubernetes.core.k8s_info: reads objects of the stand-in cluster, one by name or all of a kind.

As kubernetes.core's service.find does, a kind the cluster does not serve is no failure: the result has no
resources and api_found false.
"""

from __future__ import annotations

from ansible_collections.standin.common.plugins.plugin_utils._action import StandInAction
from ansible_collections.standin.common.plugins.plugin_utils._cluster import Cluster, ResourceNotFound


class ActionModule(StandInAction):
    module = 'kubernetes.core.k8s_info'
    returns_objects = ('resources',)

    def act(self, state, params, check_mode, diff):
        if params['label_selectors'] or params['field_selectors'] or params['wait']:
            return {'failed': True, 'msg': 'stand-in k8s_info: label_selectors, field_selectors and wait are not modelled'}
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
        return {'changed': False, 'api_found': True, 'resources': resources}
