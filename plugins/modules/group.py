# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: group
short_description: Manage the security group allowed to read a gMSA password
version_added: 0.1.0
description:
  - Creates, changes or removes a security group over LDAP, from the controller, with no Windows host.
  - The group is usually what a gMSA's O(wincontainers.gmsa.service_account#module:allowed_to_retrieve_password)
    names; its members are the container hosts' computer accounts (C(HOST01$)) or, for hosts not joined to the
    domain, the portable identity made with M(wincontainers.gmsa.user).
  - The group is found by its sAMAccountName, or by O(identity). An existing group is not renamed; a task whose
    O(name) does not match it fails and says what it found. An existing group elsewhere than O(path) is moved
    there, as M(wincontainers.gmsa.service_account) moves a gMSA.
  - Members are added and removed value by value, never by rewriting the whole list, so two runs adding different
    members at the same time both keep theirs.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_object
  - wincontainers.gmsa.ad_object.description
attributes:
  check_mode:
    description: Reads and resolves everything, writes nothing.
    support: full
  diff_mode:
    description: Shows the group's scope, description and members before and after.
    support: full
options:
  name:
    description:
      - The group's name (its common name, C(cn)), at most 64 characters. Any character may be used; it is escaped.
      - Required unless O(identity) finds the group.
    type: str
  sam_account_name:
    description:
      - The pre-Windows 2000 name the group is found by.
      - 'Defaults to O(name). It may not contain any of C(" / \ [ ] : ; | = , + * ? < >); give it explicitly when
        O(name) does.'
    type: str
  scope:
    description:
      - The group scope.
      - Changing the scope of an existing group goes through V(universal) when AD requires it (V(global) to
        V(domain_local) and back). When the domain controller refuses a step, the group is left with its old scope
        and the task fails saying why.
    type: str
    choices: [domain_local, global, universal]
    default: domain_local
  path:
    description:
      - DN of the OU or container the group is created in.
      - Defaults to the domain's Users container, found by its well-known GUID.
      - An existing group elsewhere is moved here (its members and memberships stay); when not given, an
        existing group stays where it is. O(state=absent) removes the group wherever it is.
    type: str
  members:
    description:
      - Members of the group, each as a sAMAccountName (computers as C(HOST01$), or C(HOST01) when a computer of that
        name exists), C(DOMAIN\name), a distinguished name, a SID or a user principal name.
      - All of them are looked up with one search before anything is written; a name that matches no account, or
        more than one, fails the task naming it.
    type: dict
    suboptions:
      add:
        description: Principals that must be members; other members stay.
        type: list
        elements: str
      remove:
        description: Principals that must not be members; other members stay.
        type: list
        elements: str
      set:
        description:
          - Exactly these principals are members; others are removed. V([]) removes every member.
          - Cannot be combined with O(members.add) or O(members.remove).
        type: list
        elements: str
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it (the group and its membership list, not
        its members).
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: wincontainers.gmsa.user
  - module: wincontainers.gmsa.service_account
'''

EXAMPLES = r'''
- name: The group of hosts that may use the WebApp01 gMSA
  wincontainers.gmsa.group:
    name: WebApp01 gMSA hosts
    sam_account_name: gmsa-webapp01-hosts
    path: OU=Groups,OU=Containers,DC=contoso,DC=com
    description: Container hosts allowed to retrieve the WebApp01 gMSA password
    members:
      add:
        - HOST01$
        - HOST02
  register: hosts_group

- name: Exactly these members, whatever was added by hand
  wincontainers.gmsa.group:
    name: gmsa-webapp01-hosts
    members:
      set:
        - CN=HOST01,OU=Container Hosts,DC=contoso,DC=com
        - ccg-portable@contoso.com

- name: Take a decommissioned host out, leaving the other members alone
  wincontainers.gmsa.group:
    name: gmsa-webapp01-hosts
    members:
      remove: [HOST02$]

- name: Remove the group
  wincontainers.gmsa.group:
    name: gmsa-webapp01-hosts
    state: absent
'''

RETURN = r'''
dn:
  description: Distinguished name of the group; null when it is absent. In check mode, the DN it would get.
  returned: success
  type: str
  sample: CN=WebApp01 gMSA hosts,OU=Groups,OU=Containers,DC=contoso,DC=com
sid:
  description: Security identifier of the group; null when it is absent or only would be created (check mode).
  returned: success
  type: str
  sample: S-1-5-21-3623811015-3361044348-30300820-1124
members:
  description: Distinguished names of the group's members after the task; empty when the group is absent.
  returned: success
  type: list
  elements: str
  sample: [CN=HOST01,OU=Container Hosts,DC=contoso,DC=com]
'''
