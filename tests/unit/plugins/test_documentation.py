"""Each option's documentation says what the code accepts."""

from __future__ import annotations

import yaml

from ansible_collections.wincontainers.gmsa.plugins.doc_fragments.ad_connection import ModuleDocFragment
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import CONNECTION_ARGUMENT_SPEC


def test_connection_fragment_mirrors_the_argument_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert set(documented) == set(CONNECTION_ARGUMENT_SPEC)
    for name, spec in CONNECTION_ARGUMENT_SPEC.items():
        doc = documented[name]
        assert doc['type'] == spec['type'], name
        assert doc.get('default') == spec.get('default'), name
        assert doc.get('choices') == spec.get('choices'), name
        assert doc.get('elements') == spec.get('elements'), name
        for variable in spec['fallback'][1]:
            assert 'E(%s)' % variable in ' '.join(doc['description']), (name, variable)


def _module_options(name):
    """The module's options with those of its fragments (but the connection's, which the test above holds)."""
    import importlib

    module = importlib.import_module('ansible_collections.wincontainers.gmsa.plugins.modules.%s' % name)
    documentation = yaml.safe_load(module.DOCUMENTATION)
    options = dict(documentation.get('options') or {})
    for fragment in documentation.get('extends_documentation_fragment') or []:
        fragment_name, _dot, variable = fragment[len('wincontainers.gmsa.'):].partition('.')
        if fragment_name == 'ad_connection':
            continue
        fragments = importlib.import_module('ansible_collections.wincontainers.gmsa.plugins.doc_fragments.%s'
                                            % fragment_name)
        shared = yaml.safe_load(getattr(fragments.ModuleDocFragment, (variable or 'documentation').upper()))
        assert not set(shared.get('options') or {}) & set(options), (name, fragment)
        options.update(shared.get('options') or {})
    return options


def _action_spec(name):
    import importlib

    action = importlib.import_module('ansible_collections.wincontainers.gmsa.plugins.action.%s' % name)
    return action.ActionModule.ARGUMENT_SPEC


def _compare(documented, spec, where, required_as_documented=True):
    assert set(documented) == set(spec), where
    for name, option in spec.items():
        doc = documented[name]
        here = '%s.%s' % (where, name)
        if option.get('options') and 'suboptions' not in doc:
            # Items that take the module's own options (application's applications), documented once, at the top.
            own = {key: value for key, value in documented.items() if key in option['options']}
            _compare(own, option['options'], here, required_as_documented=False)
            continue
        assert doc.get('type', 'str') == option.get('type', 'str'), here
        assert doc.get('default') == option.get('default'), here
        assert doc.get('choices') == option.get('choices'), here
        assert doc.get('elements') == option.get('elements'), here
        assert bool(doc.get('required')) == bool(option.get('required')) or not required_as_documented, here
        assert sorted(doc.get('aliases') or []) == sorted(option.get('aliases') or []), here
        assert bool(doc.get('no_log')) == bool(option.get('no_log')) or not doc.get('no_log'), here
        if option.get('options'):
            _compare(doc.get('suboptions') or {}, option['options'], here, required_as_documented)


def test_every_module_documents_exactly_its_own_options():
    import pathlib

    actions = sorted(p.stem for p in (pathlib.Path(__file__).resolve().parents[3] / 'plugins' / 'action').glob('*.py'))
    assert actions
    for name in actions:
        _compare(_module_options(name), _action_spec(name), name)
