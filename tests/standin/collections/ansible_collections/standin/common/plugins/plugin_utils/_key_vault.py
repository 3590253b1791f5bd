"""The stand-in Azure Key Vault: the secrets of the vaults the test created, kept in the state file under
``key_vaults`` (vault URI -> {"secrets": {name: [versions, newest last]}}).

Every behaviour modelled here comes from a source named in tests/standin/azure_facts.yml.
"""

from __future__ import annotations

import hashlib


def vault_key(uri):
    return str(uri or '').rstrip('/').lower() + '/'


class KeyVault:
    def __init__(self, state, uri):
        self.uri = vault_key(uri)
        self.vault = (state.get('key_vaults') or {}).get(self.uri)

    @property
    def exists(self):
        return self.vault is not None

    def unreachable(self):
        """What the SDK's failed lookup becomes in the real modules when the vault's name does not resolve."""
        return {'failed': True, 'changed': False,
                'msg': 'Find the key vault secret got exception, exception as <urlopen error [Errno -2] Name or '
                       'service not known> (stand-in: no vault %s)' % self.uri}

    def versions(self, name):
        return self.vault['secrets'].get(name.lower(), [])

    def current(self, name):
        versions = self.versions(name)
        return versions[-1] if versions else None

    def set(self, name, value, content_type=None, tags=None):
        versions = self.vault['secrets'].setdefault(name.lower(), [])
        # A version is 32 hex digits; here derived from the count, so that runs are reproducible.
        version = hashlib.sha256(('%s/%d' % (name.lower(), len(versions))).encode()).hexdigest()[:32]
        versions.append({'name': name, 'version': version, 'value': value, 'content_type': content_type,
                         'tags': tags or {}})
        return self.secret_id(name, version)

    def delete(self, name):
        self.vault['secrets'].pop(name.lower(), None)

    def secret_id(self, name, version):
        return '%ssecrets/%s/%s' % (self.uri, name, version)
