# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_account
short_description: Manage a group Managed Service Account (gMSA) in Active Directory
version_added: 0.1.0
description:
  - Creates, changes or removes a group Managed Service Account over LDAP, from the controller; no Windows host
    and no PowerShell are involved.
  - A new account is written enabled (C(userAccountControl) C(0x1000) alone), as Windows tools create it. An
    account created disabled, as C(samba-tool service-account create) does, is refused by the KDC; this module
    enables it unless O(enabled=false).
  - Who may read the account's password is stored as a security descriptor in C(msDS-GroupMSAMembership), with
    BUILTIN\Administrators as owner and one allow entry per principal with the access mask Windows tools write. Entries other
    tools wrote (deny entries included) are kept when principals are added or removed.
  - Before an SPN is added, the global catalog of the same domain controller (port 3269 with O(tls_mode=ldaps),
    3268 with O(tls_mode=start_tls), same TLS settings and bind) is searched for another account holding it.
    When the global catalog cannot be reached, the domain is searched instead and a warning says so.
  - A name that another account already uses fails; this includes a user or computer whose sAMAccountName is the
    name with or without the trailing C($), and any account whose common name is the name.
  - A KDS root key must be usable in the forest before an account can be created; see
    M(wincontainers.gmsa.kds_root_key).
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_object
  - wincontainers.gmsa.ad_object.description
attributes:
  check_mode:
    description: Reads the directory and reports what would change; writes nothing.
    support: full
  diff_mode:
    description: Shows the DNS host name, SPNs, allowed principals, encryption types and description before and after.
    support: full
options:
  name:
    description:
      - Name of the account, without the trailing C($); the sAMAccountName is the name plus C($), and the common
        name is the name.
      - "At most 15 characters. It may not contain any of C(\" / \\ [ ] : ; | = , + * ? < > @ $) or control
        characters, start or end with a space, or end with a period."
      - Required unless O(identity) finds the account.
    type: str
  state:
    description:
      - V(present) creates or updates the account, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  dns_hostname:
    description:
      - The account's C(dNSHostName).
      - When not given, a new account gets C(<name>.<domain DNS name>) and an existing one keeps its value.
    type: str
  spns:
    description:
      - Service principal names of the account, such as C(http/web01.contoso.com) or C(MSSQLSvc/sql01:1433).
      - A new account starts with C(host/<name>) and C(host/<dns_hostname>); O(spns.add), O(spns.remove) and
        O(spns.set) apply to that.
      - SPNs are compared without regard to case, as the domain controller does.
      - When O(dns_hostname) changes, the domain controller itself renames the SPNs that name the old host name
        (as Windows and Samba domain controllers do); RV(spns) returns the SPNs it holds afterwards.
      - O(spn) is an alias, the name M(microsoft.ad.service_account) gives this option.
    type: dict
    aliases: [spn]
    suboptions:
      add:
        description: SPNs to add; the others stay.
        type: list
        elements: str
      remove:
        description: SPNs to remove; the others stay.
        type: list
        elements: str
      set:
        description: The complete list of SPNs; others are removed. Cannot be combined with O(spns.add) or O(spns.remove).
        type: list
        elements: str
  allowed_to_retrieve_password:
    description:
      - Principals that may read the account's password (PrincipalsAllowedToRetrieveManagedPassword), usually one
        security group whose members are the container hosts, or a portable user for hosts outside the domain.
      - Each principal is given as a sAMAccountName (a computer as C(HOST01$) or C(HOST01)), C(DOMAIN\name),
        a distinguished name, a SID or a user principal name. Principals are compared by SID.
      - A principal that cannot be found fails the task before anything is written.
    type: dict
    suboptions:
      add:
        description: Principals to allow; the others stay.
        type: list
        elements: str
      remove:
        description: Principals to no longer allow; the others stay.
        type: list
        elements: str
      set:
        description:
          - The complete list of allowed principals; others are removed. Cannot be combined with
            O(allowed_to_retrieve_password.add) or O(allowed_to_retrieve_password.remove).
          - An empty list removes the descriptor, so that no one may read the password.
        type: list
        elements: str
  kerberos_encryption_types:
    description:
      - Kerberos encryption types the account supports (C(msDS-SupportedEncryptionTypes)).
      - When not given, a new account gets V(aes128) and V(aes256) (C(0x18)) and an existing one keeps its value.
      - Other bits of the attribute (DES, AES session keys) are left as they are.
    type: list
    elements: str
    choices: [aes128, aes256, rc4]
  managed_password_interval:
    description:
      - Days between password changes (C(msDS-ManagedPasswordInterval)).
      - It can be set only when the account is created; when not given, a new account gets 30 days.
        A different value for an existing account fails, since the domain controller refuses to change it;
        remove and recreate the account to change it.
    type: int
  path:
    description:
      - Distinguished name of the container or OU the account lives in.
      - When not given, a new account is created in the domain's Managed Service Accounts container (found by its
        well-known GUID) and an existing account stays where it is. When given, an existing account elsewhere is
        moved there.
    type: str
  enabled:
    description:
      - Whether the account is enabled. A disabled gMSA cannot obtain Kerberos tickets.
    type: bool
    default: true
notes:
  - SPN duplicates are searched in the global catalog only for the SPNs being added, so an unchanged account
    costs no global catalog search.
  - The password interval cannot be changed after creation, on Windows domain controllers as on Samba.
seealso:
  - module: wincontainers.gmsa.kds_root_key
  - module: wincontainers.gmsa.group
  - module: wincontainers.gmsa.domain_info
'''

EXAMPLES = r'''
- name: A gMSA for the web containers, readable by the container hosts' group
  wincontainers.gmsa.service_account:
    name: WebApp01
    spns:
      add:
        - http/webapp01.contoso.com
    allowed_to_retrieve_password:
      set:
        - WebApp01-Hosts
  register: gmsa

- name: Let one more host read the password, without touching the others
  wincontainers.gmsa.service_account:
    name: WebApp01
    allowed_to_retrieve_password:
      add:
        - HOST03$

- name: An account in its own OU, AES256 only, password changed every 60 days
  wincontainers.gmsa.service_account:
    name: SqlSvc01
    path: OU=Service Accounts,DC=contoso,DC=com
    dns_hostname: sql.contoso.com
    spns:
      set:
        - MSSQLSvc/sql.contoso.com:1433
        - MSSQLSvc/sql.contoso.com
    kerberos_encryption_types: [aes256]
    managed_password_interval: 60
    allowed_to_retrieve_password:
      set:
        - CONTOSO\SqlHosts
    description: SQL Server containers

- name: Connection options once for every AD task
  hosts: localhost
  module_defaults:
    group/wincontainers.gmsa.ad:
      domain_server: dc01.contoso.com
      domain_username: svc-ansible@CONTOSO.COM
      domain_password: "{{ vault_ad_password }}"
  tasks:
    - name: Remove a gMSA no longer used
      wincontainers.gmsa.service_account:
        name: OldApp01
        state: absent
'''

RETURN = r'''
dn:
  description: Distinguished name of the account (for O(state=absent), of the account removed, or null).
  returned: always
  type: str
  sample: CN=WebApp01,CN=Managed Service Accounts,DC=contoso,DC=com
sid:
  description: Security identifier of the account; null in check mode before the account exists.
  returned: state is present
  type: str
  sample: S-1-5-21-3623811015-3361044348-30300820-1106
guid:
  description: Object GUID of the account, lower case without braces; null in check mode before the account exists.
  returned: state is present
  type: str
  sample: 5a8e1c9d-7f2b-4e3a-9c1d-2b3a4c5d6e7f
sam_account_name:
  description: The sAMAccountName, the name with a trailing C($).
  returned: state is present
  type: str
  sample: WebApp01$
dns_hostname:
  description: The DNS host name of the account.
  returned: state is present
  type: str
  sample: WebApp01.contoso.com
spns:
  description: Service principal names of the account.
  returned: state is present
  type: list
  elements: str
  sample: [host/WebApp01, host/WebApp01.contoso.com, http/webapp01.contoso.com]
allowed_to_retrieve_password:
  description: Principals that may read the password, in the order of the security descriptor.
  returned: state is present
  type: list
  elements: dict
  contains:
    name:
      description: The principal's sAMAccountName; the SID when no account has it any longer.
      type: str
      sample: WebApp01-Hosts
    sid:
      description: The principal's SID.
      type: str
      sample: S-1-5-21-3623811015-3361044348-30300820-1107
kerberos_encryption_types:
  description: Kerberos encryption types the account supports, of V(rc4), V(aes128), V(aes256).
  returned: state is present
  type: list
  elements: str
  sample: [aes128, aes256]
managed_password_interval:
  description: Days between password changes.
  returned: state is present
  type: int
  sample: 30
enabled:
  description: Whether the account is enabled.
  returned: state is present
  type: bool
  sample: true
'''
