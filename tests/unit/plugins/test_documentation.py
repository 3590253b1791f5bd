"""Each option's documentation says what the code accepts."""

from __future__ import annotations

import yaml

from ansible_collections.wincontainers.gmsa.plugins.doc_fragments.ad_connection import ModuleDocFragment
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._connection import CONNECTION_ARGUMENT_SPEC


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
