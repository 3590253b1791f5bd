"""Who reads a gMSA's password, tried as an attacker would against the lab DC: what any domain user can create
(a computer through the machine account quota, under any free name) or a delegated user can make first (a
group or a user under the names an application derives), and what the service_accounts role and the
application module make of it. Every result is read back with Samba's own tools.

Samba 4.22 neither enforces the machine account quota nor writes mS-DS-CreatorSID; Windows writes the creator's
SID there for every computer made through the quota (MS-ADTS 3.1.1.5.2.1, MS-SAMR 3.1.5.4.4). The tests model
that by writing the attribute themselves, with ldbmodify on the DC's own database as the system (relax control).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from harness import accounts_flow, assert_nothing_written, filter_value, ldap_objects

pytestmark = pytest.mark.lab

OURS = ('rdt',)
OU = 'OU=rdtDelegated'
MALLORY, MALLORY_PASSWORD = 'rdtMallory', 'Rdt-Mallory-9a-Pass'   # a plain domain user
CUSTOM_GUID = '{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}'


def sweep(lab):
    for dn in lab.ldbsearch(lab.domain_dn, '(|(sAMAccountName=rdt*)(cn=rdt*)(sAMAccountName=10$))', ['cn']):
        subprocess.run(['ldbdel', '-H', lab.sam_ldb, dn], capture_output=True, check=False)
    lab.samba_tool('ou', 'delete', '%s,%s' % (OU, lab.domain_dn), '--force-subtree-delete', check=False)


@pytest.fixture
def domain(lab):
    sweep(lab)
    lab.samba_tool('user', 'create', MALLORY, MALLORY_PASSWORD)
    yield lab
    sweep(lab)


def sid_of(lab, sam):
    return next(iter(lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(sam), ['objectSid']).values())
                )['objectSid'][0]


def computer(lab, name, dns_hostname=None, made_through_quota=False):
    """A computer account; ``made_through_quota`` writes mS-DS-CreatorSID as Windows does for one a plain user made
    (Samba does not, so the test writes it as the system)."""
    lab.samba_tool('computer', 'create', name)
    changes = []
    if dns_hostname:
        changes.append('add: dNSHostName\ndNSHostName: %s\n' % dns_hostname)
    if made_through_quota:
        changes.append('add: mS-DS-CreatorSID\nmS-DS-CreatorSID: %s\n' % sid_of(lab, MALLORY))
    if changes:
        ldif = 'dn: CN=%s,CN=Computers,%s\nchangetype: modify\n%s' % (name, lab.domain_dn, '-\n'.join(changes))
        subprocess.run(['ldbmodify', '-H', lab.sam_ldb, '--controls=relax:0'], input=ldif, text=True, check=True,
                       capture_output=True)


def delegated_ou(lab):
    """An OU where the plain user may create anything, as a delegation gives a team."""
    ou = '%s,%s' % (OU, lab.domain_dn)
    lab.samba_tool('ou', 'create', ou)
    lab.samba_tool('dsacl', 'set', '--objectdn=%s' % ou, '--sddl=(A;CI;GA;;;%s)' % sid_of(lab, MALLORY))
    return ou


def made_by_mallory(lab, kind, name, sam):
    """A group or a user under an application's derived names, added with ldap3 by the plain user in its OU: what
    it makes, it owns."""
    attributes = ({'sAMAccountName': sam, 'groupType': str(-2147483644)} if kind == 'group'
                  else {'sAMAccountName': sam, 'userAccountControl': str(0x202)})
    ldap_objects(lab, adds=[['CN=%s,%s,%s' % (name, OU, lab.domain_dn), kind, attributes]],
                 user='%s@%s' % (MALLORY, lab.env['GMSA_LAB_REALM']), password=MALLORY_PASSWORD)


def owner(lab, sam):
    """The owner SID of the account, from the security descriptor in the DC's database."""
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(sam), ['nTSecurityDescriptor'])
    sddl = next(iter(found.values()))['nTSecurityDescriptor'][0]
    alias = re.match(r'^O:(.+?)G:', sddl).group(1)
    return {'DA': '%s-512' % domain_sid(lab), 'LA': '%s-500' % domain_sid(lab)}.get(alias, alias)


def domain_sid(lab):
    return next(iter(lab.ldbsearch(lab.domain_dn, '(objectClass=domain)', ['objectSid'], scope='base').values())
                )['objectSid'][0]


def member_names(lab, group):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(group), ['member'])
    return sorted(dn.split(',')[0][3:].lower() for entry in found.values() for dn in entry.get('member', []))


def exists(lab, sam):
    return bool(lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % filter_value(sam), ['cn']))


def flow(lab, tmp_path, applications, hosts=None, core='newest'):
    inventory = {'all': {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
        'children': {'rdt_hosts': {'hosts': hosts or {}}},
        'vars': {'gmsa_kds_mode': 'lab', 'gmsa_output_dir': str(tmp_path / 'output'),
                 'gmsa_secret_dir': str(tmp_path / 'secrets'), 'gmsa_applications': applications}}}
    return accounts_flow(tmp_path, inventory, core, lab.connection_env())


def failure_line(run):
    """The one failed task's message, from the default callback's output: one line, no traceback."""
    assert run.rc != 0, run.output
    assert 'Traceback' not in run.output
    failed = [line for line in run.stdout.splitlines() if line.startswith(('fatal:', 'failed:'))]
    assert len(failed) == 1, run.stdout[-3000:]
    message = json.loads(failed[0].split(' => ', 1)[1])['msg']
    assert '\n' not in message.strip(), message
    return message


def web(name, **more):
    return dict({'name': name, 'container_hosts': 'rdt_hosts'}, **more)


# ------------------------------------------------------------------ computer accounts
CORES = ['oldest', 'newest']   # the oldest and the newest ansible-core meta/runtime.yml admits


@pytest.mark.parametrize('core', CORES)
def test_an_inventory_host_written_as_an_address_never_becomes_a_reader(domain, tmp_path, core):
    # Any domain user may create the computer 10$, which the address 10.20.30.41 used to name.
    computer(domain, '10', made_through_quota=True)
    run = flow(domain, tmp_path, [web('rdtWeb01')], hosts={'10.20.30.41': {}}, core=core)
    before = domain.highest_committed_usn()
    line = failure_line(run('accounts.yml'))
    assert 'container host 10.20.30.41: 10.20.30.41 is an IP address' in line
    assert 'set gmsa_computer_account' in line
    assert not exists(domain, 'rdtWeb01Hosts') and not exists(domain, 'rdtWeb01$')
    assert_nothing_written(domain, before, OURS)


def test_an_alias_names_the_machine_its_address_names(domain, tmp_path):
    computer(domain, 'rdthalias', dns_hostname='rdthalias.gmsa.test')       # another machine, named as the alias
    computer(domain, 'rdth01', dns_hostname='rdth01.gmsa.test')   # the one ansible_host reaches
    run = flow(domain, tmp_path, [web('rdtWeb02')], hosts={'rdthalias': {'ansible_host': 'rdth01.gmsa.test'}})
    done = run('accounts.yml')
    assert done.rc == 0, done.output[-3000:]
    assert member_names(domain, 'rdtWeb02Hosts') == ['rdth01']


def test_a_computer_account_that_carries_another_dns_name_is_refused(domain, tmp_path):
    computer(domain, 'rdth03', dns_hostname='rdth03.elsewhere.example')
    run = flow(domain, tmp_path, [web('rdtWeb03')], hosts={'rdth03.gmsa.test': {}})
    before = domain.highest_committed_usn()
    line = failure_line(run('accounts.yml'))
    assert 'carries the DNS host name rdth03.elsewhere.example, not rdth03.gmsa.test' in line
    assert 'gmsa_host_fqdn' in line
    assert not exists(domain, 'rdtWeb03Hosts')
    assert_nothing_written(domain, before, OURS)


@pytest.mark.parametrize('core', CORES)
def test_a_computer_made_through_the_quota_reads_only_when_the_application_names_it(domain, tmp_path, core):
    computer(domain, 'rdth04', dns_hostname='rdth04.gmsa.test', made_through_quota=True)
    hosts = {'rdth04.gmsa.test': {}}
    refused = flow(domain, tmp_path, [web('rdtWeb04')], hosts=hosts, core=core)
    before = domain.highest_committed_usn()
    line = failure_line(refused('accounts.yml'))
    assert 'created through the machine account quota by GMSA\\%s' % MALLORY in line
    assert "name it in the application's host_computer_accounts" in line
    assert not exists(domain, 'rdtWeb04Hosts')
    assert_nothing_written(domain, before, OURS)

    named = flow(domain, tmp_path, [web('rdtWeb04', host_computer_accounts=['rdth04$'])], hosts=hosts, core=core)
    done = named('accounts.yml')
    assert done.rc == 0, done.output[-3000:]
    assert member_names(domain, 'rdtWeb04Hosts') == ['rdth04']


# ------------------------------------------------------------------ objects someone else made first
@pytest.mark.parametrize('core', CORES)
def test_a_group_someone_else_made_is_refused_then_taken_over_when_adopted(domain, tmp_path, core):
    ou = delegated_ou(domain)
    made_by_mallory(domain, 'group', 'rdtWeb05 Authorized Hosts', 'rdtWeb05Hosts')
    assert owner(domain, 'rdtWeb05Hosts') == sid_of(domain, MALLORY)
    before = domain.highest_committed_usn()
    line = failure_line(flow(domain, tmp_path, [web('rdtWeb05')], core=core)('accounts.yml'))
    assert 'rdtWeb05: group.adopt: the existing group CN=rdtWeb05 Authorized Hosts,%s is owned by GMSA\\%s' % (
        ou, MALLORY) in line
    assert 'set adopt: true' in line
    assert not exists(domain, 'rdtWeb05$') and owner(domain, 'rdtWeb05Hosts') == sid_of(domain, MALLORY)
    assert_nothing_written(domain, before, OURS)

    adopting = flow(domain, tmp_path, [web('rdtWeb05', group={'adopt': True})], core=core)
    checked = adopting('accounts.yml', '--check', '--diff')
    assert checked.rc == 0, checked.output[-3000:]
    assert 'would take ownership of the group' in ' '.join(checked.output.split())
    assert owner(domain, 'rdtWeb05Hosts') == sid_of(domain, MALLORY)
    done = adopting('accounts.yml')
    assert done.rc == 0, done.output[-3000:]
    # The warning as Ansible shows it, its lines wrapped at the terminal's width on the oldest core.
    shown = ' '.join(done.output.split())
    assert 'took ownership of the group CN=rdtWeb05 Authorized Hosts,%s from GMSA\\%s' % (ou, MALLORY) in shown
    assert owner(domain, 'rdtWeb05Hosts') == '%s-500' % domain_sid(domain)   # the bind account, Administrator
    assert exists(domain, 'rdtWeb05$')
    again = adopting('accounts.yml')
    assert again.rc == 0 and 'changed=0' in again.stdout.split('PLAY RECAP')[-1], again.stdout[-3000:]


def test_a_portable_user_someone_else_made_is_refused_and_keeps_its_password(domain, tmp_path):
    delegated_ou(domain)
    made_by_mallory(domain, 'user', 'rdtRep06-ccg', 'rdtRep06-ccg')
    password_set = domain.ldbsearch(domain.domain_dn, '(sAMAccountName=rdtRep06-ccg)', ['pwdLastSet'])
    application = {'name': 'rdtRep06', 'domain_joined': False,
                   'plugin': {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'x'}}
    line = failure_line(flow(domain, tmp_path, [application])('accounts.yml'))
    assert 'portable_user.adopt: the existing user CN=rdtRep06-ccg,%s,%s is owned by GMSA\\%s' % (
        OU, domain.domain_dn, MALLORY) in line
    # Its owner still knows its password: nothing was set, and the group that would make it a reader is not made.
    assert domain.ldbsearch(domain.domain_dn, '(sAMAccountName=rdtRep06-ccg)', ['pwdLastSet']) == password_set
    assert not exists(domain, 'rdtRep06Hosts')


def test_an_administrators_object_elsewhere_than_its_path_is_refused_then_moved_when_adopted(domain, tmp_path):
    target = 'OU=rdtGroups,%s' % domain.domain_dn
    domain.samba_tool('ou', 'create', target)
    ldap_objects(domain, adds=[['CN=rdtWeb07 Authorized Hosts,CN=Users,%s' % domain.domain_dn, 'group',
                                {'sAMAccountName': 'rdtWeb07Hosts', 'groupType': str(-2147483644)}]])   # by Administrator
    try:
        line = failure_line(flow(domain, tmp_path, [web('rdtWeb07', group={'path': target})])('accounts.yml'))
        assert 'sits in CN=Users,%s, not in the path given (%s)' % (domain.domain_dn, target) in line
        moved = flow(domain, tmp_path, [web('rdtWeb07', group={'path': target, 'adopt': True})])('accounts.yml')
        assert moved.rc == 0, moved.output[-3000:]
        assert list(domain.ldbsearch(domain.domain_dn, '(sAMAccountName=rdtWeb07Hosts)', ['cn'])) == [
            'CN=rdtWeb07 Authorized Hosts,%s' % target]
        # Owned by Domain Admins all along: adopting only moved it.
        assert owner(domain, 'rdtWeb07Hosts') == '%s-512' % domain_sid(domain)
    finally:
        sweep(domain)
        domain.samba_tool('ou', 'delete', target, '--force-subtree-delete', check=False)


def test_the_application_module_alone_refuses_them_too(domain, run_playbook):
    delegated_ou(domain)
    made_by_mallory(domain, 'group', 'rdtWeb08 Authorized Hosts', 'rdtWeb08Hosts')
    run = run_playbook('- wincontainers.gmsa.application:\n'
                       '    name: rdtWeb08\n'
                       '    group: {name: rdtWeb08 Authorized Hosts, sam_account_name: rdtWeb08Hosts}\n')
    assert run.rc != 0 and 'Traceback' not in run.output
    message = run.result()['msg']
    assert message.startswith('group.adopt: the existing group CN=rdtWeb08 Authorized Hosts,') and '\n' not in message
    assert not exists(domain, 'rdtWeb08$')


def test_removal_never_deletes_what_it_would_not_adopt(domain, tmp_path):
    delegated_ou(domain)
    made_by_mallory(domain, 'group', 'rdtWeb09 Authorized Hosts', 'rdtWeb09Hosts')
    run = flow(domain, tmp_path, [web('rdtWeb09', state='absent')])
    line = failure_line(run('accounts.yml', '-e', '{"service_accounts_remove_absent": true}'))
    assert 'adopt: the existing group CN=rdtWeb09 Authorized Hosts' in line
    assert exists(domain, 'rdtWeb09Hosts')
