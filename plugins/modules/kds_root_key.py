# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: kds_root_key
short_description: Ensure the forest has a KDS root key for gMSA passwords
version_added: 0.1.0
description:
  - Makes sure the Active Directory forest has a Key Distribution Service (KDS) root key. Domain controllers
    derive every group Managed Service Account password from it; without one no gMSA can be created.
  - When the forest already has a key, changes nothing and reports the key gMSA passwords come from. A forest
    should have only one key, because with more the gMSAs fail at their next password change. A second key is
    only created with O(allow_additional=true).
  - A new key is written over LDAP the way C(Add-KdsRootKey) writes it, with a random identifier and 64 random
    bytes of key data, into the C(Master Root Keys) container of the configuration partition.
  - Domain controllers use a key only from about 10 hours after its effective time, so that it has replicated
    to all of them first; RV(usable_from) and RV(usable_now) say when that is.
  - Creating a key needs membership of Enterprise Admins, or create-child rights on the C(Master Root Keys)
    container delegated to the bind account. Seeing existing keys needs the right to list that container and read
    its objects; an account that may not read an object there fails, since it cannot tell whether a key exists and
    would create a second. The keys' times need administrative rights; without them they are returned as null.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
attributes:
  check_mode:
    description: Reports whether a key would be created and when it would become usable; writes nothing.
    support: full
  diff_mode:
    description: Shows the forest's KDS root keys before and after.
    support: full
options:
  effective_time:
    description:
      - When a new key takes effect (its C(msKds-UseStartTime)). Domain controllers start using it about
        10 hours later.
      - V(now), or an ISO 8601 time such as V(2026-12-01T08:00:00Z); a time without an offset is taken as UTC.
      - A time in the past shortens the wait. That is only safe when every domain controller already has the key,
        so in a forest with one controller.
      - Only used when a key is created.
    type: str
    default: now
  lab_backdate:
    description:
      - Make a new key usable at once by setting its effective time 10 hours and 10 minutes in the past.
      - For single domain controller labs and tests only. With more controllers, a gMSA password request can reach
        one that has not received the key yet, and fail.
      - Cannot be combined with an O(effective_time) other than V(now).
    type: bool
    default: false
  allow_additional:
    description:
      - Create a key even though the forest already has one, for example to replace a key believed to be
        compromised. Domain controllers derive new passwords from the newest usable key.
      - A key is not added when one with the same effective time exists, so give a fixed O(effective_time) to make
        repeated runs add nothing; with V(now) or O(lab_backdate=true) every run adds another key.
    type: bool
    default: false
notes:
  - Only one key is needed per forest, whichever domain the bind account belongs to.
  - Windows recommends restarting the KDS service on all domain controllers after a key was deleted and another
    created, because they cache keys.
seealso:
  - module: wincontainers.gmsa.domain_info
  - module: wincontainers.gmsa.service_account
'''

EXAMPLES = r'''
- name: Make sure the forest has a KDS root key (usable about 10 hours after it is created)
  wincontainers.gmsa.kds_root_key:
    domain_server: dc01.contoso.com
    ca_cert: /etc/pki/contoso-root-ca.pem
    domain_username: adm-ansible@CONTOSO.COM
    domain_password: "{{ vault_enterprise_admin_password }}"
  register: kds

- name: Say when gMSAs can be created
  ansible.builtin.debug:
    msg: "The KDS root key {{ kds.key_id }} is usable from {{ kds.usable_from }}"
  when: not kds.usable_now

- name: A lab with a single domain controller, usable at once
  wincontainers.gmsa.kds_root_key:
    lab_backdate: true

- name: Add a replacement key that takes effect at a planned time; repeated runs add nothing more
  wincontainers.gmsa.kds_root_key:
    allow_additional: true
    effective_time: '2026-12-05T22:00:00Z'
'''

RETURN = r'''
key_id:
  description:
    - Identifier of the key that was created, or of the existing key gMSA passwords come from (the newest usable
      one; when none is usable yet, the one that becomes usable first).
    - Null in check mode when a key would be created, since the identifier is chosen when the key is written.
  returned: success
  type: str
  sample: 3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c
created:
  description: When that key was created (ISO 8601, UTC); null when the bind account may not read it.
  returned: success
  type: str
  sample: '2026-11-27T10:02:12.813490Z'
usable_from:
  description:
    - When domain controllers start deriving gMSA passwords from that key (ISO 8601, UTC), about 10 hours after
      its effective time; null when the bind account may not read it.
  returned: success
  type: str
  sample: '2026-11-27T20:07:12.813490Z'
usable_now:
  description: Whether that key is usable now; null when unknown.
  returned: success
  type: bool
  sample: false
root_keys:
  description: The forest's KDS root keys after the run, oldest first, as M(wincontainers.gmsa.domain_info) lists them.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Identifier (the object's common name, a GUID); null for a key check mode would create.
      type: str
      sample: 3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c
    dn:
      description: Distinguished name of the key object; null for a key check mode would create.
      type: str
      sample: CN=3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c,CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,DC=contoso,DC=com
    created:
      description: When the key was created (ISO 8601, UTC); null when the bind account may not read it.
      type: str
      sample: '2026-11-27T10:02:12.813490Z'
    usable_from:
      description: When domain controllers start using the key (ISO 8601, UTC); null when the bind account may not read it.
      type: str
      sample: '2026-11-27T20:07:12.813490Z'
    usable_now:
      description: Whether the key is usable now; null when unknown.
      type: bool
      sample: false
'''
