"""Bad input matrix: every case fails with one line naming the field or the cause, without a traceback,
and the whole matrix leaves the private forest's highestCommittedUSN where it was.

The cases run as tasks of a few playbooks (``ignore_errors`` on each, or a role's own argument check
inside a block), so that the matrix costs a few interpreter start-ups rather than one per case.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import playbook_runner
from forests import make_ca, record_figure, results_by_case

pytestmark = pytest.mark.lab

INJECTION = '*)(objectClass=*'
NON_ADMIN = 'RelBadUser'
NON_ADMIN_PASSWORD = 'Rel-Bad-User-9a-Pass'
# A group the plain user made in an OU delegated to it: the user owns it (and keeps the right to change it).
FOREIGN_OU = 'OU=RelBadDelegated'
FOREIGN_GROUP = 'RelBadForeign'
# A DN that reads as one (a multi-valued RDN) but that the domain controller cannot parse.
DC_REFUSED_DN = 'OU=a\\,b+c=d,DC=gmsa,DC=test'

# (module, options, what the one line must contain); options are YAML flow text.
MODULE_CASES = [
    # connection and credentials
    ('domain_info', '{list_service_accounts: maybe}', 'list_service_accounts'),
    ('domain_info', '{surprise: 1}', 'surprise'),
    ('domain_info', '{domain_password: wrong-password}', 'refused the credentials'),
    ('domain_info', '{domain_username: nosuchuser@GMSA.TEST}', 'refused the credentials'),
    ('domain_info', '{ca_cert: "{{ other_ca }}"}', 'not trusted'),
    ('domain_info', '{tls_server_name: wrong.gmsa.test}', 'does not name'),
    ('domain_info', '{domain_server: [127.0.0.9]}', 'refused the connection'),
    ('domain_info', '{domain_server: [nosuch.invalid]}', 'domain_server: nosuch.invalid cannot be resolved'),
    ('domain_info', '{domain_port: many}', 'domain_port'),
    ('domain_info', '{tls_mode: clear}', 'tls_mode'),
    ('domain_info', '{auth: anonymous}', 'auth'),
    ('domain_info', '{ca_cert: /nonexistent/ca.pem}', 'ca_cert: /nonexistent/ca.pem does not exist or cannot be read'),
    ('domain_info', '{validate_certs: sometimes}', 'validate_certs'),
    ('domain_info', '{connect_timeout: soon}', 'connect_timeout'),
    # controllers found through DNS (no domain_server): a password bind needs a trust DNS does not decide
    ('domain_info', '{domain_server: [], ca_cert: "", tls_server_name: ""}',
     'found through DNS (_ldap._tcp.dc._msdcs.gmsa.test), so the password of'),
    ('domain_info', '{domain_server: [], validate_certs: false}',
     'validate_certs=false with the domain controllers found through DNS'),
    # KDS root key
    ('kds_root_key', '{effective_time: next tuesday}', 'effective_time'),
    ('kds_root_key', '{effective_time: "2024-13-45T00:00:00Z"}', 'effective_time'),
    ('kds_root_key', '{lab_backdate: sometimes}', 'lab_backdate'),
    ('kds_root_key', '{allow_additional: true, domain_username: "%s@GMSA.TEST", domain_password: "%s"}'
     % (NON_ADMIN, NON_ADMIN_PASSWORD), 'rights'),
    # group
    ('group', '{name: ""}', 'name'),
    ('group', '{name: "%s"}' % ('G' * 65), 'name'),
    ('group', '{name: "%s"}' % INJECTION, 'name'),
    ('group', '{name: "Rel\\u0001Bad"}', 'name'),
    ('group', '{name: RelBadG, sam_account_name: "a,b=c"}', 'sam_account_name'),
    ('group', '{name: RelBadG, sam_account_name: "%s"}' % ('s' * 257), 'sam_account_name'),
    ('group', '{name: RelBadG, scope: galactic}', 'scope'),
    ('group', '{name: RelBadG, state: gone}', 'state'),
    ('group', '{name: RelBadG, members: {add: [NoSuchPrincipal]}}', 'members'),
    ('group', '{name: RelBadG, members: {add: ["%s"]}}' % INJECTION, 'members'),
    ('group', '{name: RelBadG, members: {add: [Administrator], remove: [Administrator]}}', 'members'),
    ('group', '{name: RelBadG, members: [Administrator]}', 'members'),
    ('group', '{name: RelBadG, path: not a dn}', 'path'),
    ('group', '{name: RelBadG, path: "OU=Nowhere,DC=gmsa,DC=test"}', 'path'),
    ('group', '{name: RelBadG, path: "%s"}' % DC_REFUSED_DN.replace('\\', '\\\\'),
     "path: '%s' is not a valid distinguished name for the domain controller" % DC_REFUSED_DN),
    ('group', '{name: RelBadG, domain_username: "%s@GMSA.TEST", domain_password: "%s"}'
     % (NON_ADMIN, NON_ADMIN_PASSWORD), 'rights'),
    # user
    ('user', '{name: ""}', 'name'),
    ('user', '{name: "%s"}' % INJECTION, 'name'),
    ('user', '{name: RelBadU, sam_account_name: "%s"}' % ('u' * 21), 'sam_account_name'),
    ('user', '{name: RelBadU, upn: no-at-sign}', 'upn'),
    ('user', '{name: RelBadU, update_password: sometimes}', 'update_password'),
    ('user', '{name: RelBadU, enabled: maybe}', 'enabled'),
    ('user', '{name: RelBadU, password: Ab1}', 'password'),
    ('user', '{name: RelBadU, password: "Rel-Bad-9a-Pass", path: "CN=Users,DC=other,DC=test"}', 'path'),
    ('user', '{name: RelBadU, password: "Rel-Bad-9a-Pass", domain_username: "%s@GMSA.TEST", domain_password: "%s"}'
     % (NON_ADMIN, NON_ADMIN_PASSWORD), 'rights'),
    # service_account
    ('service_account', '{name: ""}', 'name'),
    ('service_account', '{name: RelBadSixteenChr}', 'name'),
    ('service_account', '{name: "%s"}' % INJECTION, 'name'),
    ('service_account', '{name: "web$01"}', 'name'),
    ('service_account', '{name: "Ünïcödé"}', 'dns_hostname'),
    ('service_account', '{name: RelBadS, spns: {add: [nohost]}}', 'spns.add'),
    ('service_account', '{name: RelBadS, spns: {add: ["http/"]}}', 'spns.add'),
    ('service_account', '{name: RelBadS, spns: {add: ["http/host:port"]}}', 'spns.add'),
    ('service_account', '{name: RelBadS, spns: {add: ["http/a b"]}}', 'spns.add'),
    ('service_account', '{name: RelBadS, spns: {add: ["%s"]}}' % INJECTION, 'spns.add'),
    ('service_account', '{name: RelBadS, spns: {add: [http/x.gmsa.test], remove: [HTTP/x.gmsa.test]}}', 'spns'),
    ('service_account', '{name: RelBadS, spns: {add: [host/dc1.gmsa.test]}}', 'already held by'),
    ('service_account', '{name: RelBadS, allowed_to_retrieve_password: {add: [NoSuchPrincipal]}}',
     'allowed_to_retrieve_password'),
    ('service_account', '{name: RelBadS, allowed_to_retrieve_password: {add: ["%s"]}}' % INJECTION,
     'allowed_to_retrieve_password'),
    ('service_account', '{name: RelBadS, allowed_to_retrieve_password: {add: ["S-1-5-21-1-2-3-99999"]}}',
     'allowed_to_retrieve_password'),
    ('service_account', '{name: RelBadS, allowed_to_retrieve_password: {add: ["CN=Nobody,CN=Users,DC=gmsa,DC=test"]}}',
     'allowed_to_retrieve_password'),
    ('service_account', '{name: RelBadS, kerberos_encryption_types: [des]}', 'kerberos_encryption_types'),
    ('service_account', '{name: RelBadS, kerberos_encryption_types: []}', 'kerberos_encryption_types'),
    ('service_account', '{name: RelBadS, managed_password_interval: 0}', 'managed_password_interval'),
    ('service_account', '{name: RelBadS, managed_password_interval: thirty}', 'managed_password_interval'),
    ('service_account', '{name: RelBadS, dns_hostname: "bad_host!.gmsa.test"}', 'dns_hostname'),
    ('service_account', '{name: RelBadS, path: "OU=Nowhere,DC=gmsa,DC=test"}', 'path'),
    ('service_account', '{name: RelBadS, domain_username: "%s@GMSA.TEST", domain_password: "%s"}'
     % (NON_ADMIN, NON_ADMIN_PASSWORD), 'rights'),
    # credential_spec
    ('credential_spec', '{account: ""}', 'account'),
    ('credential_spec', '{account: NoSuchGmsa}', 'no gMSA named NoSuchGmsa'),
    ('credential_spec', '{account: "%s"}' % INJECTION, 'not a valid distinguished name'),
    ('credential_spec', '{account: RelBadOk, host_account_config: {plugin_guid: not-a-guid, plugin_input: x}}',
     'plugin_guid'),
    ('credential_spec',
     '{account: RelBadOk, host_account_config: {plugin_guid: "{00000000-0000-0000-0000-000000000000}"}}',
     'plugin_input'),
    ('credential_spec', '{account: RelBadOk, kubernetes_name: Bad_Name}', 'kubernetes_name'),
    ('credential_spec', '{account: RelBadOk, additional_accounts: [NoSuchGmsa]}', 'no gMSA named NoSuchGmsa'),
    ('credential_spec', '{account: RelBadOk, dest: /etc/hostname/spec.json}', '/etc/hostname/spec.json'),
    # application: a gMSA and group that do not exist yet, so that every part is new and each error comes from
    # the rehearsal, before anything is made; a part's own option is named inside the part that holds it.
    ('application', '{name: RelBadA}', 'parameters are required together: name, group'),
    ('application', '{name: RelBadA, group: RelBadAG}', "argument 'group' is of type str"),
    ('application', '{name: RelBadA, group: {name: ""}}', 'group.name: must not be empty'),
    ('application', '{name: RelBadA, group: {name: RelBadAG, scope: galactic}}', 'galactic found in group'),
    ('application', '{name: RelBadA, group: {name: RelBadAG, members: {add: [NoSuchPrincipal]}}}',
     "group.members: no account found for 'NoSuchPrincipal'"),
    ('application', '{name: RelBadA, group: {name: RelBadAG, members: {add: ["%s"]}}}' % INJECTION,
     "group.members: '%s'" % INJECTION),
    ('application', '{name: RelBadA, spns: {add: [nohost]}, group: {name: RelBadAG}}', "spns.add: 'nohost'"),
    ('application', '{name: RelBadA, spns: {add: [host/dc1.gmsa.test]}, group: {name: RelBadAG}}',
     'spns: host/dc1.gmsa.test is already held by'),
    ('application', '{name: RelBadSixteenChr, group: {name: RelBadAG}}', "name: 'RelBadSixteenChr' has 16 characters"),
    ('application', '{name: RelBadA, dns_hostname: "bad_host!.gmsa.test", group: {name: RelBadAG}}',
     "dns_hostname: 'bad_host!.gmsa.test' is not a DNS host name"),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, portable_user: {name: RelBadAP}}',
     'portable_user.password: required to create the portable user'),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, portable_user: {name: RelBadAP, update_password: always}}',
     'portable_user: update_password is always but all of the following are missing: password'),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, portable_user: {name: "%s"}}' % INJECTION,
     "portable_user.name: '%s'" % INJECTION),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, '
     'credential_spec: {host_account_config: {plugin_guid: not-a-guid, plugin_input: x}}}',
     "credential_spec.host_account_config.plugin_guid: 'not-a-guid' is not a GUID"),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, '
     'credential_spec: {host_account_config: {plugin_guid: "{00000000-0000-0000-0000-000000000000}"}}}',
     'plugin_input found in credential_spec -> host_account_config'),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, credential_spec: {kubernetes_name: Bad_Name}}',
     "credential_spec.kubernetes_name: 'Bad_Name'"),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, credential_spec: {additional_accounts: [{name: x, y: 1}]}}',
     'credential_spec.additional_accounts[0]: unknown keys y'),
    # who may read, and objects someone else owns: refused with the option that allows them
    ('application', '{name: RelBadA, group: {name: RelBadAG}, container_hosts: [{computer_account: RelBadHost, '
     'host: relbadhost.gmsa.test, dns_hostname: relbadhost.gmsa.test}]}',
     'container_hosts: relbadhost.gmsa.test (RelBadHost$): no computer account RelBadHost$ in gmsa.test; join the '
     'host to the domain first, or set gmsa_computer_account'),
    ('application', '{name: RelBadA, group: {name: RelBadAG}, host_computer_accounts: [Administrator]}',
     'host_computer_accounts: Administrator$: no computer account Administrator$'),
    ('application', '{name: RelBadA, group: {name: RelBadAG, adopt: maybe}}', 'adopt'),
    ('group', '{name: RelBadG, adopt: sometimes}', 'adopt'),
    ('group', '{name: "%s", adopt: false}' % FOREIGN_GROUP, 'adopt: the existing group CN=%s,' % FOREIGN_GROUP),
    ('group', '{name: "%s", adopt: false, state: absent}' % FOREIGN_GROUP,
     'adopt: the existing group CN=%s,' % FOREIGN_GROUP),
    ('application', '{name: RelBadA, group: {name: "%s"}}' % FOREIGN_GROUP,
     'group.adopt: the existing group CN=%s,' % FOREIGN_GROUP),
    # verify
    ('verify', '{account: NoSuchGmsa, principal: Administrator, kerberos: false}', 'NoSuchGmsa'),
    ('verify', '{account: RelBadOk, principal: NoSuchPrincipal, kerberos: false}', 'principal'),
    ('verify', '{account: RelBadOk, kerberos: maybe}', 'kerberos'),
    ('verify', '{account: RelBadOk, principal_username: RelBadUser, principal_keytab: /nonexistent/keytab}', 'keytab'),
]

# (role, variables, what the one line must contain): the role's own argument check.
ROLE_CASES = [
    ('kds_root_key', '{kds_root_key_mode: fast}', 'kds_root_key_mode'),
    ('service_accounts', '{service_accounts_applications: not-a-list}', 'service_accounts_applications'),
    ('service_accounts', '{service_accounts_applications: [{spns: [http/x]}]}', 'name'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadR, domain_joined: maybe}]}', 'domain_joined'),
    # the plug-in catalogue: each refused before the first write, in one line naming the field
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, plugin: {type: vault}}]}',
     'type must be one of: rancher, aws_ecs, azure_key_vault, custom'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, plugin: {type: aws_ecs}}]}',
     'plugin.credential_arn: type aws_ecs needs credential_arn'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, '
     'plugin: {type: rancher, namespace: gmsa-system}}]}', 'plugin.secret_name: type rancher needs namespace, secret_name'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, '
     'plugin: {type: aws_ecs, credential_arn: "arn:aws:s3:::bucket/key"}}]}',
     "plugin.credential_arn: 'arn:aws:s3:::bucket/key' is not the ARN of a Secrets Manager secret or an SSM parameter"),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, '
     'plugin: {type: azure_key_vault, object_id: 2d8a3e1c-0000-4000-8000-000000000001, '
     'secret_uri: "https://kv01.vault.example.com/secrets/x"}}]}',
     'plugin.secret_uri: \'https://kv01.vault.example.com/secrets/x\' is not a Key Vault secret URI; give '
     'https://<vault>.vault.azure.net/secrets/<name>'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, '
     'plugin: {guid: "{E4781092-F116-4B79-B55E-28EB6A224E26}", input: "gmsa-system:a:b"}}]}',
     "plugin.input: 'gmsa-system:a:b' has 3 parts; Rancher's plug-in takes exactly two"),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadP, domain_joined: false, '
     'plugin: {type: custom, guid: "{GDMA0342-266A-4D1P-831J-20990E82944F}", input: x}}]}',
     "plugin.guid: '{GDMA0342-266A-4D1P-831J-20990E82944F}' is not a GUID (it is the documentation's sample"),
    # a host known only by its address never names a computer account (relbad_hosts: 10.20.30.41, added first)
    ('service_accounts', '{service_accounts_applications: [{name: RelBadH, container_hosts: relbad_hosts}]}',
     'container host 10.20.30.41: 10.20.30.41 is an IP address, which is never a Windows computer name; set '
     'gmsa_computer_account'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadU1, domain_joined: false, '
     'plugin: {type: custom, guid: "{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}", input: x}, '
     'portable_user: {name: relbad-ccg}}, {name: RelBadU2, domain_joined: false, '
     'plugin: {type: custom, guid: "{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}", input: x}, '
     'portable_user: {name: RELBAD-ccg}}]}', 'RelBadU2: its portable user RELBAD-ccg is also used by RelBadU1'),
    ('service_accounts', '{service_accounts_applications: [{name: RelBadR, adopt: yes please}]}', 'adopt'),
    ('container_host', '{container_host_applications: 42}', 'container_host_applications'),
    ('container_host', '{container_host_reboot: maybe}', 'container_host_reboot'),
    ('kubernetes', '{kubernetes_applications: {}}', 'kubernetes_applications'),
]


def module_task(number, module, options):
    return ('- name: "case %d"\n  wincontainers.gmsa.%s: %s\n  ignore_errors: true\n' % (number, module, options))


def role_task(number, role, variables):
    # The role's argument check is a task of its own, after the marker; the rescue keeps the play going.
    return ('- name: "case %d"\n  ansible.builtin.debug:\n    msg: the role argument check follows\n'
            '- block:\n    - ansible.builtin.include_role:\n        name: wincontainers.gmsa.%s\n'
            '      vars: %s\n  rescue:\n    - ansible.builtin.meta: noop\n' % (number, role, variables))


def foreign_group(dc):
    """FOREIGN_GROUP, made by the plain user in an OU where it may create anything."""
    ou = '%s,%s' % (FOREIGN_OU, dc.domain_dn)
    dc.samba_tool('ou', 'create', ou)
    sid = dc.samba_tool('user', 'show', NON_ADMIN, '--attributes=objectSid').stdout.split('objectSid: ')[1].split()[0]
    dc.samba_tool('dsacl', 'set', '--objectdn=%s' % ou, '--sddl=(A;CI;GA;;;%s)' % sid)
    made = subprocess.run(dc.in_lab_net(['samba-tool', 'group', 'add', FOREIGN_GROUP, '--groupou=%s' % FOREIGN_OU,
                                         '-H', 'ldap://' + dc.env['GMSA_AD_SERVER'],
                                         '-U', '%s%%%s' % (NON_ADMIN, NON_ADMIN_PASSWORD)]),
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stdout + made.stderr


def test_bad_input_matrix(solo_dc, tmp_path):
    solo_dc.samba_tool('user', 'create', NON_ADMIN, NON_ADMIN_PASSWORD)
    foreign_group(solo_dc)
    run = playbook_runner(solo_dc, tmp_path)
    # The non-admin account has logged on once, as any real one has: its first logon writes lastLogonTimestamp.
    setup = run('- wincontainers.gmsa.service_account:\n    name: RelBadOk\n'
                '- wincontainers.gmsa.domain_info:\n    domain_username: %s@GMSA.TEST\n    domain_password: %s\n'
                % (NON_ADMIN, NON_ADMIN_PASSWORD))
    assert setup.rc == 0, setup.output
    other_ca = make_ca(tmp_path / 'other-ca', 'Some Other CA')

    before = solo_dc.highest_committed_usn()
    tasks = '- ansible.builtin.add_host: {name: 10.20.30.41, groups: relbad_hosts}\n'
    tasks += ''.join(module_task(number, module, options)
                     for number, (module, options, _expected) in enumerate(MODULE_CASES, 1))
    first_role = len(MODULE_CASES) + 1
    tasks += ''.join(role_task(number, role, variables)
                     for number, (role, variables, _expected) in enumerate(ROLE_CASES, first_role))
    matrix = run(tasks, play_options='vars:\n  other_ca: %s\n' % other_ca.cert,
                 extra_env={'GMSA_AD_CONNECT_TIMEOUT': '3'})
    after = solo_dc.highest_committed_usn()

    results = results_by_case(matrix.stdout)
    cases = [('case %d' % number, expected, '%s %s' % case[:2])
             for number, case in enumerate(MODULE_CASES + ROLE_CASES, 1) for expected in [case[2]]]
    unclean = []
    for name, expected, label in cases:
        result = failed_result(results.get(name, []))
        # A role's argument check words its failure as Ansible does: this header, then one line per error.
        message = str(result.get('msg', '')).replace('Validation of arguments failed:\n', '') if result else ''
        if result and result.get('argument_errors'):
            message = ' '.join(message.splitlines())
        if (result is None or '\n' in message.strip() or expected.lower() not in message.lower()
                or 'Traceback' in message + str(result.get('exception', ''))):
            unclean.append('%s (%s): %s' % (name, label, json.dumps(result)[:400]))
    assert 'Traceback' not in matrix.output
    record_figure('bad input: %d cases, %d clean; highestCommittedUSN %d before, %d after'
                  % (len(cases), len(cases) - len(unclean), before, after))
    assert not unclean, '\n'.join(unclean)
    assert after == before, 'the matrix wrote to the DC'


def failed_result(results):
    """The one failed result of a case (its module task, or the argument check of the role after its marker)."""
    failed = [result for result in results if result.get('failed')]
    return failed[0] if len(failed) == 1 else None
