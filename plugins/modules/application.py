# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: application
short_description: Make everything an application's containers need in Active Directory, for one or many applications
version_added: 0.1.0
description:
  - Ensures, for one application, the security group allowed to read the gMSA password, the portable user of
    hosts outside the domain (when O(portable_user) is given), the gMSA with its SPNs, readable by that group, and
    the gMSA's credential spec (when O(credential_spec) is given).
  - With O(applications), many applications in one task, each with the options that one application takes here.
    Every account they name is read ahead with a few searches (names in chunked filters), every application is
    rehearsed, and then those that change are written one after the other. Each application is still all or
    nothing on its own; one that fails does not undo the others, and the task fails naming each failed
    application and why. A run that changes nothing costs a few LDAP operations for a thousand applications. The
    role C(wincontainers.gmsa.service_accounts) runs it once for every application of the inventory.
  - Each part is done exactly as M(wincontainers.gmsa.user), M(wincontainers.gmsa.group),
    M(wincontainers.gmsa.service_account) and M(wincontainers.gmsa.credential_spec) do it alone; use those for
    anything this module does not offer, and for removal (C(playbooks/remove.yml)).
  - 'All or nothing: every part is first read and checked without writing, so bad input anywhere fails before
    anything is made. When the domain controller then refuses a later part (for example an account that may
    create groups but not gMSAs), the objects this task had created are deleted again and the error says so: no
    group is left without its gMSA.'
  - One task for many applications costs one Ansible task instead of one loop item each, which is most of the
    time of a run that changes nothing (docs/performance.md).
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_object.description
attributes:
  check_mode:
    description:
      - Reads and checks everything, writes nothing. An object that would be created cannot be looked up yet, so
        the parts after it are shown without it (the gMSA without its group, the group without the portable
        user), and there is no credential spec for a gMSA that does not exist yet.
    support: full
  diff_mode:
    description:
      - One diff per part (portable user, group, gMSA, credential spec file), each headed by its name (with
        O(applications), by the application's name and the part's).
    support: full
options:
  applications:
    description:
      - Many applications in one task, each a dictionary with the options O(name), O(dns_hostname), O(spns),
        O(path), O(description), O(adopt), O(group), O(portable_user), O(container_hosts),
        O(host_computer_accounts) and O(credential_spec) as documented here for one application (O(name) and
        O(group) required in each).
      - Cannot be combined with those options at the top level. Each name may be given once.
      - Options that fail the argument check fail the task before anything is written; an application whose
        checks against the directory fail (a member that does not exist, a name taken) is reported failed and
        the others are made.
    type: list
    elements: dict
  name:
    description:
      - The gMSA's name, without the trailing C($), as for M(wincontainers.gmsa.service_account).
      - Required unless O(applications) is given.
    type: str
  dns_hostname:
    description:
      - The gMSA's DNS host name; defaults to C(<name>.<domain>) when the gMSA is created.
    type: str
  spns:
    description:
      - The gMSA's service principal names, as O(wincontainers.gmsa.service_account#module:spns). A new gMSA gets
        C(host/<name>) and C(host/<dns_hostname>) from the DC; O(spns.set) must list them to keep them.
      - Each SPN must be free in the forest.
      - O(spn) is an alias, the name M(microsoft.ad.service_account) gives this option.
    type: dict
    aliases: [spn]
    suboptions:
      add:
        description: SPNs the gMSA must have; others stay.
        type: list
        elements: str
      remove:
        description: SPNs the gMSA must not have; others stay.
        type: list
        elements: str
      set:
        description: Exactly these SPNs, C(host/) ones included. Cannot be combined with O(spns.add) or O(spns.remove).
        type: list
        elements: str
  path:
    description:
      - DN of the OU or container of the gMSA; defaults to the domain's Managed Service Accounts container.
      - An existing gMSA elsewhere is taken only with O(adopt=true), and then moved here.
    type: str
  adopt:
    description:
      - Whether an existing gMSA that this collection may not have made is taken as it is, as
        O(wincontainers.gmsa.service_account#module:adopt) says; here V(false) unless given. O(group.adopt) and
        O(portable_user.adopt) say the same of the group and the portable user.
      - With V(false), an existing gMSA owned by anyone but the domain's administrators, the domain controller or
        the bound account, or that sits elsewhere than O(path), stops the application before anything is
        written, naming it, its owner and where it is.
    type: bool
    default: false
  container_hosts:
    description:
      - The computer accounts of the container hosts, each made a member of O(group) only once it is proven to be
        the host meant. Read from the directory before anything is written, each must exist and be a computer;
        carry O(container_hosts[].dns_hostname) as its C(dNSHostName) when that is given (a short name only
        needs to match the first label, and is not checked while the account carries none); and not have been
        created through the machine account quota (C(mS-DS-CreatorSID) set), since any domain user may create
        such an account under any free name. A quota-made computer is taken only when named in
        O(host_computer_accounts).
      - The role C(wincontainers.gmsa.service_accounts) fills this from the application's inventory group.
    type: list
    elements: dict
    suboptions:
      computer_account:
        description: The host's computer account, with or without the trailing C($).
        type: str
        required: true
      dns_hostname:
        description: The DNS name the inventory knows the host by, which the account must carry.
        type: str
      host:
        description: The host as the inventory names it, for messages.
        type: str
  host_computer_accounts:
    description:
      - Computer accounts the application names itself (hosts outside the inventory, say), made members of
        O(group). Each must exist and be a computer; these may have been created through the machine account
        quota.
    type: list
    elements: str
  group:
    description:
      - The group whose members may read the gMSA's password, as for M(wincontainers.gmsa.group). It is the only
        principal the gMSA's O(wincontainers.gmsa.service_account#module:allowed_to_retrieve_password) names.
      - Required with O(name).
    type: dict
    suboptions:
      name:
        description: The group's name (C(cn)).
        type: str
        required: true
      sam_account_name:
        description: The name the group is found by; defaults to O(group.name).
        type: str
      path:
        description:
          - DN of the OU or container of the group; defaults to the domain's Users container.
          - An existing group elsewhere is taken only with O(group.adopt=true), and then moved here.
        type: str
      scope:
        description: The group scope.
        type: str
        choices: [domain_local, global, universal]
        default: domain_local
      description:
        description: The group's description.
        type: str
      adopt:
        description:
          - Whether an existing group that this collection may not have made is taken as it is; see O(adopt).
        type: bool
        default: false
      members:
        description:
          - Further members of the group, as O(wincontainers.gmsa.group#module:members). The portable user, the
            O(container_hosts) and the O(host_computer_accounts) are always among them.
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
            description: Exactly these principals (and the portable user). Cannot be combined with add or remove.
            type: list
            elements: str
  portable_user:
    description:
      - The standard user whose credentials the ccg.exe plug-in of hosts outside the domain uses to read the
        gMSA password, as for M(wincontainers.gmsa.user). It is created enabled and made a member of O(group).
      - Leave it out for domain-joined hosts.
    type: dict
    suboptions:
      name:
        description: The user's name (C(cn)).
        type: str
        required: true
      sam_account_name:
        description: The name the user is found by and logs on with; defaults to O(portable_user.name).
        type: str
      path:
        description:
          - DN of the OU or container of the user; defaults to the domain's Users container.
          - An existing user elsewhere is taken only with O(portable_user.adopt=true), and then moved here.
        type: str
      adopt:
        description:
          - Whether an existing user that this collection may not have made is taken as it is; see O(adopt).
            Someone else's user could have its password reset by its owner at any time.
        type: bool
        default: false
      password:
        description:
          - The user's password, from Ansible Vault or a secret store. Required to create the user unless
            O(portable_user.password_file) is given. Never shown.
        type: str
      password_file:
        description:
          - A file on the controller that keeps the user's password, instead of O(portable_user.password). When it
            exists, its text (without the trailing newline) is the password.
          - When it does not, a random 40-character password that the domain's complexity rule accepts for this
            user is generated and written there (mode 0600, in a folder made 0700) right before the user is
            written. Check mode and a run that changes nothing write no file.
          - Cannot be combined with O(portable_user.password).
        type: path
      update_password:
        description:
          - V(on_create) sets O(portable_user.password) only when the user is created; V(when_changed) writes it
            whenever O(portable_user.password_record_file) says it differs from what was last set, without logging
            on; V(always) writes it when a logon with it fails. See M(wincontainers.gmsa.user).
        type: str
        choices: [on_create, when_changed, always]
        default: on_create
      password_record_file:
        description:
          - The record of what was last set, for O(portable_user.update_password=when_changed); see
            M(wincontainers.gmsa.user).
        type: path
      password_never_expires:
        description:
          - An expired password stops every container of the application until the plug-in's secret is updated,
            hence the default.
        type: bool
        default: true
      description:
        description: The user's description.
        type: str
  credential_spec:
    description:
      - The gMSA's credential spec, as M(wincontainers.gmsa.credential_spec) builds it; leave it out to build none.
    type: dict
    suboptions:
      dest:
        description: A file to write the credential spec JSON to; when not given it is only returned.
        type: path
      additional_accounts:
        description: More gMSAs the containers may use, as O(wincontainers.gmsa.credential_spec#module:additional_accounts).
        type: list
        elements: raw
        default: []
      host_account_config:
        description:
          - The plug-in of hosts outside the domain, as O(wincontainers.gmsa.credential_spec#module:host_account_config).
        type: dict
        suboptions:
          plugin_guid:
            description: COM class ID of the plug-in, with or without braces.
            type: str
            required: true
          plugin_input:
            description: The plug-in's input string (a dictionary is written as a JSON string).
            type: raw
            required: true
          portable_ccg_version:
            description: Version of the portable CCG interface.
            type: str
            default: '1'
      kubernetes_name:
        description: Name of the GMSACredentialSpec resource; defaults to the gMSA's name in lower case.
        type: str
seealso:
  - module: wincontainers.gmsa.group
  - module: wincontainers.gmsa.user
  - module: wincontainers.gmsa.service_account
  - module: wincontainers.gmsa.credential_spec
  - module: wincontainers.gmsa.verify
'''

EXAMPLES = r'''
- name: WebApp01 for domain-joined container hosts
  wincontainers.gmsa.application:
    name: WebApp01
    spns:
      add: [http/webapp01.contoso.com]
    group:
      name: WebApp01 Authorized Hosts
      sam_account_name: WebApp01Hosts
      members:
        set: [HOST01$, HOST02$]
    credential_spec:
      dest: /srv/credspecs/contoso_webapp01.json
  register: webapp01

- name: Reports01 for container hosts outside the domain, with the ccg.exe plug-in
  wincontainers.gmsa.application:
    name: Reports01
    group:
      name: Reports01 Authorized Hosts
      sam_account_name: Reports01Hosts
    portable_user:
      name: Reports01-ccg
      password: "{{ vault_reports01_ccg_password }}"
      update_password: when_changed
      password_record_file: ~/.ansible/gmsa-secrets/Reports01-ccg.record
    credential_spec:
      host_account_config:
        plugin_guid: '{E4781092-F116-4B79-B55E-28EB6A224E26}'
        plugin_input: gmsa-system:reports01-ccg

- name: Every application of the inventory in one task
  wincontainers.gmsa.application:
    applications:
      - name: WebApp01
        group: {name: WebApp01 Authorized Hosts, sam_account_name: WebApp01Hosts, members: {set: [HOST01$]}}
        credential_spec: {dest: /srv/credspecs/contoso_webapp01.json}
      - name: Reports01
        group: {name: Reports01 Authorized Hosts, sam_account_name: Reports01Hosts}
        portable_user:
          name: Reports01-ccg
          password_file: ~/.ansible/gmsa-secrets/Reports01-ccg
          update_password: when_changed
          password_record_file: ~/.ansible/gmsa-secrets/Reports01-ccg.record
        credential_spec:
          host_account_config:
            plugin_guid: '{E4781092-F116-4B79-B55E-28EB6A224E26}'
            plugin_input: gmsa-system:reports01-ccg
  register: applied
'''

RETURN = r'''
applications:
  description:
    - With O(applications), one entry per application in the order given - C(name), C(changed), C(failed) and
      either C(msg) (why it failed) or C(portable_user), C(group), C(service_account) and C(credential_spec), as
      returned below for one application.
  returned: when O(applications) is given
  type: list
  elements: dict
  sample: [{name: WebApp01, changed: false, failed: false, group: {dn: "CN=WebApp01 Authorized Hosts,CN=Users,DC=contoso,DC=com"}},
           {name: Reports01, changed: false, failed: true, msg: "group.members: no account found for 'HOST09$' in contoso.com"}]
portable_user:
  description: The portable user as M(wincontainers.gmsa.user) returns it; null when O(portable_user) is not given.
  returned: success, for one application
  type: dict
  sample: {dn: "CN=Reports01-ccg,CN=Users,DC=contoso,DC=com", sid: S-1-5-21-3623811015-3361044348-30300820-1131,
           upn: Reports01-ccg@contoso.com, sam_account_name: Reports01-ccg, enabled: true, password_changed: false}
group:
  description: The group as M(wincontainers.gmsa.group) returns it (C(dn), C(sid), C(members)).
  returned: success, for one application
  type: dict
  sample: {dn: "CN=WebApp01 Authorized Hosts,CN=Users,DC=contoso,DC=com",
           sid: S-1-5-21-3623811015-3361044348-30300820-1124, members: ["CN=HOST01,CN=Computers,DC=contoso,DC=com"]}
service_account:
  description:
    - The gMSA as M(wincontainers.gmsa.service_account) returns it (C(dn), C(sid), C(guid), C(sam_account_name),
      C(dns_hostname), C(spns), C(allowed_to_retrieve_password), ...).
  returned: success, for one application
  type: dict
  sample: {dn: "CN=WebApp01,CN=Managed Service Accounts,DC=contoso,DC=com", sam_account_name: WebApp01$,
           spns: [host/webapp01.contoso.com, http/webapp01.contoso.com]}
credential_spec:
  description:
    - The credential spec as M(wincontainers.gmsa.credential_spec) returns it (C(credential_spec), C(json),
      C(file_name), C(kubernetes), C(kubernetes_rbac), and C(dest) when written).
    - In each entry of RV(applications) only C(json), C(file_name) and C(dest), so that a result of a thousand
      applications carries each credential spec once, as the file's text.
    - Null when O(credential_spec) is not given, and in check mode for a gMSA that would be created.
  returned: success, for one application
  type: dict
  sample: {file_name: contoso_webapp01.json, dest: /srv/credspecs/contoso_webapp01.json}
'''
