# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: verify
short_description: Check that a container host identity can use a group Managed Service Account
version_added: 0.1.0
description:
  - The equivalent of C(Test-ADServiceAccount), run from the controller for both kinds of container host.
  - Checks, each reported in RV(checks) as C({name, ok, detail}) - C(kds_root_key) a KDS root key is usable;
    C(account) the gMSA exists, is enabled and has a DNS host name; C(spns) it has C(host/<name>) and
    C(host/<DNS host name>); C(spns_unique) no other account of the domain holds its SPNs; C(principal_allowed)
    msDS-GroupMSAMembership lets the principal read the password, directly or through a group it is a member of
    at any depth (and no deny entry stops it); C(password_read) bound as the principal, over TLS to the same
    domain controller, reading msDS-ManagedPassword returns a password (the step C(ccg.exe) performs);
    C(kerberos_tgt) with O(kerberos), the KDC issues a ticket-granting ticket for C(<name>$@REALM) from that password.
  - The password and the keys derived from it are never returned, logged or written to a file. The ticket-granting
    ticket is obtained in memory and dropped; no ticket cache file is written.
  - A failed check names the cause and the fix. With O(fail_on_error) the task fails with one line listing the
    failed checks; the full result is returned either way.
  - Changes nothing. Domain controllers refresh a gMSA's stored keys lazily when its password is read, so a
    password read may still raise the controller's update sequence number.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_connection.read_only
options:
  account:
    description:
      - The gMSA, as its name (C(WebApp01) or C(WebApp01$)), distinguished name or SID.
    type: str
    required: true
  principal:
    description:
      - The identity that must be able to read the password, without its credentials, for example a domain-joined
        host's computer account C(HOST01$). Any form of a principal is accepted (sAMAccountName, C(DOMAIN\name), DN,
        SID, UPN).
      - Runs the static checks only; C(password_read) and C(kerberos_tgt) need the principal's credentials, given
        with O(principal_username) instead.
      - Group membership is resolved transitively with the principal's token groups as the domain controller
        computes them, primary group included.
      - Exactly one of O(principal) and O(principal_username) is required.
    type: str
  principal_username:
    description:
      - The identity that must be able to read the password, when its credentials are given - the portable user of a
        non-domain-joined host (C(user@domain), C(DOMAIN\user)), or a computer account (C(HOST01$)).
      - Needs one of O(principal_password), O(principal_ccache) or O(principal_keytab).
    type: str
  principal_password:
    description:
      - Password of O(principal_username). For a computer account, its machine password.
      - The principal binds with it over TLS to the domain controller the module's own connection reached.
    type: str
  principal_ccache:
    description:
      - Kerberos ticket cache holding a ticket-granting ticket of O(principal_username), for example from
        C(kinit). A path, or a cache name with its type such as C(FILE:/tmp/krb5cc_host01).
      - The principal binds with Kerberos (GSSAPI) over TLS; the KDC is found through C(krb5.conf) or E(KRB5_CONFIG).
    type: path
  principal_keytab:
    description:
      - Keytab holding the keys of O(principal_username), for example a host's C(/etc/krb5.keytab).
      - Tickets obtained from it are kept in memory only.
    type: path
  kerberos:
    description:
      - Whether to ask the KDC for a ticket-granting ticket of the gMSA with the password read, a real AS exchange
        with the realm's KDC (found through C(krb5.conf) or E(KRB5_CONFIG)). Needs the Python library C(gssapi).
    type: bool
    default: true
  fail_on_error:
    description:
      - Whether a failed check fails the task. With V(false) the task succeeds and RV(checks) lists what failed.
    type: bool
    default: true
notes:
  - Binding as the principal needs a domain controller that accepts the principal's bind over TLS; the module's own
    connection options (O(domain_server), O(ca_cert), O(tls_mode) and so on) apply to it too.
  - A host added to a group keeps its old group list until it gets new Kerberos tickets (reboot, or
    C(klist -li 0x3e7 purge) for the SYSTEM logon session); the directory may allow it before the host can read.
  - SPN uniqueness is checked in the domain the module is connected to, not in the whole forest.
seealso:
  - module: wincontainers.gmsa.service_account
  - module: wincontainers.gmsa.group
  - module: wincontainers.gmsa.kds_root_key
  - module: wincontainers.gmsa.credential_spec
'''

EXAMPLES = r'''
- name: A non-domain-joined host - its portable user can read the gMSA password and the KDC accepts it
  wincontainers.gmsa.verify:
    account: WebApp01
    principal_username: ccg-webapp@contoso.com
    principal_password: "{{ vault_ccg_password }}"

- name: A domain-joined host with its machine password
  wincontainers.gmsa.verify:
    account: WebApp01
    principal_username: HOST01$
    principal_password: "{{ vault_host01_machine_password }}"

- name: A host that has a Kerberos ticket of its own (kinit -k on the host, the cache copied here)
  wincontainers.gmsa.verify:
    account: WebApp01
    principal_username: HOST01$@CONTOSO.COM
    principal_ccache: /run/gmsa/krb5cc_host01

- name: Before joining hosts - is HOST02$ allowed at all (static checks only)
  wincontainers.gmsa.verify:
    account: WebApp01
    principal: HOST02$

- name: Report without failing, then act on the failed checks
  wincontainers.gmsa.verify:
    account: WebApp01
    principal: CONTOSO\HOST03$
    fail_on_error: false
  register: gmsa_check

- name: Show what needs fixing
  ansible.builtin.debug:
    msg: "{{ gmsa_check.checks | rejectattr('ok') | map(attribute='detail') | list }}"
'''

RETURN = r'''
checks:
  description: Every check that ran, in the order of the chain, each with whether it passed and why.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: >-
        The check - one of C(kds_root_key), C(account), C(spns), C(spns_unique), C(principal_allowed),
        C(password_read), C(kerberos_tgt). Checks that cannot run (no gMSA found, no credentials given, O(kerberos=false))
        are left out.
      type: str
      sample: principal_allowed
    ok:
      description: Whether it passed.
      type: bool
      sample: false
    detail:
      description: What was found; for a failure, its cause and the fix.
      type: str
      sample: 'HOST03$ is not allowed to read the password of WebApp01$ (allowed: WebApp01-hosts); add HOST03$ to one
        of those groups (wincontainers.gmsa.group members) or allow it directly'
  sample:
    - {name: kds_root_key, ok: true, detail: 'root key 3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c usable since 2026-11-27T20:02:12Z'}
    - {name: password_read, ok: true, detail: 'ccg-webapp read the current password of WebApp01$ over TLS (simple bind)'}
password_retrievable:
  description: Whether the principal read the password; null when no credentials were given.
  returned: success
  type: bool
  sample: true
tgt_obtained:
  description: Whether the KDC issued a ticket-granting ticket for the gMSA; null when not tried.
  returned: success
  type: bool
  sample: true
password_last_set:
  description: When the current password was set (pwdLastSet, ISO 8601, UTC); null when unknown.
  returned: success
  type: str
  sample: '2026-11-27T10:20:34.611232Z'
password_age_days:
  description: Days since the current password was set; null when unknown.
  returned: success
  type: float
  sample: 12.5
next_rollover:
  description:
    - When the domain controller starts handing out the next password (ISO 8601, UTC).
    - From the password blob's query interval when the password was read; otherwise C(pwdLastSet) plus
      msDS-ManagedPasswordInterval, which domain controllers round to their key intervals.
  returned: success
  type: str
  sample: '2026-12-27T07:59:59.860841Z'
static_only:
  description: True when only the static checks ran (O(principal) without credentials).
  returned: success
  type: bool
  sample: false
account:
  description: The gMSA found; null when there is none.
  returned: success
  type: dict
  contains:
    name:
      description: Name without the trailing C($).
      type: str
      sample: WebApp01
    sam_account_name:
      description: The sAMAccountName.
      type: str
      sample: WebApp01$
    dn:
      description: Distinguished name.
      type: str
      sample: CN=WebApp01,CN=Managed Service Accounts,DC=contoso,DC=com
    dns_hostname:
      description: DNS host name.
      type: str
      sample: WebApp01.contoso.com
    spns:
      description: Service principal names.
      type: list
      elements: str
      sample: [host/WebApp01, host/WebApp01.contoso.com]
principal:
  description: The principal the checks were made for.
  returned: success
  type: dict
  contains:
    name:
      description: Its sAMAccountName.
      type: str
      sample: HOST01$
    sid:
      description: Its SID.
      type: str
      sample: S-1-5-21-3623811015-3361044348-30300820-1104
    dn:
      description: Its distinguished name.
      type: str
      sample: CN=HOST01,CN=Computers,DC=contoso,DC=com
'''
