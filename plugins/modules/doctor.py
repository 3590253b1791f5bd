# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: doctor
short_description: Find why container hosts cannot get their gMSA, from the controller alone
version_added: 0.1.0
description:
  - Runs the checks that need no Windows host and reports each in RV(checks) as C({name, status, finding, fix}),
    the fix saying what to change.
  - C(dns_srv_udp) and C(dns_srv_tcp) - the SRV records hosts find their domain controllers and KDCs by
    (C(_ldap._tcp.dc._msdcs), C(_kerberos._tcp.dc._msdcs), C(_kerberos._tcp), C(_kerberos._udp) of the domain),
    asked of each DNS server over UDP and over TCP.
  - For each domain controller of O(domain_controllers) - C(clock) the controller's clock against the DC's
    (rootDSE C(currentTime)), a warning beyond 1 minute and a failure beyond Kerberos' 5 minutes;
    C(ldaps_certificate) the validity of the certificate the DC presented, a warning within 30 days of its end;
    C(kds_root_key) whether the DC holds a KDS root key that is usable by the DC's own clock.
  - C(schema) - the schema has the C(msDS-GroupManagedServiceAccount) class of the Windows Server 2012 schema
    (objectVersion 56); the domain and forest functional levels are reported (gMSAs need none in particular).
  - C(ldap_signing) - a simple bind of an account no domain has, with a random password made for it, sent
    without TLS to port 389, shows whether the DC requires LDAP signing or TLS. The bind account and its password
    are never sent without TLS.
  - C(ldap_channel_binding) - an NTLM bind of the bind account over TLS, without the channel binding, shows whether
    the DC enforces LDAP channel binding. Needs O(domain_username) and O(domain_password).
  - C(credential_spec <account>) - for each of O(credential_specs), whether C(DomainJoinConfig) names the domain
    (C(DnsName), C(NetBiosName), C(DnsTreeName), C(Sid), C(Guid)) and the account's scopes are the domain's DNS
    and NetBIOS names.
  - C(bind) - when no domain controller can be bound to, that failure is a check of its own, after the SRV record
    checks of O(domain_name) (the usual cause when the controllers are found through DNS); the other checks need
    the bind and do not run.
  - Changes nothing, and none of its test binds writes to the directory.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_connection.read_only
options:
  domain_controllers:
    description:
      - The domain controllers whose clock, certificate and KDS root key are checked, each bound to on its own
        with the connection options, its certificate checked against the name given.
      - When not given, the domain controller the connection options reached.
    type: list
    elements: str
  dns_server:
    description:
      - The DNS servers asked for the SRV records, by address; give those the container hosts use.
      - When not given, the name servers of this controller's resolver (C(/etc/resolv.conf)).
    type: list
    elements: str
  credential_specs:
    description:
      - Credential spec documents to compare with the domain, each a dictionary or its JSON text (for example a
        file read with C(lookup('file', ...))), as C(New-CredentialSpec) or M(wincontainers.gmsa.credential_spec)
        write them.
    type: list
    elements: raw
    default: []
  fail_on:
    description:
      - Which findings fail the task. V(failed) fails it when a check failed, V(warning) when a check failed or
        warned, V(never) returns every finding without failing.
      - The full result is returned either way.
    type: str
    choices: [failed, warning, never]
    default: failed
seealso:
  - module: wincontainers.gmsa.domain_info
  - module: wincontainers.gmsa.verify
  - module: wincontainers.gmsa.kds_root_key
'''

EXAMPLES = r'''
- name: Check the domain, its DNS and two domain controllers
  wincontainers.gmsa.doctor:
    domain_server: dc01.contoso.com
    ca_cert: /etc/pki/contoso-root-ca.pem
    domain_username: svc-ansible@CONTOSO.COM
    domain_password: "{{ vault_ad_password }}"
    domain_controllers: [dc01.contoso.com, dc02.contoso.com]
    dns_server: [10.0.0.10, 10.0.0.11]
  register: doctor

- name: Compare the credential spec a host uses with the domain, and only report
  wincontainers.gmsa.doctor:
    credential_specs:
      - "{{ lookup('ansible.builtin.file', 'contoso_webapp01.json') }}"
    fail_on: never
  register: doctor

- name: Print one line per check
  ansible.builtin.debug:
    msg: "{{ doctor.checks | map(attribute='status') | zip(doctor.checks | map(attribute='name')) | map('join', ' ') }}"
'''

RETURN = r'''
checks:
  description: Every check, in the order run.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The check, and the domain controller or account it is about.
      type: str
      sample: clock (dc01.contoso.com)
    status:
      description: V(ok), V(warning), V(failed), or V(skipped) when the check could not be made.
      type: str
      sample: failed
    finding:
      description: What was found.
      type: str
      sample: the controller's clock is 412 s ahead of dc01.contoso.com's (2026-12-02T02:39:35Z on the DC)
    fix:
      description: What to change; empty when the status is V(ok).
      type: str
      sample: let the controller and the container hosts follow the domain's time (w32tm /resync on Windows, ...)
counts:
  description: How many checks ended with each status.
  returned: success
  type: dict
  sample: {ok: 9, warning: 1, failed: 1, skipped: 1}
'''
