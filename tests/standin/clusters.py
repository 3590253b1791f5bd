"""Stand-in Kubernetes clusters for the kubernetes role: a cluster with the windows-gmsa webhook installed.

Every behaviour the stand-in cluster models comes from a source named in kubernetes_facts.yml beside this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

STANDIN = Path(__file__).resolve().parent
sys.path.insert(0, str(STANDIN / 'collections'))

from ansible_collections.standin.common.plugins.plugin_utils._cluster import Cluster  # noqa: E402

CRD = yaml.safe_load((STANDIN / 'windows-gmsa' / 'gmsa-crd.yml').read_text())
WEBHOOK = 'admission-webhook.windows-gmsa.sigs.k8s.io'
WEBHOOK_PATHS = {'Validating': '/validate', 'Mutating': '/mutate'}


def webhook_configuration(kind, path):
    """As windows-gmsa's gmsa-webhook.yml.tpl installs them (the name is the installer's choice)."""
    return {'apiVersion': 'admissionregistration.k8s.io/v1', 'kind': kind, 'metadata': {'name': 'gmsa-webhook'},
            'webhooks': [{'name': WEBHOOK, 'admissionReviewVersions': ['v1', 'v1beta1'], 'sideEffects': 'None',
                          'failurePolicy': 'Fail',
                          'clientConfig': {'service': {'name': 'gmsa-webhook', 'namespace': 'gmsa-system', 'path': path}},
                          'rules': [{'operations': ['CREATE'], 'apiGroups': [''], 'apiVersions': ['*'],
                                     'resources': ['pods']}]}]}


def cluster_state(namespaces=('web', 'reports', 'gmsa-system'), crd=CRD, webhooks=('Validating', 'Mutating')):
    """A cluster with the windows-gmsa webhook installed, every object admitted by the stand-in server."""
    state = {}
    cluster = Cluster(state)
    for namespace in namespaces:
        cluster.create({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace}})
    if crd:
        cluster.create(crd)
    for kind in webhooks:
        cluster.create(webhook_configuration('%sWebhookConfiguration' % kind, WEBHOOK_PATHS[kind]))
    return state
