"""The real modules' documented interface, which every stand-in module is held to.

A stand-in is only worth having when it refuses what the real module refuses
and returns no more than the real module returns. Both come from the real
module's own documentation, read with ``ansible-doc --json`` from the pinned
collections (tests/standin/module_docs.py writes that file; the path is in
STANDIN_MODULE_DOCS), and whether the real module supports check mode from its
own source (``supports_check_mode`` in the .ps1, or the Python module's
AnsibleModule call).
"""

from __future__ import annotations

import functools
import json
import os
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

# Option types of the documentation that ArgumentSpecValidator knows; others (ansible.windows' sid, ...) stay raw.
KNOWN_TYPES = {'str', 'bool', 'int', 'float', 'list', 'dict', 'path', 'raw', 'bytes', 'bits', 'json', 'jsonarg'}

# What any module may return beside its RETURN (Ansible's own result keys).
COMMON_RETURN = {'changed', 'failed', 'msg', 'skipped', 'diff', 'warnings', 'deprecations', 'invocation', 'exception'}


class StandInArgumentError(Exception):
    """The task's arguments are not what the real module accepts."""


def _spec(options):
    spec = {}
    for name, option in (options or {}).items():
        entry = {'type': option.get('type') if option.get('type') in KNOWN_TYPES else 'raw'}
        for key in ('required', 'default', 'choices', 'aliases', 'no_log'):
            if key in option:
                entry[key] = option[key]
        if 'elements' in option:
            entry['elements'] = option['elements'] if option['elements'] in KNOWN_TYPES else 'raw'
        if option.get('suboptions'):
            entry['options'] = _spec(option['suboptions'])
        spec[name] = entry
    return spec


class ModuleDocs:
    def __init__(self, fqcn, document):
        self.fqcn = fqcn
        self.short_name = fqcn.rsplit('.', 1)[-1]
        self.options = document['doc'].get('options') or {}
        self.returns = document.get('return') or {}
        self.source = document['doc'].get('filename')

    @classmethod
    @functools.lru_cache(maxsize=None)
    def of(cls, fqcn):
        path = os.environ.get('STANDIN_MODULE_DOCS')
        if not path:
            raise StandInArgumentError('STANDIN_MODULE_DOCS names no file of the real modules\' documentation')
        with open(path) as docs:
            documents = json.load(docs)
        if fqcn not in documents:
            raise StandInArgumentError('%s: the real module\'s documentation is not in %s' % (fqcn, path))
        return cls(fqcn, documents[fqcn])

    def validated(self, args):
        """The arguments as the real module would see them (types converted, defaults filled), or the refusal."""
        result = ArgumentSpecValidator(_spec(self.options)).validate(dict(args))
        if result.error_messages:
            raise StandInArgumentError('%s refuses these arguments: %s' % (self.short_name, '; '.join(result.error_messages)))
        return result.validated_parameters

    @property
    def supports_check_mode(self):
        """What the real module's source declares; a module that does not runs nowhere in check mode."""
        sources = [self.source]
        if self.source and self.source.endswith(('.py', '.yml')):
            sources.insert(0, os.path.splitext(self.source)[0] + '.ps1')
        for source in sources:
            if source and os.path.exists(source):
                with open(source, encoding='utf-8') as text:
                    found = re.search(r'supports_check_mode\s*=?\s*(\$?)(true|false|True|False)', text.read())
                if found:
                    return found.group(2).lower() == 'true'
        return False

    def check_return(self, result, facts=False, objects=()):
        """Fail loudly when the stand-in returns what the real module does not document.

        ``objects`` are return keys documented as whole API objects (kubernetes.core's ``result``,
        ``resources``): their ``contains`` lists a few fields by way of example, and the real module returns
        the object as the server gives it, so they are held to being objects instead.
        """
        allowed = set(self.returns) | COMMON_RETURN | ({'ansible_facts'} if facts else set())
        extra = set(result) - allowed
        if extra:
            raise AssertionError('stand-in %s returns %s, which the real module does not document'
                                 % (self.fqcn, ', '.join(sorted(extra))))
        for key, documented in self.returns.items():
            if key in objects:
                _check_objects(self.fqcn, key, result.get(key))
            else:
                _check_contains(self.fqcn, key, documented.get('contains'), result.get(key))


def _check_contains(fqcn, key, contains, value):
    """A documented dict (or list of dicts) holds only the keys its ``contains`` names."""
    if not contains:
        return
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            extra = set(item) - set(contains)
            if extra:
                raise AssertionError('stand-in %s returns %s.%s, which the real module does not document'
                                     % (fqcn, key, ', '.join(sorted(extra))))


def _check_objects(fqcn, key, value):
    """Each item is an API object (apiVersion, kind, metadata), a list of results of such, or empty (a deletion)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and set(item) == {'results'}:
            continue
        if item and not (isinstance(item, dict) and {'apiVersion', 'kind', 'metadata'} <= set(item)):
            raise AssertionError('stand-in %s returns a %s that is not an API object: %.80r' % (fqcn, key, item))
