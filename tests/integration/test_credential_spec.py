"""credential_spec against the lab DC: every DomainJoinConfig field compared with what ldbsearch reads."""

from __future__ import annotations

import json
import stat

import pytest

pytestmark = pytest.mark.lab

GMSA = 'cspt01'
OTHER_GMSA = 'cspt02'
PLAIN_USER = 'cspt-user'


@pytest.fixture(scope='module')
def lab_objects(lab):
    """Two gMSAs and a plain user, made with Samba's own tools."""
    for name in (GMSA, OTHER_GMSA):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
        lab.samba_tool('service-account', 'create', '--name', name, '--dns-host-name', '%s.gmsa.test' % name)
    lab.samba_tool('user', 'delete', PLAIN_USER, check=False)
    lab.samba_tool('user', 'create', PLAIN_USER, '--random-password')
    yield
    for name in (GMSA, OTHER_GMSA):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
    lab.samba_tool('user', 'delete', PLAIN_USER, check=False)


def credential_spec_task(options):
    return '- wincontainers.gmsa.credential_spec:\n    %s\n' % options.replace('\n', '\n    ')


def test_domain_join_config_matches_the_directory(run_playbook, lab, lab_objects):
    run = run_playbook(credential_spec_task('account: %s$' % GMSA.upper()))
    assert run.rc == 0, run.output
    result = run.result()
    head = lab.ldbsearch(lab.domain_dn, scope='base', attributes=['objectSid', 'objectGUID'])[lab.domain_dn]
    cross_ref = next(iter(lab.ldbsearch('CN=Partitions,CN=Configuration,' + lab.domain_dn,
                                        '(nCName=%s)' % lab.domain_dn, ['dnsRoot', 'nETBIOSName'], scope='one').values()))
    stored_name = next(iter(lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s$)' % GMSA,
                                          ['sAMAccountName']).values()))['sAMAccountName'][0].rstrip('$')
    config = result['credential_spec']['DomainJoinConfig']
    assert config == {
        'Sid': head['objectSid'][0],
        'MachineAccountName': stored_name,
        'Guid': head['objectGUID'][0],
        'DnsTreeName': cross_ref['dnsRoot'][0],
        'DnsName': cross_ref['dnsRoot'][0],
        'NetBiosName': cross_ref['nETBIOSName'][0],
    }
    assert result['credential_spec']['ActiveDirectoryConfig']['GroupManagedServiceAccounts'] == [
        {'Name': stored_name, 'Scope': cross_ref['dnsRoot'][0]},
        {'Name': stored_name, 'Scope': cross_ref['nETBIOSName'][0]}]
    assert result['file_name'] == '%s_%s.json' % (cross_ref['nETBIOSName'][0].lower(), GMSA)
    assert json.loads(result['json']) == result['credential_spec']
    assert result['kubernetes']['metadata']['name'] == GMSA
    assert result['kubernetes_rbac']['rules'][0]['resourceNames'] == [GMSA]
    assert result['changed'] is False


def test_the_account_is_found_as_everywhere_by_name_dn_sid_or_guid(run_playbook, lab, lab_objects):
    """One lookup for every option that names an existing object: the same spec whichever way the gMSA is named."""
    (dn, stored), = lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s$)' % GMSA, ['objectSid', 'objectGUID']).items()
    by_name = run_playbook(credential_spec_task('account: %s' % GMSA))
    assert by_name.rc == 0, by_name.output
    for written in (dn, stored['objectSid'][0], stored['objectGUID'][0], '{%s}' % stored['objectGUID'][0].upper()):
        run = run_playbook(credential_spec_task('account: "%s"' % written))
        assert run.rc == 0, run.output
        assert run.result()['credential_spec'] == by_name.result()['credential_spec'], written
        assert run.result()['file_name'] == by_name.result()['file_name'], written
        assert run.result()['kubernetes']['metadata']['name'] == GMSA, written


def test_writes_the_file_once_and_shows_the_diff(run_playbook, lab, lab_objects, tmp_path):
    dest = tmp_path / 'specs' / 'gmsa_cspt01.json'
    task = credential_spec_task('account: %s\nadditional_accounts: [%s]\ndest: %s' % (GMSA, OTHER_GMSA, dest))
    checked = run_playbook(task, args=['--check', '--diff'])
    assert checked.rc == 0 and checked.result()['changed'] is True, checked.output
    assert not dest.exists()
    applied = run_playbook(task, args=['--diff'])
    assert applied.rc == 0 and applied.result()['changed'] is True, applied.output
    assert applied.result()['diff']['after'] == dest.read_text()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o644
    accounts = json.loads(dest.read_text())['ActiveDirectoryConfig']['GroupManagedServiceAccounts']
    assert accounts[-1] == {'Name': OTHER_GMSA, 'Scope': 'gmsa.test'}
    again = run_playbook(task)
    assert again.rc == 0 and again.result()['changed'] is False, again.output


def test_plugin_input_with_a_password_makes_a_private_file_and_warns(run_playbook, lab_objects, tmp_path):
    dest = tmp_path / 'portable.json'
    task = credential_spec_task('''account: %s
dest: %s
host_account_config:
  plugin_guid: 8019a64c-3f4e-4de3-ad2b-9a544290e2c3
  plugin_input: "user=portable;password=Sentinel-Plugin-Pass-42"''' % (GMSA, dest))
    run = run_playbook(task, callback='default')
    assert run.rc == 0, run.output
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert 'looks like it carries a credential' in run.output
    config = json.loads(dest.read_text())['ActiveDirectoryConfig']['HostAccountConfig']
    # A plug-in the catalogue does not know (Cloud Foundry's, which takes the credential inline): input kept as given.
    assert config['PluginGUID'] == '{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}'
    assert config['PortableCcgVersion'] == '1'


def test_kubernetes_secret_plugin_reference_stays_world_readable(run_playbook, lab_objects, tmp_path):
    dest = tmp_path / 'k8s.json'
    task = credential_spec_task('''account: %s
dest: %s
kubernetes_name: web.app-01
host_account_config:
  plugin_guid: "{E4781092-F116-4B79-B55E-28EB6A224E26}"
  plugin_input: "gmsa-system:cspt01-portable"''' % (GMSA, dest))
    run = run_playbook(task)
    assert run.rc == 0, run.output
    assert stat.S_IMODE(dest.stat().st_mode) == 0o644
    assert run.result()['kubernetes']['metadata']['name'] == 'web.app-01'


@pytest.mark.parametrize('options, expected', [
    ('account: cspt-none', 'no gMSA named cspt-none'),
    ('account: %s' % PLAIN_USER, 'not a group Managed Service Account'),
    ('account: %s\nadditional_accounts: [cspt-none]' % GMSA, 'no gMSA named cspt-none'),
    ('account: %s\nkubernetes_name: Web_App' % GMSA, 'kubernetes_name'),
    ('account: %s\nhost_account_config: {plugin_guid: nope, plugin_input: x}' % GMSA, 'host_account_config.plugin_guid'),
    ('account: %s\nhost_account_config: {plugin_guid: e4781092-f116-4b79-b55e-28eb6a224e26}' % GMSA, 'plugin_input'),
    # A known plug-in's input is checked as that plug-in reads it (plugin_utils/_plugins).
    ('account: %s\nhost_account_config: {plugin_guid: e4781092-f116-4b79-b55e-28eb6a224e26, plugin_input: "a:b:c"}' % GMSA,
     "host_account_config.plugin_input: 'a:b:c' has 3 parts"),
    ('account: %s\nhost_account_config: {plugin_guid: "{GDMA0342-266A-4D1P-831J-20990E82944F}", plugin_input: x}' % GMSA,
     "documentation's sample"),
    # A filter injection is searched for as the name it is; with '=' it reads as a DN, as everywhere.
    ('account: "*)(|(cn*"', 'no gMSA named *)(|(cn*'),
    ('account: "*)(objectClass=*"', "account: '*)(objectClass=*' is not a valid distinguished name"),
])
def test_bad_input_is_one_line_naming_the_field(run_playbook, lab, lab_objects, options, expected):
    run = run_playbook(credential_spec_task(options))
    assert run.rc != 0, run.output
    message = run.result()['msg']
    assert expected in message and '\n' not in message.strip(), message
    assert 'Traceback' not in run.output
