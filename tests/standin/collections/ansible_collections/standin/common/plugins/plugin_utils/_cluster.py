"""The stand-in Kubernetes API server: objects in the cluster's state file, written as the real one writes them.

Each behaviour, and where it is taken from, is listed in tests/standin/kubernetes_facts.yml. In short:
built-in kinds are held to the ``kubernetes`` Python client's API models (a field the model does not
declare, or a value of the wrong type, is refused); custom resources are served by the stored CRDs (only
versions with ``served: true``), validated against the version's openAPIV3Schema and unknown fields
pruned; namespaced objects need their Namespace; JSON merge patch, server-side apply with field managers,
delete and server-side dry run.

The state holds ``objects``: ``<kind>/<name>`` for cluster-scoped objects, ``<kind>/<namespace>/<name>``
for namespaced ones.
"""

from __future__ import annotations

import base64
import copy
import json

# apiVersion, kind -> (namespaced, the kubernetes client's model): the built-in kinds the role and tests use.
BUILT_IN = {
    ('v1', 'Namespace'): (False, 'V1Namespace'),
    ('v1', 'Secret'): (True, 'V1Secret'),
    ('rbac.authorization.k8s.io/v1', 'ClusterRole'): (False, 'V1ClusterRole'),
    ('rbac.authorization.k8s.io/v1', 'RoleBinding'): (True, 'V1RoleBinding'),
    ('apiextensions.k8s.io/v1', 'CustomResourceDefinition'): (False, 'V1CustomResourceDefinition'),
    ('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'): (False, 'V1ValidatingWebhookConfiguration'),
    ('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'): (False, 'V1MutatingWebhookConfiguration'),
}

# What a write without a field manager is recorded under: the user agent's first part, and the Python client's
# user agent is OpenAPI-Generator/<version>/python.
DEFAULT_MANAGER = 'OpenAPI-Generator'

# Metadata the server keeps for itself; a client's value for them is ignored, as the server does.
SERVER_METADATA = ('resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'generation')


class APIError(Exception):
    """A refusal of the API server: its HTTP status, reason, message and details, as a Status object carries them."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        status = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                  'message': self.message, 'reason': self.reason, 'code': self.code}
        if self.details:
            status['details'] = self.details
        return json.dumps(status)


def apply_conflict(conflicts):
    """The API server's refusal of an apply: ``conflicts`` are (manager, operation, apiVersion, field path). As
    apimachinery's managedfields NewConflictError words it: one cause per field (reason FieldManagerConflict), and a
    message that names the one conflict, or each manager with its fields."""
    def printed(manager, operation, api_version):
        return '"%s" using %s' % (manager, api_version) if operation == 'Update' else '"%s"' % manager

    causes = [{'reason': 'FieldManagerConflict', 'message': 'conflict with %s' % printed(*conflict[:3]),
               'field': conflict[3]} for conflict in conflicts]
    if len(conflicts) == 1:
        message = 'Apply failed with 1 conflict: conflict with %s: %s' % (printed(*conflicts[0][:3]), conflicts[0][3])
    else:
        lines = []
        for manager in sorted({conflict[0] for conflict in conflicts}):
            mine = [conflict for conflict in conflicts if conflict[0] == manager]
            lines.append('conflicts with %s:' % printed(*mine[0][:3]))
            lines += ['- %s' % conflict[3] for conflict in mine]
        message = 'Apply failed with %d conflicts: %s' % (len(conflicts), '\n'.join(lines))
    return APIError(409, 'Conflict', message, {'causes': causes})


class ResourceNotFound(Exception):
    """Discovery does not know the apiVersion and kind (kubernetes.core's 'Failed to find exact match')."""


# ------------------------------------------------------------------ pure validators
def _type_of(value):
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'number'
    return {dict: 'object', list: 'array', str: 'string'}.get(type(value), 'null' if value is None else 'unknown')


def prune_and_validate(value, schema, path=''):
    """(value with unknown fields pruned, pruned paths, errors) under a structural openAPIV3Schema."""
    pruned, errors = [], []
    wanted = schema.get('type')
    found = _type_of(value)
    if value is None and schema.get('nullable'):
        return value, pruned, errors
    if wanted and found != wanted and not (wanted == 'number' and found == 'integer'):
        errors.append('%s: Invalid value: "%s": %s in body must be of type %s: "%s"'
                      % (path, found, path, wanted, found))
        return value, pruned, errors
    if 'enum' in schema and value not in schema['enum']:
        errors.append('%s: Unsupported value: %s' % (path, json.dumps(value)))
    if isinstance(value, dict):
        properties = schema.get('properties') or {}
        additional = schema.get('additionalProperties')
        kept = {}
        for key, item in value.items():
            child = '%s.%s' % (path, key) if path else key
            if key in properties:
                kept[key], more_pruned, more_errors = prune_and_validate(item, properties[key], child)
            elif isinstance(additional, dict):
                kept[key], more_pruned, more_errors = prune_and_validate(item, additional, child)
            elif schema.get('x-kubernetes-preserve-unknown-fields') or additional is True:
                kept[key], more_pruned, more_errors = item, [], []
            else:
                more_pruned, more_errors = [child], []
            pruned += more_pruned
            errors += more_errors
        for key in schema.get('required') or []:
            if key not in value:
                errors.append('%s: Required value' % ('%s.%s' % (path, key) if path else key))
        return kept, pruned, errors
    if isinstance(value, list) and 'items' in schema:
        kept = []
        for index, item in enumerate(value):
            item, more_pruned, more_errors = prune_and_validate(item, schema['items'], '%s[%d]' % (path, index))
            kept.append(item)
            pruned += more_pruned
            errors += more_errors
        return kept, pruned, errors
    return value, pruned, errors


def model_differences(resource, model_name):
    """Where ``resource`` is not what the kubernetes client's model declares: fields it does not know, values of
    another type, required fields missing. Found by deserializing with the client and serializing back."""
    from kubernetes.client import ApiClient

    client = ApiClient()
    try:
        model = client._ApiClient__deserialize(copy.deepcopy(resource), model_name)
    except (ValueError, TypeError) as error:     # the client's models refuse a value of the wrong type
        return [' '.join(str(error).split('For further information', maxsplit=1)[0].split())]
    return _differences(resource, client.sanitize_for_serialization(model))


def _differences(given, understood, path=''):
    if isinstance(given, dict) and isinstance(understood, dict):
        found = []
        for key, value in given.items():
            child = '%s.%s' % (path, key) if path else key
            if key not in understood:
                found.append('%s: field not declared in schema' % child)
            else:
                found += _differences(value, understood[key], child)
        return found
    if isinstance(given, list) and isinstance(understood, list) and len(given) == len(understood):
        return [bad for index, pair in enumerate(zip(given, understood)) for bad in _differences(*pair, '%s[%d]' % (path, index))]
    if given != understood or type(given) is not type(understood):
        return ['%s: Invalid value: %s' % (path, json.dumps(given))]
    return []


# ------------------------------------------------------------------ field sets (server-side apply)
def field_paths(value, path=()):
    """The leaf paths a manager owns for ``value``: maps are granular, lists atomic (every list here is
    x-kubernetes-list-type atomic: CRD arrays by default, ClusterRole rules and RoleBinding subjects by their
    +listType=atomic)."""
    if isinstance(value, dict) and value:
        return {leaf for key, item in value.items() for leaf in field_paths(item, path + (key,))}
    return {path}


def owned_paths(resource):
    fields = {key: value for key, value in resource.items() if key not in ('apiVersion', 'kind', 'metadata')}
    metadata = {key: resource.get('metadata', {}).get(key) for key in ('labels', 'annotations')
                if resource.get('metadata', {}).get(key)}
    if metadata:
        fields['metadata'] = metadata
    return field_paths(fields) - {()}


def _fields_v1(paths):
    tree = {}
    for path in sorted(paths):
        node = tree
        for key in path:
            node = node.setdefault('f:%s' % key, {})
    return tree


def _paths_of_fields_v1(tree, path=()):
    if not tree:
        return {path}
    return {leaf for key, child in tree.items() for leaf in _paths_of_fields_v1(child, path + (key[2:],))}


def _get(value, path):
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _remove(value, path):
    """Remove the field at ``path`` and the maps it leaves empty."""
    parents = [value]
    for key in path[:-1]:
        value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, dict):
            return
        parents.append(value)
    parents[-1].pop(path[-1], None)
    for parent, key in zip(reversed(parents[:-1]), reversed(path[:-1])):
        if parent.get(key) == {}:
            del parent[key]


def _overlaps(one, other):
    shorter = min(len(one), len(other))
    return one[:shorter] == other[:shorter]


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ------------------------------------------------------------------ the server
class Cluster:
    def __init__(self, state):
        self.state = state
        state.setdefault('objects', {})

    # discovery
    def resource_type(self, api_version, kind):
        """(namespaced, model name or None, the served version's schema or None)."""
        if (api_version, kind) in BUILT_IN:
            namespaced, model = BUILT_IN[(api_version, kind)]
            return namespaced, model, None
        group, _sep, version = api_version.rpartition('/')
        for crd in self.list('CustomResourceDefinition'):
            spec = crd['spec']
            if spec['group'] != group or spec['names']['kind'] != kind:
                continue
            for served in spec['versions']:
                if served['name'] == version and served.get('served'):
                    return spec['scope'] == 'Namespaced', None, served.get('schema', {}).get('openAPIV3Schema') or {}
        raise ResourceNotFound('Failed to find exact match for %s.%s by [kind, name, singularName, shortNames]'
                               % (api_version, kind))

    @staticmethod
    def key(kind, name, namespace=None):
        return '/'.join(part for part in (kind, namespace, name) if part)

    def get(self, kind, name, namespace=None):
        return self.state['objects'].get(self.key(kind, name, namespace))

    def list(self, kind, namespace=None):
        return [item for item in self.state['objects'].values()
                if item['kind'] == kind and (namespace is None or item['metadata'].get('namespace') == namespace)]

    # admission: what the server does to an object before it stores it
    def admitted(self, resource):
        namespaced, model, schema = self.resource_type(resource['apiVersion'], resource['kind'])
        resource = copy.deepcopy(resource)
        metadata = resource.setdefault('metadata', {})
        for key in SERVER_METADATA:
            metadata.pop(key, None)
        name, namespace = metadata.get('name'), metadata.get('namespace')
        if not name:
            raise APIError(422, 'Invalid', '%s "" is invalid: metadata.name: Required value: name or generateName is required'
                           % resource['kind'])
        if namespaced and not namespace:
            raise APIError(400, 'BadRequest', 'the server could not find the requested resource: %s %s needs a namespace'
                           % (resource['kind'], name))
        if not namespaced:
            metadata.pop('namespace', None)
        if namespaced and not self.get('Namespace', namespace):
            raise APIError(404, 'NotFound', 'namespaces "%s" not found' % namespace)
        if model:
            if resource['kind'] == 'Secret':
                resource = self._secret_data(resource)
            errors = model_differences(resource, model)
        else:
            body = {key: value for key, value in resource.items() if key not in ('apiVersion', 'kind', 'metadata')}
            body, _pruned, errors = prune_and_validate(body, schema)
            resource = dict(body, apiVersion=resource['apiVersion'], kind=resource['kind'], metadata=metadata)
        if errors:
            raise APIError(422, 'Invalid', '%s "%s" is invalid: %s' % (resource['kind'], name, '; '.join(errors)))
        return resource

    @staticmethod
    def _secret_data(secret):
        """stringData is merged into data on write and never read back; the type defaults to Opaque."""
        string_data = secret.pop('stringData', None) or {}
        data = dict(secret.get('data') or {})
        data.update({key: base64.b64encode(str(value).encode('utf-8')).decode('ascii') for key, value in string_data.items()})
        if data:
            secret['data'] = data
        secret.setdefault('type', 'Opaque')
        return secret

    # writes; each returns the object as the server would store it, stored unless dry_run
    def create(self, resource, dry_run=False, manager=DEFAULT_MANAGER):
        resource = self.admitted(resource)
        metadata = resource['metadata']
        if self.get(resource['kind'], metadata['name'], metadata.get('namespace')):
            raise APIError(409, 'AlreadyExists', '%s "%s" already exists' % (resource['kind'], metadata['name']))
        return self._store(None, resource, {manager: ('Update', owned_paths(resource))}, dry_run)

    def patch(self, patch, dry_run=False, manager=DEFAULT_MANAGER):
        """A merge patch (what kubernetes.core's state=present does to an existing object): fields the patch
        does not name stay."""
        existing = self._existing(patch)
        merged = merge_patch(existing, patch)
        resource = self.admitted(merged)
        managers = self._managers(existing)
        changed = {path for path in owned_paths(resource) if _get(resource, path) != _get(existing, path)}
        operation, fields = managers.get(manager, ('Update', set()))
        managers[manager] = (operation, fields | changed)
        return self._store(existing, resource, managers, dry_run)

    def apply(self, config, manager, force=False, dry_run=False):
        """Server-side apply: the manager's fields become those of ``config``; a field it applied before and
        applies no more is removed unless another manager owns it too."""
        config = self.admitted(config)
        metadata = config['metadata']
        existing = self.get(config['kind'], metadata['name'], metadata.get('namespace'))
        managers = self._managers(existing)
        applied = owned_paths(config)
        conflicts = sorted({(other, operation, config['apiVersion'], '.' + '.'.join(path))
                            for other, (operation, fields) in managers.items() if other != manager
                            for path in applied for theirs in fields
                            if _overlaps(path, theirs) and _get(config, path) != _get(existing, path)})
        if conflicts and not force:
            raise apply_conflict(conflicts)
        for other, (operation, fields) in list(managers.items()):
            if other != manager and force:
                managers[other] = (operation, {path for path in fields
                                               if not any(_overlaps(path, mine) for mine in applied)})
        before = managers.get(manager, ('Apply', set()))[1]
        still_owned = set().union(*(fields for other, (_op, fields) in managers.items() if other != manager))
        resource = copy.deepcopy(existing) if existing else {}
        for path in before - applied:
            if not any(_overlaps(path, theirs) for theirs in still_owned):
                _remove(resource, path)
        resource = merge_patch(resource, config)     # lists are atomic: merge_patch replaces them whole
        managers[manager] = ('Apply', applied)
        managers = {name: entry for name, entry in managers.items() if entry[1]}
        return self._store(existing, self.admitted(resource), managers, dry_run)

    def delete(self, kind, name, namespace=None, dry_run=False):
        existing = self.get(kind, name, namespace)
        if existing and not dry_run:
            del self.state['objects'][self.key(kind, name, namespace)]
        return existing

    def _existing(self, resource):
        metadata = resource.get('metadata') or {}
        existing = self.get(resource['kind'], metadata.get('name'), metadata.get('namespace'))
        if not existing:
            raise APIError(404, 'NotFound', '%s "%s" not found' % (resource['kind'], metadata.get('name')))
        return existing

    @staticmethod
    def _managers(existing):
        return {entry['manager']: (entry['operation'], _paths_of_fields_v1(entry['fieldsV1']))
                for entry in ((existing or {}).get('metadata', {}).get('managedFields') or [])}

    def _store(self, existing, resource, managers, dry_run):
        metadata = resource['metadata']
        metadata['managedFields'] = [{'manager': name, 'operation': operation, 'apiVersion': resource['apiVersion'],
                                      'fieldsType': 'FieldsV1', 'fieldsV1': _fields_v1(fields)}
                                     for name, (operation, fields) in sorted(managers.items())]
        if existing:
            for key in ('uid', 'creationTimestamp', 'resourceVersion'):
                metadata[key] = existing['metadata'][key]
            if resource == existing:
                return copy.deepcopy(existing)     # a write that changes nothing is no write
        else:
            metadata['uid'] = 'standin-%d' % self._next_version(dry_run)
            metadata['creationTimestamp'] = '2025-01-01T00:00:00Z'
        metadata['resourceVersion'] = str(self._next_version(dry_run))
        if not dry_run:
            self.state['objects'][self.key(resource['kind'], metadata['name'], metadata.get('namespace'))] = resource
        return copy.deepcopy(resource)

    def _next_version(self, dry_run=False):
        version = self.state.get('resource_version', 0) + 1
        if not dry_run:
            self.state['resource_version'] = version
        return version

    # authorization (RBAC), as the webhook's LocalSubjectAccessReview asks it
    def allows(self, service_account, namespace, verb, group, resource, name):
        """Whether the ServiceAccount ``namespace/service_account`` may ``verb`` the ``resource`` ``name`` in
        ``namespace``: a RoleBinding there (or a ClusterRoleBinding) binds it to a role with a matching rule."""
        bindings = self.list('RoleBinding', namespace) + self.list('ClusterRoleBinding')
        for binding in bindings:
            if not any(subject_matches(subject, service_account, namespace) for subject in binding.get('subjects') or []):
                continue
            role_ref = binding['roleRef']
            role = (self.get('ClusterRole', role_ref['name']) if role_ref['kind'] == 'ClusterRole'
                    else self.get('Role', role_ref['name'], namespace))
            if role and any(rule_allows(rule, verb, group, resource, name) for rule in role.get('rules') or []):
                return True
        return False


def subject_matches(subject, service_account, namespace):
    """appliesToUser: a ServiceAccount subject names the account and its namespace (the binding's when empty is not
    allowed for RoleBindings by validation, so it is compared as given)."""
    return (subject.get('kind') == 'ServiceAccount' and subject.get('name') == service_account
            and subject.get('namespace') == namespace)


def rule_allows(rule, verb, group, resource, name):
    """RuleAllows of Kubernetes' RBAC: verb, API group, resource and, when the rule lists any, resource name must
    each match; '*' matches all (resourceNames has no wildcard)."""
    def matches(values, wanted):
        return '*' in values or wanted in values

    return (matches(rule.get('verbs') or [], verb) and matches(rule.get('apiGroups') or [], group)
            and matches(rule.get('resources') or [], resource)
            and (not rule.get('resourceNames') or name in rule['resourceNames']))
