# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: domain_info
short_description: Read the Active Directory facts a gMSA deployment depends on
version_added: 0.1.0
description:
  - Connects to a domain controller over TLS and returns the domain's identity (DN, DNS and NetBIOS names,
    forest root, SID, GUID), its KDS root keys and whether one is usable, whether the schema knows group
    Managed Service Accounts, and the gMSAs of the domain.
  - Changes nothing.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_connection.read_only
options:
  list_service_accounts:
    description:
      - Whether to list the domain's gMSAs in RV(service_accounts). Turn it off to save a search in large domains.
    type: bool
    default: true
seealso:
  - module: wincontainers.gmsa.kds_root_key
  - module: wincontainers.gmsa.service_account
'''

EXAMPLES = r'''
- name: Read the domain facts over LDAPS, trusting the enterprise CA
  wincontainers.gmsa.domain_info:
    domain_server: dc01.contoso.com
    ca_cert: /etc/pki/contoso-root-ca.pem
    domain_username: svc-ansible@CONTOSO.COM
    domain_password: "{{ vault_ad_password }}"
  register: ad

- name: Find the controllers through DNS and bind with the current Kerberos ticket
  wincontainers.gmsa.domain_info:
    domain_name: contoso.com
    auth: kerberos

- name: Set the connection once for every AD task of the play
  hosts: localhost
  module_defaults:
    group/wincontainers.gmsa.ad:
      domain_server: [dc01.contoso.com, dc02.contoso.com]
      domain_username: svc-ansible@CONTOSO.COM
      domain_password: "{{ vault_ad_password }}"
  tasks:
    - name: Stop early when no KDS root key is usable yet
      wincontainers.gmsa.domain_info:
      register: ad
      failed_when: not ad.kds_root_key_usable
'''

RETURN = r'''
domain:
  description: The domain the bind account belongs to.
  returned: success
  type: dict
  contains:
    dn:
      description: Distinguished name of the domain.
      type: str
      sample: DC=contoso,DC=com
    dns_name:
      description: DNS name of the domain.
      type: str
      sample: contoso.com
    netbios_name:
      description: NetBIOS name of the domain.
      type: str
      sample: CONTOSO
    forest_dns_name:
      description: DNS name of the forest root domain.
      type: str
      sample: contoso.com
    sid:
      description: Security identifier of the domain.
      type: str
      sample: S-1-5-21-3623811015-3361044348-30300820
    guid:
      description: Object GUID of the domain, lower case without braces.
      type: str
      sample: 7c9a2b7e-1e1f-4a5c-9f43-2b8f6b3a9d10
    configuration_dn:
      description: Distinguished name of the configuration partition.
      type: str
      sample: CN=Configuration,DC=contoso,DC=com
    schema_dn:
      description: Distinguished name of the schema partition.
      type: str
      sample: CN=Schema,CN=Configuration,DC=contoso,DC=com
    domain_controller:
      description: DNS name of the domain controller that answered.
      type: str
      sample: dc01.contoso.com
kds_root_keys:
  description: The forest's KDS root keys, oldest first.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Identifier (the object's common name, a GUID).
      type: str
      sample: 3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c
    dn:
      description: Distinguished name of the key object.
      type: str
      sample: CN=3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c,CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,DC=contoso,DC=com
    created:
      description: When the key was created (ISO 8601, UTC); null when the bind account may not read it.
      type: str
      sample: '2026-11-27T10:02:12.813490Z'
    usable_from:
      description: When domain controllers start using the key (ISO 8601, UTC); null when the bind account may not read it.
      type: str
      sample: '2026-11-27T20:02:12.813490Z'
    usable_now:
      description: Whether the key is usable now; null when unknown.
      type: bool
      sample: true
kds_root_key_usable:
  description: Whether at least one KDS root key is usable now.
  returned: success
  type: bool
  sample: true
gmsa_supported:
  description: Whether the schema has the msDS-GroupManagedServiceAccount class (Windows Server 2012 schema or later).
  returned: success
  type: bool
  sample: true
service_accounts:
  description: The gMSAs of the domain; empty when O(list_service_accounts=false).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Account name without the trailing C($).
      type: str
      sample: WebApp01
    sam_account_name:
      description: The sAMAccountName, with the trailing C($).
      type: str
      sample: WebApp01$
    dn:
      description: Distinguished name.
      type: str
      sample: CN=WebApp01,CN=Managed Service Accounts,DC=contoso,DC=com
    dns_hostname:
      description: The DNS host name of the account.
      type: str
      sample: WebApp01.contoso.com
    spns:
      description: Service principal names.
      type: list
      elements: str
      sample: [host/WebApp01, host/WebApp01.contoso.com]
'''
