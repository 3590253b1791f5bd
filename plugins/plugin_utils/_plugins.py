# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ccg.exe plug-ins this collection knows, by COM class ID.

This is private code of the collection; it may change in any release.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownPlugin:
    name: str
    install: str  # what puts the plug-in on a host, for the line that says it is missing


KNOWN_PLUGINS = {
    uuid.UUID('E4781092-F116-4B79-B55E-28EB6A224E26'): KnownPlugin(
        "Rancher's Kubernetes-secret plug-in (CCGRKC)",
        "install Rancher's gMSA CCG plug-in (the rancher-gmsa-plugin-installer chart runs its installer on every "
        'Windows node)'),
    uuid.UUID('859E1386-BDB4-49E8-85C7-3070B13920E1'): KnownPlugin(
        'the AWS ECS plug-in',
        'install the Amazon ECS agent for Windows with gMSA support (the ECS-optimized Windows Server AMIs carry it)'),
    uuid.UUID('CCC2A336-D7F3-4818-A213-272B7924213E'): KnownPlugin(
        'the Azure Key Vault plug-in (CCGAKVPlugin)',
        'enable gMSA on the AKS cluster (az aks update --enable-windows-gmsa), which installs it on Windows nodes, '
        "or run the plug-in's InstallPlugin.ps1"),
}


def known_plugin(clsid):
    """The catalogue entry of a CLSID (any spelling), or a generic one for a plug-in this collection does not know."""
    found = KNOWN_PLUGINS.get(uuid.UUID(str(clsid).strip().strip('{}')))
    return found or KnownPlugin('the ccg.exe plug-in %s' % clsid, "run the plug-in's installer")
