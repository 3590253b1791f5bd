"""Nothing written when nothing should be: check mode, a run with nothing left to do, and failed runs
leave the private forest's highestCommittedUSN where it was, and a failed run leaves no partial object.
"""

from __future__ import annotations

import pytest

from harness import playbook_runner
from forests import record_figure

pytestmark = pytest.mark.lab

NON_ADMIN = 'RelNwUser'
NON_ADMIN_PASSWORD = 'Rel-Nw-User-9a-Pass'

# Every writing module, once.
EVERY_MODULE = '''
- wincontainers.gmsa.kds_root_key: {lab_backdate: true}
- wincontainers.gmsa.group: {name: RelNwG, members: {add: [Administrator]}}
- wincontainers.gmsa.user: {name: RelNwU, password: "Rel-Nw-9a-Pass", description: portable}
- wincontainers.gmsa.service_account:
    name: RelNwS
    spns: {add: ["http/relnw.gmsa.test"]}
    allowed_to_retrieve_password: {add: [RelNwG]}
- wincontainers.gmsa.credential_spec: {account: RelNwS, dest: "%(dest)s/relnw.json"}
- wincontainers.gmsa.application:
    name: RelNwA
    spns: {add: ["http/relnwa.gmsa.test"]}
    group: {name: RelNwAG, members: {set: [Administrator]}}
    portable_user: {name: RelNwAU, password: "Rel-Nw-9a-APass"}
    credential_spec: {dest: "%(dest)s/relnwa.json"}
- wincontainers.gmsa.application:
    applications:
      - {name: RelNwB1, group: {name: RelNwBG1}, credential_spec: {dest: "%(dest)s/relnwb1.json"}}
      - {name: RelNwB3, group: {name: RelNwBG3}, portable_user: {name: RelNwBU3, password_file: "%(dest)s/relnwbu3"}}
'''

# New objects, for check mode. Each task stands alone: in check mode nothing an earlier task
# would create exists for a later one, so the gMSA names the existing group and the spec the existing gMSA.
CREATION = '''
- wincontainers.gmsa.kds_root_key: {allow_additional: true, lab_backdate: true}
- wincontainers.gmsa.group: {name: RelNwG2, members: {add: [Administrator]}}
- wincontainers.gmsa.user: {name: RelNwU2, password: "Rel-Nw-9a-2Pass"}
- wincontainers.gmsa.service_account: {name: RelNwS2, spns: {add: [http/relnw2.gmsa.test]}, allowed_to_retrieve_password: {add: [RelNwG]}}
- wincontainers.gmsa.credential_spec: {account: RelNwS, dest: "%(dest)s/relnw2.json"}
- wincontainers.gmsa.application:
    {name: RelNwA2, group: {name: RelNwAG2}, portable_user: {name: RelNwAU2, password: "Rel-Nw-9a-2APass"}}
- wincontainers.gmsa.application:
    applications:
      - {name: RelNwB12, group: {name: RelNwBG12}}
      - {name: RelNwB32, group: {name: RelNwBG32}, portable_user: {name: RelNwBU32, password_file: "%(dest)s/relnwbu32"}}
'''

# Changes to what exists, for check mode: every module has something to do.
CHANGES = '''
- wincontainers.gmsa.kds_root_key: {allow_additional: true, lab_backdate: true}
- wincontainers.gmsa.group: {name: RelNwG, members: {add: [RelNwU]}, description: changed}
- wincontainers.gmsa.user: {name: RelNwU, description: changed, enabled: false}
- wincontainers.gmsa.service_account: {name: RelNwS, spns: {add: [http/relnw-more.gmsa.test]}, description: changed}
- wincontainers.gmsa.credential_spec: {account: RelNwS, dest: "%(dest)s/relnw-new.json"}
- wincontainers.gmsa.application:
    {name: RelNwA, spns: {add: ["http/relnwa-more.gmsa.test"]}, group: {name: RelNwAG, members: {set: []}}}
- wincontainers.gmsa.application:
    applications:
      - {name: RelNwB1, spns: {add: ["http/relnwb1-more.gmsa.test"]}, group: {name: RelNwBG1, description: changed}}
      - {name: RelNwB3, group: {name: RelNwBG3},
         portable_user: {name: RelNwBU3, password_file: "%(dest)s/relnwbu3", description: changed}}
'''

FAILING = '''
- name: a password the domain refuses
  wincontainers.gmsa.user: {name: RelNwBadPw, password: Ab1}
  ignore_errors: true
- name: a group, as an account without the rights
  wincontainers.gmsa.group: {name: RelNwDenied, domain_username: %(user)s@GMSA.TEST, domain_password: %(password)s}
  ignore_errors: true
- name: a user, as an account without the rights
  wincontainers.gmsa.user:
    {name: RelNwDenied, password: Rel-Nw-9a-Pass, domain_username: %(user)s@GMSA.TEST, domain_password: %(password)s}
  ignore_errors: true
- name: a gMSA, as an account without the rights
  wincontainers.gmsa.service_account: {name: RelNwDenied, domain_username: %(user)s@GMSA.TEST, domain_password: %(password)s}
  ignore_errors: true
- name: a KDS root key, as an account without the rights
  wincontainers.gmsa.kds_root_key: {allow_additional: true, domain_username: %(user)s@GMSA.TEST, domain_password: %(password)s}
  ignore_errors: true
- name: a gMSA readable by a principal that does not exist
  wincontainers.gmsa.service_account: {name: RelNwHalf, allowed_to_retrieve_password: {add: [RelNwNobody]}}
  ignore_errors: true
- name: an application whose SPN another account holds, after a group and user it would make
  wincontainers.gmsa.application:
    name: RelNwHalf
    spns: {add: ["http/relnw.gmsa.test"]}
    group: {name: RelNwHalfG}
    portable_user: {name: RelNwHalfU, password: "Rel-Nw-9a-HPass"}
  ignore_errors: true
- name: applications in one task that all fail, one on its SPN after a group and user it would make
  wincontainers.gmsa.application:
    applications:
      - {name: RelNwHalfB, spns: {add: ["http/relnw.gmsa.test"]}, group: {name: RelNwHalfBG},
         portable_user: {name: RelNwHalfBU, password: "Rel-Nw-9a-HBPass"}}
      - {name: RelNwHalfC, group: {name: RelNwHalfCG, members: {add: [RelNwNobody]}}}
  ignore_errors: true
'''


def test_check_mode_no_op_and_failures_write_nothing(solo_dc, tmp_path):
    run = playbook_runner(solo_dc, tmp_path)
    solo_dc.samba_tool('user', 'create', NON_ADMIN, NON_ADMIN_PASSWORD)
    first = run(EVERY_MODULE % {'dest': tmp_path}
                # The non-admin account logs on once (its first logon writes lastLogonTimestamp).
                + '- wincontainers.gmsa.domain_info: {domain_username: %s@GMSA.TEST, domain_password: %s}\n'
                % (NON_ADMIN, NON_ADMIN_PASSWORD))
    assert first.rc == 0, first.output

    usn = solo_dc.highest_committed_usn()
    creation = run(CREATION % {'dest': tmp_path}, args=('--check', '--diff'))
    changes = run(CHANGES % {'dest': tmp_path}, args=('--check', '--diff'))
    again = run(EVERY_MODULE % {'dest': tmp_path}, args=('--diff',))
    failing = run(FAILING % {'user': NON_ADMIN, 'password': NON_ADMIN_PASSWORD})
    assert solo_dc.highest_committed_usn() == usn, 'written: check mode, no-op run or failed run'

    for checked in (creation, changes):
        assert checked.rc == 0, checked.output
        assert all(result['changed'] for result in checked.results), checked.output
    assert again.rc == 0 and not any(result['changed'] for result in again.results), again.output
    assert all(result.get('failed') for result in failing.results), failing.output
    assert not (tmp_path / 'relnw2.json').exists() and not (tmp_path / 'relnw-new.json').exists()
    assert not (tmp_path / 'relnwbu32').exists(), 'check mode generated a password file'
    assert (tmp_path / 'relnwa.json').exists()

    leftovers = solo_dc.ldbsearch(solo_dc.domain_dn, '(|(cn=RelNw*2)(cn=RelNwBadPw)(cn=RelNwDenied)(cn=RelNwHalf*))',
                                  ['cn'])
    assert leftovers == {}, leftovers
    record_figure('nothing written: %d check-mode tasks (7 creating, 7 changing), %d no-op tasks and %d failed tasks: '
                  'highestCommittedUSN unchanged (%d); 0 partial objects'
                  % (len(creation.results) + len(changes.results), len(again.results), len(failing.results), usn))


OPERATOR, OPERATOR_PASSWORD = 'RelNwOperator', 'Rel-Nw-Op-9a-Pass'
ROLE_RUN = '''
- name: the service_accounts role, as an Account Operator (may make groups and users, not gMSAs)
  ansible.builtin.include_role:
    name: wincontainers.gmsa.service_accounts
  vars:
    service_accounts_output_dir: "%(dest)s/output"
    service_accounts_secret_dir: "%(dest)s/secrets"
    service_accounts_applications:
      - name: RelNwRole1
        domain_joined: false
        portable_user: {password: Rel-Nw-9a-RPass}
        plugin: {guid: "{E4781092-F116-4B79-B55E-28EB6A224E26}", input: "gmsa-system:relnwrole1"}
'''


def test_a_failing_service_accounts_role_leaves_no_group_without_its_gmsa(solo_dc, tmp_path):
    solo_dc.samba_tool('user', 'create', OPERATOR, OPERATOR_PASSWORD)
    solo_dc.samba_tool('group', 'addmembers', 'Account Operators', OPERATOR)
    run = playbook_runner(solo_dc, tmp_path)
    failed = run(ROLE_RUN % {'dest': tmp_path}, extra_env={'GMSA_AD_USERNAME': '%s@GMSA.TEST' % OPERATOR,
                                                           'GMSA_AD_PASSWORD': OPERATOR_PASSWORD})
    assert failed.rc != 0, failed.output
    # The DC refused the gMSA after the portable user and the group were made: both were removed again. The
    # inventory gives the portable user's password, so the application task is no_log and the task after it stops
    # the play with its message.
    message = failed.result()['msg']
    assert '1 of 1 applications failed' in message, failed.output
    assert 'RelNwRole1: ' in message and 'removed again what this task had made' in message, failed.output
    assert solo_dc.ldbsearch(solo_dc.domain_dn, '(cn=RelNwRole1*)', ['cn']) == {}
    assert not (tmp_path / 'output' / 'credentialspecs').exists()
    record_figure('nothing half-made: the service_accounts role refused its gMSA as an Account Operator; the '
                  'portable user and group it had made were removed again, 0 objects left')
