"""The application inventory's derived names, defaults and checks, and verify.yml's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import NamingError, gmsa_name
from ansible_collections.wincontainers.gmsa.plugins.filter.gmsa_application import (
    FilterModule,
    gmsa_application,
    gmsa_applications,
    gmsa_credential_specs,
    gmsa_role_bindings,
    gmsa_verify_table,
)

REPO = Path(__file__).resolve().parents[4]
CUSTOM_GUID = '{8019A64C-3F4E-4DE3-AD2B-9A544290E2C3}'
KUBERNETES_SECRET_PLUGIN = {'guid': '{E4781092-F116-4B79-B55E-28EB6A224E26}', 'input': 'gmsa-system:web-ccg'}
GROUPS = {'web_hosts': ['ctr-web01.contoso.com', 'ctr-web02.contoso.com'], 'empty': []}


def test_a_domain_joined_application_gets_the_documented_names_and_its_hosts_as_members():
    app = gmsa_application({'name': 'WebApp01', 'container_hosts': 'web_hosts',
                            'host_computer_accounts': ['LEGACY01$']}, GROUPS, {})
    assert app['group'] == {'name': 'WebApp01 Authorized Hosts', 'sam_account_name': 'WebApp01Hosts', 'path': None,
                            'adopt': False}
    assert app['state'] == 'present' and app['domain_joined'] is True and app['adopt'] is False
    assert app['hosts'] == GROUPS['web_hosts']
    assert app['computer_accounts'] == ['CTR-WEB01$', 'CTR-WEB02$']
    assert app['host_accounts'] == [
        {'host': 'ctr-web01.contoso.com', 'computer_account': 'CTR-WEB01$', 'dns_hostname': 'ctr-web01.contoso.com'},
        {'host': 'ctr-web02.contoso.com', 'computer_account': 'CTR-WEB02$', 'dns_hostname': 'ctr-web02.contoso.com'}]
    assert app['members'] == ['CTR-WEB01$', 'CTR-WEB02$', 'LEGACY01$']
    assert app['portable_user'] is None and app['plugin'] is None and app['kubernetes'] is None
    assert 'all_spns' not in app   # without the domain there is no DNS host name to derive


def test_a_hosts_computer_account_can_be_given_and_long_host_names_are_cut_as_windows_cuts_them():
    groups = {'hosts': ['averyveryverylonghostname.contoso.com', 'renamed']}
    hostvars = {'renamed': {'gmsa_computer_account': 'OLDNAME'}}
    app = gmsa_application({'name': 'App', 'container_hosts': 'hosts'}, groups, hostvars)
    assert app['computer_accounts'] == ['AVERYVERYVERYLO$', 'OLDNAME$']


def test_a_host_is_known_by_its_name_never_by_its_address():
    groups = {'hosts': ['web', 'ctr-web02', '10.20.30.43', 'web04']}
    hostvars = {
        # An alias whose address is a name: the computer account is that name's, as Windows makes it.
        'web': {'ansible_host': 'ctr-web01.contoso.com'},
        # A name whose address is an IP: the name it is.
        'ctr-web02': {'ansible_host': '10.20.30.42'},
        # An address, with the name given.
        '10.20.30.43': {'gmsa_host_fqdn': 'ctr-web03.contoso.com'},
        'web04': {'gmsa_computer_account': 'CTRWEB04-OLD', 'gmsa_host_fqdn': 'ctr-web04.contoso.com'},
    }
    app = gmsa_application({'name': 'App', 'container_hosts': 'hosts'}, groups, hostvars)
    assert app['host_accounts'] == [
        {'host': 'web', 'computer_account': 'CTR-WEB01$', 'dns_hostname': 'ctr-web01.contoso.com'},
        {'host': 'ctr-web02', 'computer_account': 'CTR-WEB02$', 'dns_hostname': 'ctr-web02'},
        {'host': '10.20.30.43', 'computer_account': 'CTR-WEB03$', 'dns_hostname': 'ctr-web03.contoso.com'},
        {'host': 'web04', 'computer_account': 'CTRWEB04-OLD$', 'dns_hostname': 'ctr-web04.contoso.com'}]


@pytest.mark.parametrize('host, hostvars, message', [
    # Any domain user may create the computer 10$: an address must never name a computer account.
    ('10.20.30.41', {}, '10.20.30.41 is an IP address'),
    ('10.20.30.41', {'ansible_host': '10.20.30.41'}, '10.20.30.41 is an IP address'),
    ('fe80::1', {}, 'fe80::1 is an IP address'),
    ('web01', {'ansible_host': '192.0.2.7', 'inventory_hostname': 'web01'}, None),
    ('4711', {}, "'4711' cannot be a Windows computer name"),
    ('web01', {'gmsa_host_fqdn': 'bad_name!.contoso.com'}, 'is not a DNS host name'),
])
def test_a_host_known_only_by_its_address_is_refused_naming_the_setting(host, hostvars, message):
    groups = {'hosts': [host]}
    if message is None:
        assert gmsa_application({'name': 'App', 'container_hosts': 'hosts'}, groups, {host: hostvars})
        return
    with pytest.raises(AnsibleFilterError) as raised:
        gmsa_application({'name': 'App', 'container_hosts': 'hosts'}, groups, {host: hostvars})
    assert message in str(raised.value) and 'set gmsa_computer_account' in str(raised.value)
    assert 'container host %s' % host in str(raised.value) and '\n' not in str(raised.value)


def test_hosts_outside_the_domain_need_no_computer_account_even_by_address():
    app = gmsa_application({'name': 'App', 'container_hosts': 'hosts', 'domain_joined': False,
                            'plugin': {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'x'}},
                           {'hosts': ['10.20.30.41']}, {})
    assert app['hosts'] == ['10.20.30.41'] and app['host_accounts'] == []


def test_one_additional_account_written_alone_is_one_name():
    assert gmsa_application({'name': 'App', 'additional_accounts': 'AppA'})['additional_accounts'] == ['AppA']
    assert gmsa_application({'name': 'App', 'additional_accounts': ['AppA', 'AppB']})['additional_accounts'] == \
        ['AppA', 'AppB']
    with pytest.raises(AnsibleFilterError, match='additional_accounts must be a list of accounts'):
        gmsa_application({'name': 'App', 'additional_accounts': 7})


def test_two_applications_may_not_share_a_portable_user():
    plugin = {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'x'}
    first = {'name': 'Batch01', 'domain_joined': False, 'plugin': plugin, 'portable_user': {'name': 'shared-ccg'}}
    second = {'name': 'Batch02', 'domain_joined': False, 'plugin': plugin, 'portable_user': {'name': 'Shared-CCG'}}
    with pytest.raises(AnsibleFilterError, match='Batch02: its portable user Shared-CCG is also used by Batch01'):
        gmsa_applications([first, second])
    # The standby user of one is the other's portable user.
    standby = {'name': 'Batch03', 'domain_joined': False, 'plugin': plugin,
               'portable_user': {'name': 'b3-ccg', 'blue_green': True, 'standby_sam_account_name': 'shared-ccg'}}
    with pytest.raises(AnsibleFilterError, match='its portable user shared-ccg is also used by Batch01'):
        gmsa_applications([first, standby])


@pytest.mark.parametrize('application, message', [
    ({'name': 'Web', 'adopt': 'yes'}, 'adopt must be true or false'),
    ({'name': 'Web', 'group': {'adopt': 1}}, 'group.adopt must be true or false'),
])
def test_adopt_is_true_or_false(application, message):
    with pytest.raises(AnsibleFilterError, match=message):
        gmsa_application(application)


def test_a_missing_or_empty_host_group_means_no_hosts():
    for container_hosts in ('empty', 'not_in_inventory', None):
        app = gmsa_application({'name': 'App', 'container_hosts': container_hosts}, GROUPS, {})
        assert app['hosts'] == [] and app['members'] == []


def test_a_non_domain_joined_application_gets_a_portable_user_and_no_computer_accounts():
    app = gmsa_application({'name': 'WebApp01', 'domain_joined': False, 'container_hosts': 'web_hosts',
                            'plugin': KUBERNETES_SECRET_PLUGIN,
                            'portable_user': {'password': 'Secret-From-Vault-1'}}, GROUPS, {})
    assert app['portable_user'] == {'name': 'WebApp01-ccg', 'sam_account_name': 'WebApp01-ccg', 'path': None,
                                    'blue_green': False, 'adopt': False,
                                    'users': [{'name': 'WebApp01-ccg', 'sam_account_name': 'WebApp01-ccg'}]}
    assert app['hosts'] == GROUPS['web_hosts'] and app['computer_accounts'] == []
    assert app['members'] == ['WebApp01-ccg']
    assert app['plugin'] == dict(KUBERNETES_SECRET_PLUGIN, type='rancher', installer=None, deliver=True,
                                 options={'namespace': 'gmsa-system', 'secret_name': 'web-ccg'},
                                 store={'kind': 'kubernetes_secret', 'namespace': 'gmsa-system', 'name': 'web-ccg'})
    assert 'Secret-From-Vault-1' not in repr(app)   # the derived application never carries the password


def test_blue_green_gives_two_users_in_the_group():
    plugin = {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'x'}
    app = gmsa_application({'name': 'Batch01', 'domain_joined': False, 'plugin': plugin,
                            'portable_user': {'blue_green': True}})
    assert app['portable_user']['users'] == [{'name': 'Batch01-ccg', 'sam_account_name': 'Batch01-ccg'},
                                             {'name': 'Batch01-ccg2', 'sam_account_name': 'Batch01-ccg2'}]
    assert app['members'] == ['Batch01-ccg', 'Batch01-ccg2']


@pytest.mark.parametrize('portable, message', [
    ({'blue_green': 'yes'}, 'blue_green must be true or false'),
    ({'standby_name': 'x'}, 'standby_name is for blue_green: true'),
    ({'blue_green': True, 'standby_sam_account_name': 'batch01-CCG'}, 'must differ'),
])
def test_blue_green_mistakes_fail_naming_the_key(portable, message):
    with pytest.raises(AnsibleFilterError, match=message):
        gmsa_application({'name': 'Batch01', 'domain_joined': False,
                          'plugin': {'type': 'custom', 'guid': CUSTOM_GUID, 'input': 'x'}, 'portable_user': portable})


def test_blue_green_with_rancher_s_secret_is_refused():
    with pytest.raises(AnsibleFilterError, match="Rancher's Secret is the kubernetes role's"):
        gmsa_application({'name': 'Web', 'domain_joined': False, 'plugin': KUBERNETES_SECRET_PLUGIN,
                          'portable_user': {'blue_green': True}})


def test_the_domain_gives_the_dns_host_name_and_the_full_spn_list_without_repeats():
    app = gmsa_application({'name': 'WebApp01', 'spns': ['http/webapp01.contoso.com', 'HOST/webapp01']},
                           domain='contoso.com')
    assert app['dns_hostname'] == 'WebApp01.contoso.com'
    assert app['all_spns'] == ['host/WebApp01', 'host/WebApp01.contoso.com', 'http/webapp01.contoso.com']
    given = gmsa_application({'name': 'Sql01', 'dns_hostname': 'sql.contoso.com'}, domain='contoso.com')
    assert given['all_spns'] == ['host/Sql01', 'host/sql.contoso.com']


def test_kubernetes_names_default_to_the_lower_case_name():
    app = gmsa_application({'name': 'Web_App01', 'kubernetes': {'namespace': 'web', 'service_accounts': ['webapp']}})
    assert app['kubernetes'] == {'name': 'web-app01', 'namespace': 'web', 'service_accounts': ['webapp'],
                                 'secret_namespace': None}


@pytest.mark.parametrize('application, message', [
    ({'name': 'WebApplication01X'}, 'at most 15 characters'),
    ({'name': 'Web$'}, 'may not contain'),
    ({'name': ' Web'}, 'may not start or end with a space'),
    ({'name': 'W/eb'}, 'may not contain'),
    ({'name': 'Web', 'spn': ['http/x']}, 'unknown key spn'),
    ({'name': 'Web', 'group': {'sam': 'x'}}, 'unknown group key sam'),
    ({'name': 'Web', 'state': 'gone'}, 'state must be present or absent'),
    ({'name': 'Web', 'domain_joined': 'no'}, 'domain_joined must be true or false'),
    ({'name': 'Web', 'domain_joined': False}, 'plugin is needed when domain_joined is false'),
    ({'name': 'Web', 'domain_joined': False, 'plugin': {'type': 'vault'}}, 'plugin.type: \'vault\' is not a plug-in type'),
    ({'name': 'Web', 'domain_joined': False, 'plugin': {'type': 'aws_ecs'}}, 'plugin.credential_arn: type aws_ecs needs'),
    ({'name': 'Web', 'domain_joined': False, 'plugin': {'type': 'rancher', 'namespace': 'a', 'secret_name': 'b',
                                                        'deliver': 'yes'}}, 'plugin.deliver must be true or false'),
    ({'name': 'Web', 'portable_user': {'name': 'x'}}, 'portable_user is for non-domain-joined hosts'),
    ({'name': 'Web', 'spns': 'http/x'}, 'spns must be a list'),
    ({'name': 'Web', 'container_hosts': ['a', 'b']}, 'container_hosts must be the name of one inventory group'),
    ({'name': 'Web', 'kubernetes': {'name': 'Web'}}, 'not a lower-case DNS-1123 name'),
    ({'name': 'Web', 'kubernetes': {'service_accounts': ['a']}}, 'kubernetes.namespace is needed'),
    ({}, 'every application needs a name'),
])
def test_mistakes_fail_naming_the_application_and_the_fix(application, message):
    with pytest.raises(AnsibleFilterError, match=message):
        gmsa_application(application)


def test_the_spec_file_name_is_the_credential_spec_modules():
    filters = FilterModule().filters()
    assert filters['credential_spec_file_name']('WebApp01', {'netbios_name': 'CONTOSO'}) == 'contoso_webapp01.json'
    with pytest.raises(AnsibleFilterError, match='netbios_name'):
        filters['credential_spec_file_name']('WebApp01', {})


@pytest.mark.parametrize('name', ['a' * 16, 'w/b', 'web.', ' web', 'we@b'])
def test_the_filter_refuses_the_names_the_module_refuses(name):
    with pytest.raises(NamingError):
        gmsa_name(name)
    with pytest.raises(AnsibleFilterError):
        gmsa_application({'name': name})


def test_two_applications_may_not_share_a_name_or_a_group():
    with pytest.raises(AnsibleFilterError, match='its name web is also used by Web'):
        gmsa_applications([{'name': 'Web'}, {'name': 'web'}])
    with pytest.raises(AnsibleFilterError, match='its group Shared is also used by One'):
        gmsa_applications([{'name': 'One', 'group': {'sam_account_name': 'Shared'}},
                           {'name': 'Two', 'group': {'sam_account_name': 'Shared'}}])
    assert gmsa_applications(None) == []


def test_the_role_binding_binds_the_service_accounts_to_the_modules_cluster_role():
    app = gmsa_application({'name': 'WebApp01', 'kubernetes': {'namespace': 'web', 'service_accounts': ['a', 'b']}})
    cluster_role = {'metadata': {'name': 'webapp01-gmsa-user'}}
    [binding] = gmsa_role_bindings(app, cluster_role)
    assert binding['kind'] == 'RoleBinding' and binding['metadata'] == {'name': 'webapp01-gmsa-user', 'namespace': 'web'}
    assert binding['roleRef'] == {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole',
                                  'name': 'webapp01-gmsa-user'}
    assert [subject['name'] for subject in binding['subjects']] == ['a', 'b']
    assert gmsa_role_bindings(gmsa_application({'name': 'Plain'}), cluster_role) == []


def test_the_credential_specs_are_handed_over_by_application_as_file_name_and_text():
    spec = {'file_name': 'contoso_webapp01.json', 'json': '{"CmsPlugins": ["ActiveDirectory"]}', 'dest': '/x'}
    # New01 is what check mode returns for a gMSA that would be created: no credential spec yet; Failed01 failed.
    specs = gmsa_credential_specs([{'name': 'WebApp01', 'credential_spec': spec},
                                   {'name': 'New01', 'credential_spec': None},
                                   {'name': 'Failed01', 'failed': True, 'msg': 'refused'}])
    assert specs == {'WebApp01': {'file_name': 'contoso_webapp01.json', 'json': '{"CmsPlugins": ["ActiveDirectory"]}'}}


def _verify_result(name, principal, failed=(), skipped=()):
    checks = [{'name': check, 'ok': check not in failed, 'detail': 'fix %s' % check}
              for check in ('kds_root_key', 'account', 'spns', 'spns_unique', 'principal_allowed', 'password_read',
                            'kerberos_tgt') if check not in skipped]
    return {'item': [{'name': name}, principal], 'checks': checks}


def test_the_verify_table_has_one_row_per_gmsa_and_principal_with_each_check_and_the_fixes():
    lines = gmsa_verify_table([
        _verify_result('WebApp01', 'HOST01$', skipped=('password_read', 'kerberos_tgt')),
        _verify_result('WebApp01', 'HOST02$', failed=('principal_allowed',), skipped=('password_read', 'kerberos_tgt')),
        _verify_result('Reports01', 'Reports01-ccg'),
        {'item': [{'name': 'Batch01'}, 'GONE$'], 'failed': True, 'msg': 'GONE$ was not found'},
    ], [{'name': 'WebApp01'}, {'name': 'Reports01'}, {'name': 'Batch01'}, {'name': 'Idle01'}])
    header, *rows = [[cell.strip() for cell in line.split(' | ')] for line in lines]
    assert header == ['gMSA', 'principal', 'KDS key', 'account', 'SPNs', 'SPNs unique', 'allowed', 'password read',
                      'TGT', 'fix']
    assert rows[0] == ['WebApp01', 'HOST01$', 'ok', 'ok', 'ok', 'ok', 'ok', '-', '-', '-']
    assert rows[1] == ['WebApp01', 'HOST02$', 'ok', 'ok', 'ok', 'ok', 'FAILED', '-', '-', 'fix principal_allowed']
    assert rows[2] == ['Reports01', 'Reports01-ccg'] + ['ok'] * 7 + ['-']
    assert rows[3] == ['Batch01', 'GONE$'] + ['-'] * 7 + ['GONE$ was not found']
    assert rows[4][:2] == ['Idle01', '(none)'] and 'no host may use this gMSA' in rows[4][-1]
    assert len({line.index(' | ') for line in lines}) == 1   # the columns line up


def test_the_filters_are_registered_under_their_documented_names():
    filters = FilterModule().filters()
    assert set(filters) == {'credential_spec_file_name', 'gmsa_application', 'gmsa_applications',
                            'gmsa_credential_specs', 'gmsa_role_bindings', 'gmsa_verify_table'}
    for name in filters:
        assert (REPO / 'plugins' / 'filter' / ('%s.yml' % name)).is_file(), name


# ------------------------------------------------------- the example inventories
INVENTORIES = sorted(path for path in (REPO / 'playbooks' / 'inventories').iterdir() if path.is_dir())


def _inventory(path):
    """groups and the variables of localhost, as ansible-inventory reads the inventory (not templated)."""
    out = subprocess.run([str(Path(sys.executable).parent / 'ansible-inventory'), '-i', str(path), '--list',
                          '--export'], check=True, capture_output=True, text=True).stdout
    listing = yaml.safe_load(out)
    groups = {}

    def walk(name):
        group = listing.get(name, {})
        hosts = list(group.get('hosts', []))
        for child in group.get('children', []):
            hosts += walk(child)
        groups[name] = hosts
        return hosts

    walk('all')
    variables = dict(listing.get('all', {}).get('vars', {}))
    hostvars = listing.get('_meta', {}).get('hostvars', {})
    return groups, hostvars, variables


@pytest.mark.parametrize('inventory', INVENTORIES, ids=[path.name for path in INVENTORIES])
def test_every_example_inventory_passes_the_role_argument_spec_and_the_filter(inventory):
    groups, hostvars, variables = _inventory(inventory)
    spec = yaml.safe_load((REPO / 'roles' / 'service_accounts' / 'meta' / 'argument_specs.yml').read_text())
    options = spec['argument_specs']['main']['options']
    result = ArgumentSpecValidator(options).validate({'service_accounts_applications': variables['gmsa_applications']})
    assert result.error_messages == []
    applications = gmsa_applications(variables['gmsa_applications'], groups, hostvars, domain='contoso.com')
    assert applications
    for application in applications:
        if application['container_hosts'] and inventory.name != 'lab':
            assert application['hosts'], '%s: %s names an empty group' % (inventory.name, application['name'])


def test_a_typed_plugin_gets_its_clsid_and_plugin_input_and_a_cloud_store_is_not_written_unless_asked():
    arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmsa/web-ccg'
    app = gmsa_application({'name': 'Web', 'domain_joined': False,
                            'plugin': {'type': 'aws_ecs', 'credential_arn': arn}})
    assert app['plugin']['guid'] == '{859E1386-BDB4-49E8-85C7-3070B13920E1}'
    assert app['plugin']['input'] == '{"credentialArn": "%s"}' % arn
    assert app['plugin']['deliver'] is False
    assert app['plugin']['store'] == {'kind': 'aws_secretsmanager', 'region': 'eu-west-1', 'account': '123456789012',
                                      'name': 'gmsa/web-ccg'}
