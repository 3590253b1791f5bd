# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: credential_spec
short_description: Build the credential spec of a gMSA, as a file and as a Kubernetes resource
version_added: 0.1.0
description:
  - Builds the credential spec document a Windows container runtime needs to run a container as a group
    Managed Service Account, the same document Microsoft's C(New-CredentialSpec) writes, without a
    domain-joined Windows machine.
  - Reads the domain's SID, GUID, DNS, forest and NetBIOS names from the directory, and checks that the
    account (and every additional account of the same domain) is a gMSA.
  - For container hosts that are not domain-joined, adds the C(HostAccountConfig) that tells C(ccg.exe)
    which plug-in gives it the portable identity's credentials.
  - Returns the document, its JSON text, the file name Docker expects, and a C(GMSACredentialSpec) manifest
    with the C(ClusterRole) that lets pods use it. Writes the JSON to O(dest) on the controller when asked.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
attributes:
  check_mode:
    description: Builds everything; O(dest) is not written.
    support: full
  diff_mode:
    description: Shows the old and new text of O(dest).
    support: full
options:
  account:
    description:
      - Name of the gMSA, with or without the trailing C($). It must exist in the domain.
    type: str
    required: true
  additional_accounts:
    description:
      - Further gMSAs the container may use, each given as a name (an account of the same domain, which must
        exist) or as a dictionary with C(name) and C(domain) (the DNS name of another domain).
      - Each is listed once, scoped to its domain's DNS name.
    type: list
    elements: raw
    default: []
  host_account_config:
    description:
      - For container hosts that are not domain-joined, the C(ccg.exe) plug-in that returns the credentials of
        the portable identity allowed to read the gMSA password.
    type: dict
    suboptions:
      plugin_guid:
        description:
          - COM class ID of the plug-in, with or without braces; written in braces, upper case.
          - Azure Key Vault C({CCC2A336-D7F3-4818-A213-272B7924213E}), AWS C({859E1386-BDB4-49E8-85C7-3070B13920E1}),
            Kubernetes secret (Rancher) C({E4781092-F116-4B79-B55E-28EB6A224E26}).
        type: str
        required: true
      plugin_input:
        description:
          - The plug-in's input string, for example C(ObjectId=<id>;SecretUri=<uri>) for Azure Key Vault or
            C(<namespace>:<secret>) for a Kubernetes secret.
          - A dictionary is written as a JSON string (the AWS plug-in takes a JSON document with C(credentialArn)).
          - When the input looks like it carries a credential, O(dest) is written readable by its owner only and
            a warning says so.
        type: raw
        required: true
      portable_ccg_version:
        description:
          - Version of the portable CCG interface.
        type: str
        default: '1'
  dest:
    description:
      - Path on the controller to write the JSON to, for example to copy it to container hosts later.
      - Written only when its text or permissions differ; mode C(0644), or C(0600) when the plug-in input looks
        like it carries a credential.
    type: path
  kubernetes_name:
    description:
      - Name of the C(GMSACredentialSpec) resource (a lower-case DNS-1123 name).
      - Defaults to the account name in lower case, other characters replaced by C(-).
    type: str
notes:
  - Copy RV(json) into the Docker root's C(CredentialSpecs) folder as RV(file_name) and start the container with
    C(--security-opt credentialspec=file://<file_name>); the C(wincontainers.gmsa.container_host) role does this.
seealso:
  - module: wincontainers.gmsa.service_account
  - module: wincontainers.gmsa.verify
  - name: Create gMSAs for Windows containers
    description: Microsoft's guide to the credential spec.
    link: https://learn.microsoft.com/virtualization/windowscontainers/manage-containers/manage-serviceaccounts
'''

EXAMPLES = r'''
- name: Credential spec of a gMSA for domain-joined container hosts
  wincontainers.gmsa.credential_spec:
    account: WebApp01
    dest: /srv/credspecs/contoso_webapp01.json
  register: webapp_spec

- name: For hosts outside the domain, with the Azure Key Vault plug-in
  wincontainers.gmsa.credential_spec:
    account: WebApp01
    host_account_config:
      plugin_guid: CCC2A336-D7F3-4818-A213-272B7924213E
      plugin_input: ObjectId=0f1b6d3e-8c2a-4b7e-9d61-3a2f5c8e7b10;SecretUri=https://contoso.vault.azure.net/secrets/gmsa-webapp01
    kubernetes_name: webapp01

- name: With the AWS plug-in, whose input is a JSON document
  wincontainers.gmsa.credential_spec:
    account: WebApp01
    additional_accounts:
      - Reports01
      - name: Batch01
        domain: emea.contoso.com
    host_account_config:
      plugin_guid: 859E1386-BDB4-49E8-85C7-3070B13920E1
      plugin_input:
        credentialArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmsa-portable

- name: Apply the Kubernetes resource and its role
  kubernetes.core.k8s:
    definition: "{{ item }}"
  loop:
    - "{{ webapp_spec.kubernetes }}"
    - "{{ webapp_spec.kubernetes_rbac }}"
'''

RETURN = r'''
credential_spec:
  description: The credential spec document.
  returned: success
  type: dict
  sample:
    CmsPlugins: [ActiveDirectory]
    DomainJoinConfig:
      Sid: S-1-5-21-3623811015-3361044348-30300820
      MachineAccountName: WebApp01
      Guid: 7c9a2b7e-1e1f-4a5c-9f43-2b8f6b3a9d10
      DnsTreeName: contoso.com
      DnsName: contoso.com
      NetBiosName: CONTOSO
    ActiveDirectoryConfig:
      GroupManagedServiceAccounts:
        - {Name: WebApp01, Scope: contoso.com}
        - {Name: WebApp01, Scope: CONTOSO}
json:
  description: The document as JSON text, as written to O(dest).
  returned: success
  type: str
  sample: "{\n    \"CmsPlugins\": [\n        \"ActiveDirectory\"\n    ],\n    ...\n}\n"
file_name:
  description: The file name Docker and New-CredentialSpec use, C(<netbios name>_<account>.json) in lower case.
  returned: success
  type: str
  sample: contoso_webapp01.json
kubernetes:
  description: A C(GMSACredentialSpec) (C(windows.k8s.io/v1), cluster-scoped) holding the document.
  returned: success
  type: dict
  sample:
    apiVersion: windows.k8s.io/v1
    kind: GMSACredentialSpec
    metadata: {name: webapp01}
    credspec: {}
kubernetes_rbac:
  description: A C(ClusterRole) granting the C(use) verb on that resource; bind it to the pods' service accounts.
  returned: success
  type: dict
  sample:
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: webapp01-gmsa-user}
    rules:
      - apiGroups: [windows.k8s.io]
        resources: [gmsacredentialspecs]
        verbs: [use]
        resourceNames: [webapp01]
dest:
  description: The path written (or that would be written in check mode).
  returned: when O(dest) is given
  type: str
  sample: /srv/credspecs/contoso_webapp01.json
'''
