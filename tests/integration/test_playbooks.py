"""playbooks/site.yml, verify.yml and remove.yml against the lab DC, as a user runs them.

One inventory with two applications - pbtWeb01 for domain-joined hosts (an
inventory host whose computer account the fixture makes, with a known
machine password) and pbtRep01 for hosts outside the domain (a portable user
whose password the role generates into the secret store). The tests run in
file order, each on the state the one before left: check mode, apply, apply
again, verify, remove. What the DC holds is read back with ldbsearch and
kinit, not with the collection.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from harness import COLLECTIONS, callback_document
from lab_dc import REPO

pytestmark = pytest.mark.lab

WEB, REPORTS = 'pbtWeb01', 'pbtRep01'
WEB_GROUP, REPORTS_GROUP = 'pbtWeb01Hosts', 'pbtRep01Hosts'
PORTABLE_USER = 'pbtRep01-ccg'
HOST = 'PBTHOST01'
HOST_PASSWORD = 'PbtHost-%s-Pw1!' % uuid.uuid4().hex[:12]   # unique, so finding it in the output is a leak
OURS = 'pbt'


def inventory_text(root):
    hosts = {'all': {
        'hosts': {'localhost': {'ansible_connection': 'local',
                                'ansible_python_interpreter': '{{ ansible_playbook_python }}'}},
        # A Windows host in the inventory: its computer account joins the group. The runs are limited to
        # localhost, so nothing tries to reach it.
        'children': {'pbt_web_hosts': {'hosts': {'%s.gmsa.test' % HOST.lower(): {'ansible_connection': 'winrm'}}},
                     'pbt_report_hosts': {'hosts': {}}},
    }}
    group_vars = {
        'gmsa_kds_mode': 'lab',
        'gmsa_output_dir': str(root / 'output'),
        'gmsa_secret_dir': str(root / 'secrets'),
        'gmsa_kubernetes_apply': False,
        'gmsa_verify_passwords': {HOST + '$': HOST_PASSWORD},
        'gmsa_applications': [
            {'name': WEB, 'spns': ['http/%s.gmsa.test' % WEB.lower()], 'container_hosts': 'pbt_web_hosts',
             'kubernetes': {'namespace': 'pbt', 'service_accounts': ['pbt-web']}},
            {'name': REPORTS, 'container_hosts': 'pbt_report_hosts', 'domain_joined': False,
             'plugin': {'guid': 'E4781092-F116-4B79-B55E-28EB6A224E26', 'input': 'gmsa-system:pbtrep01-ccg'},
             'kubernetes': {'secret_namespace': 'gmsa-system'}},
        ],
    }
    return yaml.safe_dump(hosts), yaml.safe_dump(group_vars)


def sweep(lab):
    """Deletes every object whose name starts with pbt, in the order that leaves no dangling reference."""
    for name in (WEB, REPORTS):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
    for name in (WEB_GROUP, REPORTS_GROUP):
        lab.samba_tool('group', 'delete', name, check=False)
    lab.samba_tool('user', 'delete', PORTABLE_USER, check=False)
    lab.samba_tool('computer', 'delete', HOST, check=False)


@pytest.fixture(scope='module')
def flow(lab, tmp_path_factory):
    """The inventory, the host's computer account, and a function running a playbook with it."""
    root = tmp_path_factory.mktemp('playbooks')
    sweep(lab)
    lab.joined_computer(HOST)
    lab.samba_tool('user', 'setpassword', HOST + '$', '--newpassword=' + HOST_PASSWORD)
    hosts, group_vars = inventory_text(root)
    (root / 'inventory' / 'group_vars').mkdir(parents=True)
    (root / 'inventory' / 'hosts.yml').write_text(hosts)
    (root / 'inventory' / 'group_vars' / 'all.yml').write_text(group_vars)

    def run(playbook, *args):
        env = {key: value for key, value in os.environ.items() if not key.startswith('GMSA_AD_')}
        env.update(lab.connection_env(), ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_STDOUT_CALLBACK='json',
                   ANSIBLE_NOCOLOR='1')
        command = lab.in_lab_net([str(Path(sys.executable).parent / 'ansible-playbook'), '-i', str(root / 'inventory'),
                                  '--limit', 'localhost', str(REPO / 'playbooks' / playbook), *args])
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, check=False)
        return done, callback_document(done.stdout)

    run.root = root
    yield run
    sweep(lab)


# ---------------------------------------------------------------- reading the DC
def entry(lab, sam, attributes=()):
    found = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s)' % sam, list(attributes) + ['uSNChanged'])
    return next(iter(found.items()), (None, None))


def written_since(lab, usn):
    """DNs written after ``usn`` in the domain and configuration partitions (deleted ones included)."""
    written = []
    for base in (lab.domain_dn, 'CN=Configuration,' + lab.domain_dn):
        out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '--show-recycled', '-b', base,
                              '(uSNChanged>=%d)' % (usn + 1), 'uSNChanged'],
                             check=True, capture_output=True, text=True).stdout
        written += [line[4:] for line in out.splitlines() if line.startswith('dn: ')]
    return written


def assert_nothing_written(lab, usn):
    """The DC's USN is unchanged, or what was written since belongs to others testing at the same time
    (no pbt object, no KDS root key)."""
    if lab.highest_committed_usn() == usn:
        return
    ours = [dn for dn in written_since(lab, usn) if OURS in dn.lower() or 'master root keys' in dn.lower()]
    assert not ours, 'written since USN %d: %s' % (usn, ours)


def changed_tasks(document):
    """Names of the tasks that changed something, without their role's prefix."""
    return [task['task']['name'].split(' : ')[-1] for play in document.get('plays', []) for task in play['tasks']
            if any(result.get('changed') for result in task['hosts'].values())]


def secret_password(run):
    return (run.root / 'secrets' / PORTABLE_USER).read_text().strip()


# ---------------------------------------------------------------- the flow, in order
def test_check_mode_reports_the_whole_flow_and_writes_nothing(lab, flow):
    usn = lab.highest_committed_usn()
    done, document = flow('site.yml', '--check')
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert_nothing_written(lab, usn)
    for sam in (WEB + '$', REPORTS + '$', WEB_GROUP, REPORTS_GROUP, PORTABLE_USER):
        assert entry(lab, sam) == (None, None), sam
    # Nothing on the controller either: no generated password, no output files.
    assert not (flow.root / 'secrets').exists() and not (flow.root / 'output').exists()
    assert "Every application's group, portable user, gMSA and credential spec file" in changed_tasks(document)


def test_apply_makes_both_applications_as_the_inventory_says(lab, flow):
    done, _document = flow('site.yml')
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    # The first run, before the secret folder exists, warns about nothing it is about to make.
    assert 'Unable to find' not in done.stdout + done.stderr, done.stderr
    domain = lab.domain_dn

    host_dn, _host = entry(lab, HOST + '$')
    user_dn, user = entry(lab, PORTABLE_USER, ['userAccountControl'])
    assert user['userAccountControl'] == ['66048']   # enabled, password never expires
    for group_sam, member in ((WEB_GROUP, host_dn), (REPORTS_GROUP, user_dn)):
        group_dn, group = entry(lab, group_sam, ['member', 'groupType', 'cn'])
        assert group['member'] == [member], group_sam
        assert group['groupType'] == ['-2147483644']   # domain local, as in the documented example
    assert entry(lab, WEB_GROUP, ['cn'])[1]['cn'] == ['%s Authorized Hosts' % WEB]

    gmsa_dn, gmsa = entry(lab, WEB + '$', ['objectClass', 'servicePrincipalName', 'userAccountControl',
                                           'dNSHostName', 'msDS-GroupMSAMembership'])
    assert gmsa_dn == 'CN=%s,CN=Managed Service Accounts,%s' % (WEB, domain)
    assert 'msDS-GroupManagedServiceAccount' in gmsa['objectClass']
    assert gmsa['userAccountControl'] == ['4096']
    assert gmsa['dNSHostName'] == ['%s.gmsa.test' % WEB]
    assert {spn.lower() for spn in gmsa['servicePrincipalName']} == {
        'host/pbtweb01', 'host/pbtweb01.gmsa.test', 'http/pbtweb01.gmsa.test'}
    assert gmsa['msDS-GroupMSAMembership']

    # The generated password is in the secret store only, readable by its owner, and it is the user's password.
    secrets = flow.root / 'secrets'
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert stat.S_IMODE((secrets / PORTABLE_USER).stat().st_mode) == 0o600
    password = secret_password(flow)
    lab.kinit('%s@GMSA.TEST' % PORTABLE_USER, password, flow.root / 'ccache')
    assert password not in done.stdout + done.stderr

    specs = flow.root / 'output' / 'credentialspecs'
    web_spec = json.loads((specs / 'gmsa_pbtweb01.json').read_text())
    assert web_spec['DomainJoinConfig']['MachineAccountName'] == WEB
    assert 'HostAccountConfig' not in web_spec['ActiveDirectoryConfig']
    reports_spec = json.loads((specs / 'gmsa_pbtrep01.json').read_text())
    assert reports_spec['ActiveDirectoryConfig']['HostAccountConfig']['PluginGUID'] == \
        '{E4781092-F116-4B79-B55E-28EB6A224E26}'
    manifests = list(yaml.safe_load_all((flow.root / 'output' / 'kubernetes' / 'pbtweb01.yml').read_text()))
    assert [resource['kind'] for resource in manifests] == ['GMSACredentialSpec', 'ClusterRole', 'RoleBinding']
    assert manifests[0]['credspec'] == web_spec
    assert manifests[2]['subjects'] == [{'kind': 'ServiceAccount', 'name': 'pbt-web', 'namespace': 'pbt'}]
    assert 'Secret' not in (flow.root / 'output' / 'kubernetes' / 'pbtrep01.yml').read_text()


def test_a_second_run_changes_nothing(lab, flow):
    before = {sam: entry(lab, sam)[1]['uSNChanged'] for sam in (WEB + '$', REPORTS + '$', WEB_GROUP, REPORTS_GROUP)}
    done, document = flow('site.yml')
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert document['stats']['localhost']['changed'] == 0, changed_tasks(document)
    assert {sam: entry(lab, sam)[1]['uSNChanged'] for sam in before} == before


def test_verify_shows_one_table_where_both_gmsas_get_a_tgt(lab, flow):
    done, document = flow('verify.yml')
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    [table] = [result['msg'] for play in document['plays'] for task in play['tasks']
               if task['task']['name'] == 'Show the result' for result in task['hosts'].values()]
    rows = [[cell.strip() for cell in line.split(' | ')] for line in table.splitlines()]
    assert rows[0][:2] == ['gMSA', 'principal'] and rows[0][-2:] == ['TGT', 'fix']
    assert sorted(row[:2] for row in rows[1:]) == [[REPORTS, PORTABLE_USER], [WEB, HOST + '$']]
    for row in rows[1:]:
        assert row[2:] == ['ok'] * 7 + ['-'], row
    for secret in (HOST_PASSWORD, secret_password(flow)):
        assert secret not in done.stdout + done.stderr


def test_remove_without_the_confirmation_removes_nothing_and_says_how(lab, flow):
    usn = lab.highest_committed_usn()
    done, document = flow('remove.yml', '-e', 'gmsa_remove=%s' % REPORTS)
    assert done.returncode != 0
    messages = [result.get('msg', '') for play in document['plays'] for task in play['tasks']
                for result in task['hosts'].values() if result.get('failed')]
    assert any('Nothing was removed' in message and 'gmsa_remove_confirm=%s' % REPORTS in message
               for message in messages), messages
    assert_nothing_written(lab, usn)
    assert entry(lab, REPORTS + '$') != (None, None)


def test_remove_with_the_confirmation_decommissions_one_application_only(lab, flow):
    done, _document = flow('remove.yml', '-e', 'gmsa_remove=%s' % REPORTS, '-e', 'gmsa_remove_confirm=%s' % REPORTS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    for sam in (REPORTS + '$', REPORTS_GROUP, PORTABLE_USER):
        assert entry(lab, sam) == (None, None), sam
    assert not (flow.root / 'secrets' / PORTABLE_USER).exists()
    assert not (flow.root / 'output' / 'credentialspecs' / 'gmsa_pbtrep01.json').exists()
    assert not (flow.root / 'output' / 'kubernetes' / 'pbtrep01.yml').exists()
    # The other application is untouched.
    for sam in (WEB + '$', WEB_GROUP):
        assert entry(lab, sam) != (None, None), sam
    assert (flow.root / 'output' / 'credentialspecs' / 'gmsa_pbtweb01.json').exists()
