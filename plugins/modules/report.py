# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: report
short_description: Report who can read each gMSA password, and the loose ends of the fleet
version_added: 0.1.0
description:
  - For every gMSA of the domain, or those O(names) gives, reports its effective readers with the path by which each
    reads (the entries of msDS-GroupMSAMembership, allow and deny, evaluated in order as the domain controller does,
    through groups nested at any depth), the principals a deny entry removes, SIDs that resolve to no object and
    foreign security principals; its SPNs and any other account of the forest holding one of them; its DNS host
    name, Kerberos encryption types, password interval, when its password was set and the next rollover; the KDS
    root key its password comes from (msDS-ManagedPasswordId) and whether that key still exists; and which
    applications of the inventory describe it.
  - The loose ends of the fleet - groups whose gMSA is gone, portable users in no group, disabled or with a password
    that expires, gMSAs no application describes, and credential spec files the container_host role's ledgers list
    for gMSAs that no longer exist.
  - The number of LDAP searches does not grow with the number of gMSAs or of members; it grows with the depth of
    group nesting (docs/report.md gives the count).
  - Reads only, and never the passwords (msDS-ManagedPassword is not asked for). The filters
    P(wincontainers.gmsa.gmsa_report_markdown#filter) and P(wincontainers.gmsa.gmsa_report_html#filter) turn
    RV(report) into Markdown and into one self-contained HTML page; C(playbooks/report.yml) writes all three.
author:
  - wincontainers.gmsa maintainers (@wincontainers)
extends_documentation_fragment:
  - wincontainers.gmsa.ad_connection
  - wincontainers.gmsa.ad_connection.attributes
  - wincontainers.gmsa.ad_connection.read_only
options:
  names:
    description:
      - The gMSAs to report, by name (the trailing C($) may be given or not). A name no gMSA has fails.
      - Default, every gMSA of the domain. The loose ends are those of the whole domain either way.
    type: list
    elements: str
  applications:
    description:
      - The inventory's applications, as the roles take them (C(gmsa_applications), docs/data-model.md). Each gMSA is
        reported with the applications that describe it; the applications' groups and portable users are looked at
        for the loose ends besides those the C(service_accounts) role's descriptions mark.
      - Not given, no gMSA is reported as undescribed (RV(report.loose_ends.undescribed_service_accounts) is null).
    type: list
    elements: raw
  credential_spec_ledgers:
    description:
      - The ledgers of the C(container_host) role, C(<Docker root>\CredentialSpecs\wincontainers-gmsa-files.txt), as
        a dictionary of host name to the text of its ledger. Files they list for gMSAs the domain no longer has are
        reported.
    type: dict
seealso:
  - module: wincontainers.gmsa.verify
  - module: wincontainers.gmsa.domain_info
'''

EXAMPLES = r'''
- name: Report every gMSA of the domain, with the inventory's applications
  wincontainers.gmsa.report:
    applications: "{{ gmsa_applications }}"
  register: gmsa_report

- name: Write the report as a page people can read
  ansible.builtin.copy:
    content: "{{ gmsa_report.report | wincontainers.gmsa.gmsa_report_html }}"
    dest: gmsa-output/report/report.html
    mode: '0644'

- name: Who can read the password of two gMSAs
  wincontainers.gmsa.report:
    names: [WebApp01, Reports]
  register: gmsa_report

- name: Fail when a password is readable by a SID that resolves to nothing
  ansible.builtin.assert:
    that: gmsa_report.report.service_accounts | map(attribute='unresolved') | flatten | length == 0
'''

RETURN = r'''
report:
  description: The report.
  returned: success
  type: dict
  contains:
    domain:
      description: The domain's C(dns_name), C(netbios_name) and C(forest_dns_name).
      type: dict
      sample: {dns_name: contoso.com, netbios_name: CONTOSO, forest_dns_name: contoso.com}
    generated:
      description: When the report was made (ISO 8601, UTC).
      type: str
      sample: '2026-12-02T03:00:00Z'
    spn_scope:
      description: Where duplicate SPNs were looked for, C(forest) (the global catalog) or C(domain) when the global
        catalog could not be reached.
      type: str
      sample: forest
    service_accounts:
      description: One entry per gMSA, by name.
      type: list
      elements: dict
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
        sid:
          description: Security identifier.
          type: str
          sample: S-1-5-21-3623811015-3361044348-30300820-1106
        enabled:
          description: Whether the account is enabled.
          type: bool
          sample: true
        dns_hostname:
          description: The DNS host name.
          type: str
          sample: WebApp01.contoso.com
        spns:
          description: Service principal names.
          type: list
          sample: [host/WebApp01, host/WebApp01.contoso.com]
          elements: str
        duplicate_spns:
          description: Each of its SPNs another account of the forest holds, as C({spn, holders}) (holders are DNs).
          type: list
          sample: [{spn: http/web.contoso.com, holders: ['CN=svc-web,OU=Service,DC=contoso,DC=com']}]
          elements: dict
        encryption_types:
          description: Kerberos encryption types (C(rc4), C(aes128), C(aes256)).
          type: list
          sample: [aes128, aes256]
          elements: str
        password_interval_days:
          description: msDS-ManagedPasswordInterval.
          type: int
          sample: 30
        password_last_set:
          description: When the current password was set (pwdLastSet, ISO 8601, UTC).
          type: str
          sample: '2026-11-20T08:00:00Z'
        next_rollover:
          description: When the password changes next, pwdLastSet plus the interval (ISO 8601, UTC).
          type: str
          sample: '2026-12-20T08:00:00Z'
        kds_root_key:
          description: The KDS root key of its current password, C({id, exists}); C(exists) is null when there is
            no key identifier or the bind account can see no KDS root key (their attributes are confidential).
          type: dict
          sample: {id: 3c8d6b7e-0c4f-4f6b-a1b2-9d8e7f6a5b4c, exists: true}
        applications:
          description: Names of the applications of O(applications) that use it, as theirs or as an additional account.
          type: list
          sample: [WebApp01]
          elements: str
        aces:
          description: The entries of msDS-GroupMSAMembership in order, each C({ace, access, name, sid, kind, dn,
            covers_read}); C(ace) counts from 1, C(access) is C(allow) or C(deny), C(covers_read) whether it grants or
            denies reading the password.
          type: list
          sample:
            - {ace: 1, access: allow, name: WebApp01Hosts, sid: S-1-5-21-3623811015-3361044348-30300820-1107,
               kind: group, dn: 'CN=WebApp01Hosts,CN=Users,DC=contoso,DC=com', covers_read: true}
          elements: dict
        readers:
          description:
            - >-
              Every principal that can read the password, C({name, sid, kind, dn, enabled, ace, access, path, text}),
              decided by the first entry in order that matches its token (C(enabled) is null for what is no account;
              a disabled account cannot log on to read it). C(path) goes from the principal through its groups to
              the principal of that entry; C(text) is it in words, C(alice → Tier3 → Tier2 → Tier1 (ACE 2: allow)).
            - Foreign security principals, SIDs that resolve to no object (kind C(unresolved SID)) and well-known SIDs
              such as Everyone are readers of their own kind, not expanded.
          type: list
          sample:
            - {name: HOST01$, sid: S-1-5-21-3623811015-3361044348-30300820-1108, kind: computer, enabled: true,
               dn: 'CN=HOST01,CN=Computers,DC=contoso,DC=com', ace: 1, access: allow, path: [HOST01$, WebApp01Hosts],
               text: 'HOST01$ → WebApp01Hosts (ACE 1: allow)'}
          elements: dict
        denied:
          description: Principals an allow entry names (directly or through groups) that a deny entry before it
            removes, as in RV(report.service_accounts[].readers) with C(allowed_by) the allow they lose.
          type: list
          sample: []
          elements: dict
        unresolved:
          description: The principals its entries name that are no account of the domain (foreign security
            principals, unresolved and well-known SIDs).
          type: list
          sample: [{name: S-1-5-21-3623811015-3361044348-30300820-1999, sid: S-1-5-21-3623811015-3361044348-30300820-1999, kind: unresolved SID, dn: null}]
          elements: dict
        problems:
          description: What needs looking at, in words (nobody reads it, a duplicate SPN, its KDS root key gone, a SID
            that resolves to nothing, disabled).
          type: list
          sample: ['http/web.contoso.com is also held by CN=svc-web,OU=Service,DC=contoso,DC=com']
          elements: str
    loose_ends:
      description: The fleet's loose ends.
      type: dict
      contains:
        orphan_groups:
          description: Groups of a gMSA (the inventory's, or described so by the service_accounts role) whose gMSA is
            gone, C({name, dn, gmsa}).
          type: list
          sample: [{name: OldAppHosts, dn: 'CN=OldApp Authorized Hosts,CN=Users,DC=contoso,DC=com', gmsa: OldApp}]
          elements: dict
        portable_users:
          description: Portable users (the inventory's, or described so by the role) in no group, disabled, or whose
            password expires, C({name, dn, application, problems}).
          type: list
          sample: [{name: Reports-ccg, dn: 'CN=Reports-ccg,CN=Users,DC=contoso,DC=com', application: Reports, problems: [password expires]}]
          elements: dict
        undescribed_service_accounts:
          description: Names of the reported gMSAs no application describes; null without O(applications).
          type: list
          sample: [LegacySvc]
          elements: str
        stale_credential_spec_files:
          description: Files a ledger of O(credential_spec_ledgers) lists for gMSAs the domain does not have,
            C({host, file, gmsa}).
          type: list
          sample: [{host: host01.contoso.com, file: contoso_oldapp.json, gmsa: oldapp}]
          elements: dict
    graph:
      description: Who reads what, for the picture - C(nodes) C({id, name, kind, depth}) (depth 0 for gMSAs, 1 for
        the principals an entry names, one more per level of nesting) and C(edges) C({from, to, kind}) with kind
        C(allow), C(deny) (with C(ace)) or C(member).
      type: dict
      sample: {nodes: [{id: S-1-5-21-3623811015-3361044348-30300820-1106, name: WebApp01, kind: gMSA, depth: 0}], edges: []}
    warnings:
      description: What limited the report (the global catalog out of reach).
      type: list
      sample: []
      elements: str
'''
