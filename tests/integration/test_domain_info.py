"""domain_info against the lab DC, every fact compared with what Samba's own tools read."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.lab


@pytest.fixture(scope='module')
def lab_gmsa(lab):
    """A gMSA made by Samba's own tool, so that listing it does not depend on the collection."""
    lab.samba_tool('service-account', 'delete', '--name', 'infolist01', check=False)
    lab.samba_tool('service-account', 'create', '--name', 'infolist01', '--dns-host-name', 'infolist01.gmsa.test')
    yield 'infolist01'
    lab.samba_tool('service-account', 'delete', '--name', 'infolist01', check=False)


def test_domain_facts_match_the_directory(run_playbook, lab):
    run = run_playbook('- wincontainers.gmsa.domain_info:\n    list_service_accounts: false\n')
    assert run.rc == 0, run.output
    domain = run.result()['domain']
    head = lab.ldbsearch(lab.domain_dn, scope='base', attributes=['objectSid', 'objectGUID'])[lab.domain_dn]
    cross_ref = next(iter(lab.ldbsearch('CN=Partitions,CN=Configuration,' + lab.domain_dn,
                                        '(nCName=%s)' % lab.domain_dn, ['dnsRoot', 'nETBIOSName'], scope='one').values()))
    assert domain['dn'] == lab.domain_dn
    assert domain['sid'] == head['objectSid'][0]
    assert domain['guid'] == head['objectGUID'][0]
    assert domain['dns_name'] == cross_ref['dnsRoot'][0]
    assert domain['netbios_name'] == cross_ref['nETBIOSName'][0]
    assert domain['forest_dns_name'] == cross_ref['dnsRoot'][0]  # a single-domain forest
    assert domain['configuration_dn'] == 'CN=Configuration,' + lab.domain_dn
    assert domain['schema_dn'] == 'CN=Schema,CN=Configuration,' + lab.domain_dn
    assert domain['domain_controller'].lower() == lab.env['GMSA_AD_TLS_SERVER_NAME']
    assert run.result()['gmsa_supported'] is True


def test_kds_root_keys_match_samba_tool(run_playbook, lab):
    run = run_playbook('- wincontainers.gmsa.domain_info:\n')
    assert run.rc == 0, run.output
    listed = lab.samba_tool('domain', 'kds', 'root-key', 'list').stdout
    expected_ids = re.findall(r'^name (\S+)', listed, re.M)
    keys = run.result()['kds_root_keys']
    assert sorted(key['id'] for key in keys) == sorted(expected_ids)
    assert expected_ids, 'the lab forest is provisioned with a backdated key'
    assert all(key['usable_now'] for key in keys)
    assert run.result()['kds_root_key_usable'] is True


def test_lists_gmsas_with_their_names_and_spns(run_playbook, lab, lab_gmsa):
    run = run_playbook('- wincontainers.gmsa.domain_info:\n')
    assert run.rc == 0, run.output
    listed = {account['name']: account for account in run.result()['service_accounts']}
    assert lab_gmsa in listed
    entry = next(iter(lab.ldbsearch(lab.domain_dn, '(sAMAccountName=%s$)' % lab_gmsa,
                                    ['dNSHostName', 'servicePrincipalName']).values()))
    assert listed[lab_gmsa]['dns_hostname'] == entry['dNSHostName'][0]
    assert sorted(listed[lab_gmsa]['spns']) == sorted(entry.get('servicePrincipalName', []))


def test_reading_changes_nothing_on_the_dc(run_playbook, lab):
    before = lab.highest_committed_usn()
    run = run_playbook('- wincontainers.gmsa.domain_info:\n    list_service_accounts: false\n')
    assert run.rc == 0 and run.result()['changed'] is False, run.output
    assert lab.highest_committed_usn() == before


def test_items_of_a_loop_share_one_connection(run_playbook, tmp_path):
    usage_log = tmp_path / 'usage.jsonl'
    tasks = '''- wincontainers.gmsa.domain_info:
    list_service_accounts: false
  loop: [1, 2, 3, 4, 5]
'''
    run = run_playbook(tasks, extra_env={'GMSA_AD_USAGE_LOG': str(usage_log)})
    assert run.rc == 0, run.output
    items = [json.loads(line) for line in usage_log.read_text().splitlines()]
    assert len(items) == 5
    assert {item['sockets_opened'] for item in items} == {1}
    operations = [item['operations'] for item in items]
    assert operations == sorted(operations) and operations[0] < operations[-1]
