# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ccg.exe plug-ins this collection knows: one place for each one's CLSID, the typed options its
PluginInput is made of, how they are checked, where its secret is and the format it reads it in.

Pure code: no Ansible, no LDAP. Errors are PluginInputError, carrying the field and one line that says
what to give instead. Facts are from the plug-ins' own sources (see docs/non-domain-joined.md).

This is private code of the collection; it may change in any release.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

RANCHER = 'rancher'
AWS_ECS = 'aws_ecs'
AZURE_KEY_VAULT = 'azure_key_vault'
CUSTOM = 'custom'
PLUGIN_TYPES = (RANCHER, AWS_ECS, AZURE_KEY_VAULT, CUSTOM)

# Microsoft's documentation shows this CLSID as a sample; it is not hexadecimal, so no COM class has it.
DOCUMENTATION_SAMPLE = '{GDMA0342-266A-4D1P-831J-20990E82944F}'

# Kubernetes names: a namespace is a DNS-1123 label, a Secret a DNS-1123 subdomain.
_DNS_LABEL = re.compile(r'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')
_DNS_SUBDOMAIN = re.compile(r'^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
# arn:<partition>:secretsmanager:<region>:<account>:secret:<name> or ...:ssm:...:parameter/<name>
_ARN = re.compile(r'^arn:(?P<partition>aws(-[a-z]+)*):(?P<service>secretsmanager|ssm):(?P<region>[a-z]{2}(-[a-z]+)+-\d+):'
                  r'(?P<account>\d{12}):(?:secret:(?P<secret>[A-Za-z0-9/_+=.@-]{1,512})|parameter/(?P<parameter>[A-Za-z0-9/_.-]{1,1011}))$')
# https://<vault>.vault.azure.net/secrets/<name>[/<version>]: vault 3-24 letters, digits and dashes.
_SECRET_URI = re.compile(r'^https://(?P<vault>[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9])\.vault\.azure\.net(:443)?/secrets/'
                         r'(?P<name>[A-Za-z0-9-]{1,127})(/(?P<version>[0-9a-fA-F]{32}))?/?$')


class PluginInputError(ValueError):
    """A plug-in setting that cannot work: ``field`` names it, the text says what to give instead."""

    def __init__(self, field_name, message):
        super().__init__('%s: %s' % (field_name, message))
        self.field = field_name
        self.detail = message


@dataclass(frozen=True)
class PortableCredentials:
    domain: str
    username: str
    password: str


def clsid(text, field_name='plugin.guid'):
    """A COM class ID as credential specs and the CCG registry key write it: in braces, upper case."""
    try:
        return '{%s}' % str(uuid.UUID(str(text).strip().strip('{}'))).upper()
    except ValueError:
        sample = (' (it is the documentation\'s sample, which is not hexadecimal)'
                  if str(text).strip().strip('{}').upper() == DOCUMENTATION_SAMPLE.strip('{}') else '')
        raise PluginInputError(field_name, '%r is not a GUID%s; give the plug-in\'s COM CLSID in hexadecimal, for example '
                                           '{CCC2A336-D7F3-4818-A213-272B7924213E}' % (text, sample))


# ------------------------------------------------------------------ Rancher's Kubernetes-secret plug-in
def _rancher_options(options, prefix):
    namespace, name = options.get('namespace'), options.get('secret_name')
    if not isinstance(namespace, str) or not _DNS_LABEL.match(namespace):
        raise PluginInputError(prefix + 'namespace', '%r is not a Kubernetes namespace; give the account provider\'s '
                                                     'namespace, for example cattle-windows-gmsa-system' % (namespace,))
    if not isinstance(name, str) or not _DNS_SUBDOMAIN.match(name):
        raise PluginInputError(prefix + 'secret_name', '%r is not a Kubernetes Secret name; use lower-case letters, '
                                                       'digits, "-" and "."' % (name,))
    return {'namespace': namespace, 'secret_name': name}


def _rancher_input(options):
    return '%s:%s' % (options['namespace'], options['secret_name'])


def _rancher_parse(text, prefix):
    if not isinstance(text, str):
        raise PluginInputError(prefix + 'input', 'give <namespace>:<secret name> as a string')
    parts = text.split(':')
    if len(parts) != 2:
        raise PluginInputError(prefix + 'input', '%r has %d parts; Rancher\'s plug-in takes exactly two, '
                                                 '<namespace>:<secret name>' % (text, len(parts)))
    return _rancher_options({'namespace': parts[0], 'secret_name': parts[1]}, prefix)


def _rancher_secret(credentials):
    return {'domainName': credentials.domain, 'username': credentials.username, 'password': credentials.password}


def _rancher_read(value):
    return PortableCredentials(str(value['domainName']), str(value['username']), str(value['password']))


def _rancher_store(options):
    return {'kind': 'kubernetes_secret', 'namespace': options['namespace'], 'name': options['secret_name']}


# ------------------------------------------------------------------ the AWS ECS plug-in
def _aws_options(options, prefix):
    arn = options.get('credential_arn')
    if not isinstance(arn, str) or not _ARN.match(arn):
        raise PluginInputError(prefix + 'credential_arn', '%r is not the ARN of a Secrets Manager secret or an SSM '
                                                          'parameter; give arn:aws:secretsmanager:<region>:<account>:secret:<name> '
                                                          'or arn:aws:ssm:<region>:<account>:parameter/<name>' % (arn,))
    return {'credential_arn': arn}


def _aws_input(options):
    # A JSON document in a string: the ECS agent fails when PluginInput is an object.
    return json.dumps({'credentialArn': options['credential_arn']})


def _aws_parse(value, prefix):
    document = value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except ValueError:
            document = None
    if not isinstance(document, dict) or set(document) - {'credentialArn', 'regKeyPath'}:
        raise PluginInputError(prefix + 'input', 'give {"credentialArn": "<Secrets Manager or SSM parameter ARN>"}, '
                                                 'or type aws_ecs with credential_arn')
    return _aws_options({'credential_arn': document.get('credentialArn')}, prefix)


def _aws_secret(credentials):
    return json.dumps({'username': credentials.username, 'password': credentials.password,
                       'domainName': credentials.domain})


def _aws_read(value):
    document = json.loads(value) if isinstance(value, str) else value
    return PortableCredentials(str(document['domainName']), str(document['username']), str(document['password']))


def _aws_store(options):
    found = _ARN.match(options['credential_arn'])
    if found.group('service') == 'ssm':
        # A parameter /a/b has the ARN ...:parameter/a/b; a name without a path has no leading slash.
        name = found.group('parameter')
        return {'kind': 'aws_ssm_parameter', 'region': found.group('region'), 'account': found.group('account'),
                'name': '/' + name if '/' in name else name}
    return {'kind': 'aws_secretsmanager', 'region': found.group('region'), 'account': found.group('account'),
            'name': found.group('secret')}


# ------------------------------------------------------------------ the Azure Key Vault plug-in
def _azure_options(options, prefix):
    object_id, secret_uri = options.get('object_id'), options.get('secret_uri')
    try:
        object_id = str(uuid.UUID(str(object_id)))
    except ValueError:
        raise PluginInputError(prefix + 'object_id', '%r is not an object ID; give the object (principal) ID of the '
                                                     'managed identity of the hosts' % (object_id,))
    if not isinstance(secret_uri, str) or not _SECRET_URI.match(secret_uri):
        raise PluginInputError(prefix + 'secret_uri', '%r is not a Key Vault secret URI; give '
                                                      'https://<vault>.vault.azure.net/secrets/<name>' % (secret_uri,))
    return {'object_id': object_id, 'secret_uri': secret_uri}


def _azure_input(options):
    return 'ObjectId=%s;SecretUri=%s' % (options['object_id'], options['secret_uri'])


def _azure_parse(text, prefix):
    if not isinstance(text, str):
        raise PluginInputError(prefix + 'input', 'give ObjectId=<object id>;SecretUri=<secret URI> as a string')
    values = {}
    for part in filter(None, text.split(';')):
        key, equals, value = part.partition('=')
        if not equals:
            raise PluginInputError(prefix + 'input', '%r: each part is <key>=<value>; give '
                                                     'ObjectId=<object id>;SecretUri=<secret URI>' % (text,))
        values[key.strip().lower()] = value.strip()   # the plug-in reads the keys without regard to case
    return _azure_options({'object_id': values.get('objectid'), 'secret_uri': values.get('secreturi')}, prefix)


def azure_secret_value(credentials):
    return '%s\\%s:%s' % (credentials.domain, credentials.username, credentials.password)


def azure_read_secret(value):
    """As the plug-in splits it: at the first backslash, then at the first colon after it."""
    domain, backslash, rest = str(value).partition('\\')
    username, colon, password = rest.partition(':')
    if not backslash or not colon or not domain or not username:
        raise ValueError('not <domain>\\<user>:<password>')
    return PortableCredentials(domain, username, password)


def _azure_store(options):
    found = _SECRET_URI.match(options['secret_uri'])
    return {'kind': 'azure_key_vault', 'vault_uri': 'https://%s.vault.azure.net/' % found.group('vault').lower(),
            'name': found.group('name'), 'version': found.group('version')}


# ------------------------------------------------------------------ the catalogue
@dataclass(frozen=True)
class KnownPlugin:
    name: str
    install: str  # what puts the plug-in on a host, for the line that says it is missing
    type: str = CUSTOM
    clsid: str = ''
    options: Tuple[str, ...] = ()
    secret_format: str = ''
    check_options: Optional[Callable] = field(default=None, repr=False)
    make_input: Optional[Callable] = field(default=None, repr=False)
    parse_input: Optional[Callable] = field(default=None, repr=False)
    make_secret: Optional[Callable] = field(default=None, repr=False)
    read_secret: Optional[Callable] = field(default=None, repr=False)
    store: Optional[Callable] = field(default=None, repr=False)


CATALOGUE: Dict[str, KnownPlugin] = {
    RANCHER: KnownPlugin(
        "Rancher's Kubernetes-secret plug-in (CCGRKC)",
        "install Rancher's gMSA CCG plug-in (the rancher-gmsa-plugin-installer chart runs its installer on every "
        'Windows node)',
        RANCHER, '{E4781092-F116-4B79-B55E-28EB6A224E26}', ('namespace', 'secret_name'),
        'a Kubernetes Secret with the keys username, password and domainName',
        _rancher_options, _rancher_input, _rancher_parse, _rancher_secret, _rancher_read, _rancher_store),
    AWS_ECS: KnownPlugin(
        'the AWS ECS plug-in',
        'install the Amazon ECS agent for Windows with gMSA support (the ECS-optimized Windows Server AMIs carry it)',
        AWS_ECS, '{859E1386-BDB4-49E8-85C7-3070B13920E1}', ('credential_arn',),
        'JSON {"username": ..., "password": ..., "domainName": ...} in Secrets Manager or an SSM SecureString',
        _aws_options, _aws_input, _aws_parse, _aws_secret, _aws_read, _aws_store),
    AZURE_KEY_VAULT: KnownPlugin(
        'the Azure Key Vault plug-in (CCGAKVPlugin)',
        'enable gMSA on the AKS cluster (az aks update --enable-windows-gmsa), which installs it on Windows nodes, '
        "or run the plug-in's InstallPlugin.ps1",
        AZURE_KEY_VAULT, '{CCC2A336-D7F3-4818-A213-272B7924213E}', ('object_id', 'secret_uri'),
        'a Key Vault secret <domain>\\<user>:<password>',
        _azure_options, _azure_input, _azure_parse, azure_secret_value, azure_read_secret, _azure_store),
}
BY_CLSID = {plugin.clsid: plugin for plugin in CATALOGUE.values()}
TYPED_OPTIONS = frozenset(option for plugin in CATALOGUE.values() for option in plugin.options)


def known_plugin(guid):
    """The catalogue entry of a CLSID (any spelling), or a generic one for a plug-in this collection does not know."""
    text = clsid(guid)
    return BY_CLSID.get(text) or KnownPlugin('the ccg.exe plug-in %s' % text, "run the plug-in's installer", CUSTOM, text)


@dataclass(frozen=True)
class PluginSettings:
    type: str
    guid: str     # in braces, upper case
    input: str    # PluginInput, as the credential spec carries it
    options: dict  # the typed options ({} for a custom plug-in)

    @property
    def plugin(self):
        return CATALOGUE.get(self.type) or known_plugin(self.guid)

    def store(self):
        """Where the plug-in reads the portable identity: a dict with ``kind`` and the location, or None."""
        return self.plugin.store(self.options) if self.plugin.store else None

    def secret(self, credentials):
        """The portable identity in the format the plug-in reads (a dict for the Kubernetes Secret, else text)."""
        if not self.plugin.make_secret:
            raise PluginInputError('plugin.type', 'a custom plug-in has no secret format this collection knows')
        return self.plugin.make_secret(credentials)

    def read_secret(self, value):
        return self.plugin.read_secret(value)

    def as_dict(self):
        return {'type': self.type, 'guid': self.guid, 'input': self.input, 'options': dict(self.options)}


def plugin_settings(value, prefix='plugin.'):
    """The plug-in of an application's ``plugin`` section: a type with its typed options, or a raw guid and input.

    A raw input for a CLSID of the catalogue is read as that type and checked the same; it is kept as written,
    so that an existing credential spec does not change.
    """
    if not isinstance(value, dict):
        raise PluginInputError(prefix.rstrip('.'), 'give the plug-in as a dictionary with type and its options')
    kind = value.get('type')
    typed = {key: value[key] for key in TYPED_OPTIONS if value.get(key) is not None}
    raw_input, guid = value.get('input'), value.get('guid')
    if kind is not None and kind not in PLUGIN_TYPES:
        raise PluginInputError(prefix + 'type', '%r is not a plug-in type this collection knows; give one of %s '
                                                '(custom with guid and input)' % (kind, ', '.join(PLUGIN_TYPES)))
    if kind is None and guid is None:
        raise PluginInputError(prefix + 'type', 'give the plug-in type (%s), or guid and input'
                               % ', '.join(PLUGIN_TYPES))
    guid = clsid(guid, prefix + 'guid') if guid is not None else None
    plugin = CATALOGUE.get(kind) if kind != CUSTOM else None
    if plugin is None and guid in BY_CLSID:
        plugin = BY_CLSID[guid]      # a known CLSID given raw: read as that type
    if plugin is None:
        if typed:
            raise PluginInputError(prefix + ', '.join(sorted(typed)), 'these options belong to a typed plug-in; give '
                                   'plugin.type, or guid and input for a custom one')
        if guid is None or raw_input in (None, '', {}):
            raise PluginInputError(prefix + ('guid' if guid is None else 'input'),
                                   'a custom plug-in needs both guid (its COM CLSID) and input (its PluginInput)')
        text = raw_input if isinstance(raw_input, str) else json.dumps(raw_input, separators=(',', ':'))
        return PluginSettings(CUSTOM, guid, text, {})
    if guid is not None and guid != plugin.clsid:
        raise PluginInputError(prefix + 'guid', '%s is not the CLSID of %s (%s); leave guid out with type %s'
                               % (guid, plugin.name, plugin.clsid, plugin.type))
    foreign = sorted(set(typed) - set(plugin.options))
    if foreign:
        raise PluginInputError(prefix + ', '.join(foreign), 'not options of type %s; it takes %s'
                               % (plugin.type, ', '.join(plugin.options)))
    if raw_input not in (None, '', {}):
        if typed:
            raise PluginInputError(prefix + 'input', 'give either input or %s, not both' % ', '.join(plugin.options))
        try:
            options = plugin.parse_input(raw_input, prefix)
        except PluginInputError as error:
            if error.field == prefix + 'input':
                raise
            # A part of a raw input: say which, in terms of the input that holds it.
            raise PluginInputError(prefix + 'input', 'its %s %s' % (error.field[len(prefix):], error.detail))
        text = raw_input if isinstance(raw_input, str) else json.dumps(raw_input, separators=(',', ':'))
        return PluginSettings(plugin.type, plugin.clsid, text, options)
    missing = [option for option in plugin.options if option not in typed]
    if missing:
        raise PluginInputError(prefix + ', '.join(missing), 'type %s needs %s (they make its PluginInput)'
                               % (plugin.type, ', '.join(plugin.options)))
    options = plugin.check_options(typed, prefix)
    return PluginSettings(plugin.type, plugin.clsid, plugin.make_input(options), options)


def read_store_secret(plugin_type, value):
    """The portable identity from what the plug-in's store holds, split as the plug-in splits it."""
    plugin = CATALOGUE.get(plugin_type)
    if plugin is None:
        raise PluginInputError('plugin.type', 'a %s plug-in has no store this collection can read' % plugin_type)
    try:
        return plugin.read_secret(value)
    except (KeyError, TypeError, ValueError):
        raise PluginInputError('store', 'the secret is not in the format %s reads: %s' % (plugin.name, plugin.secret_format))
