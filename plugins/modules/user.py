# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: user
short_description: Manage the portable user of container hosts outside the domain
version_added: 0.1.0
description:
  - Creates, changes or removes a standard user over LDAP, from the controller, with no Windows host.
  - On container hosts that are not joined to the domain, ccg.exe logs on as such a user (the "portable identity",
    whose credentials a ccg.exe plug-in keeps) to read the gMSA password. Make it a member of the group the gMSA
    names, with M(wincontainers.gmsa.group).
  - The user is found by its sAMAccountName, or by O(identity). An existing user is not renamed; a task whose
    O(name) does not match it fails and says what it found. An existing user elsewhere than O(path) is moved
    there, as M(wincontainers.gmsa.service_account) moves a gMSA.
  - A new user is created with its password and its final account flags in one request. When the domain's password
    policy refuses the password, the task fails saying so and no user is left behind.
  - The password is never returned, shown in a diff or written to the log.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_object
  - wincontainers.gmsa.ad_object.description
attributes:
  check_mode:
    description:
      - Writes nothing.
      - With O(update_password=always) the password cannot be compared without logging on, so check mode reports
        it as changing; with O(update_password=when_changed) check mode reads the record and reports it exactly.
    support: full
  diff_mode:
    description: Shows the UPN, description and account flags before and after, and whether the password is set; never the password.
    support: full
options:
  name:
    description:
      - The user's name (its common name, C(cn)), at most 64 characters. Any character may be used; it is escaped.
      - Required unless O(identity) finds the user.
    type: str
  sam_account_name:
    description:
      - The logon name the user is found by, at most 20 characters.
      - 'Defaults to O(name). It may not contain any of C(" / \ [ ] : ; | = , + * ? < >); give it explicitly when
        O(name) does.'
    type: str
  upn:
    description:
      - The user principal name.
      - On creation it defaults to C(<sam_account_name>@<domain DNS name>); when not given for an existing user, it
        is left alone.
    type: str
  path:
    description:
      - DN of the OU or container the user is created in.
      - Defaults to the domain's Users container, found by its well-known GUID.
      - An existing user elsewhere is moved here (its group memberships stay); when not given, an existing
        user stays where it is. O(state=absent) removes the user wherever it is.
    type: str
  password:
    description:
      - The user's password. Required to create an enabled user.
      - Written only over the encrypted connection; never returned or logged.
      - When set on an existing user, see O(update_password).
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(when_changed) makes O(password) the user's password on every run without ever logging on as the user. The
        module writes it when O(password_record_file) has no record yet, when the record names another password, or
        when someone set a password since (the user's C(pwdLastSet) is not the one recorded); after each write it
        records the new C(pwdLastSet) and a salted SHA-256 of the password there. A run that changes nothing makes
        no bind as the user, so no C(lastLogonTimestamp) is written and no failed logon counted. Without
        O(password_record_file) every run writes the password.
      - V(always) makes O(password) the user's password on every run by logging on as the user (a simple bind over
        the same TLS connection settings), writing it only when that logon is refused for a wrong password. A logon
        refused for another reason (account disabled, password must change) still proves the password right. Each
        such logon is recorded by the domain controller like any other (C(lastLogonTimestamp), updated at most every
        few days), and each run that finds a different password counts one failed logon towards the account lockout
        threshold before it resets the password. Prefer V(when_changed).
    type: str
    choices: [on_create, when_changed, always]
    default: on_create
  password_record_file:
    description:
      - With O(update_password=when_changed), the file on the controller that records what was last set, that is
        the user's C(pwdLastSet) after the write and a salted SHA-256 of the password, never the password. Written
        readable by its owner only (0600), in a folder made 0700 when it is new; keep it beside the password's own
        secret file.
      - A missing or unreadable record makes the module write the password again, which is always safe.
    type: path
  enabled:
    description:
      - Whether the account is enabled. A disabled user cannot log on, so ccg.exe cannot use it.
      - When not given, a new user is enabled and an existing one keeps its state, as in microsoft.ad.
    type: bool
  password_never_expires:
    description:
      - Whether the password never expires. A portable identity whose password expires stops working until the
        plug-in's secret is updated; rotate it instead, or set this.
      - On creation, V(false) when not given; for an existing user, left alone when not given.
    type: bool
  state:
    description:
      - V(present) creates or updates the user; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - AD accepts a password only over an encrypted connection; every connection of this collection is one.
seealso:
  - module: wincontainers.gmsa.group
  - module: wincontainers.gmsa.service_account
'''

EXAMPLES = r'''
- name: The portable identity of the container hosts outside the domain
  wincontainers.gmsa.user:
    name: ccg-portable
    path: OU=Service Users,DC=contoso,DC=com
    password: "{{ vault_ccg_portable_password }}"
    update_password: when_changed
    password_record_file: ~/.ansible/gmsa-secrets/ccg-portable.record
    password_never_expires: true
    description: ccg.exe plug-in identity for non-domain-joined container hosts
  register: portable

- name: Let it read the WebApp01 gMSA password
  wincontainers.gmsa.group:
    name: gmsa-webapp01-hosts
    members:
      add: ["{{ portable.sid }}"]

- name: Keep its password the vault's (written only when the vault holds a new one; no logon to compare)
  wincontainers.gmsa.user:
    name: ccg-portable
    password: "{{ vault_ccg_portable_password }}"
    update_password: when_changed
    password_record_file: ~/.ansible/gmsa-secrets/ccg-portable.record

- name: Remove it
  wincontainers.gmsa.user:
    name: ccg-portable
    state: absent
'''

RETURN = r'''
dn:
  description: Distinguished name of the user; null when it is absent. In check mode, the DN it would get.
  returned: success
  type: str
  sample: CN=ccg-portable,OU=Service Users,DC=contoso,DC=com
sid:
  description: Security identifier of the user; null when it is absent or only would be created (check mode).
  returned: success
  type: str
  sample: S-1-5-21-3623811015-3361044348-30300820-1125
upn:
  description: User principal name; null when the user is absent.
  returned: success
  type: str
  sample: ccg-portable@contoso.com
sam_account_name:
  description: The logon name; null when the user is absent.
  returned: success
  type: str
  sample: ccg-portable
enabled:
  description: Whether the account is enabled; null when the user is absent.
  returned: success
  type: bool
  sample: true
password_changed:
  description: Whether the task set the password (or, in check mode, would set it).
  returned: success
  type: bool
  sample: false
'''
