"""The canary's plan (what runs on a host) and its findings (what Windows answered, with cause and fix), on samples
of what Windows logs and prints, each naming its source."""

from __future__ import annotations

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary import canary_report, container_image, host_build
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._canary._plan import command, hostname_prefix, image_build

# ------------------------------------------------------------------ samples and their sources
# Microsoft-Windows-Containers-CCG/Admin: the event texts of Microsoft's "Troubleshoot gMSAs for Windows containers",
# table "Events and Descriptions" (MicrosoftDocs/Virtualization-Documentation,
# virtualization/windowscontainers/manage-containers/gmsa-troubleshooting.md at b9fb379f), their %1 %2 %3 filled in.
CCG_DOCS = 'MicrosoftDocs/Virtualization-Documentation gmsa-troubleshooting.md (b9fb379f), Events and Descriptions'
PLUGIN = '{CCC2A336-D7F3-4818-A213-272B7924213E}'
CCG_SAMPLES = {
    1: 'Container Credential Guard instantiated the plug-in',
    2: 'Container Credential Guard fetched gmsa credentials for webapp01 using plug-in: %s' % PLUGIN,
    3: 'Container Credential Guard failed to parse the credential spec. Error: The parameter is incorrect.',
    4: 'Container Credential Guard failed to instantiate the plug-in: %s. Error: Class not registered' % PLUGIN,
    6: 'Container Credential Guard failed to fetch credentials from the plug-in: %s. Error: Access is denied.' % PLUGIN,
    7: 'Container Credential Guard is refetching the credentials using the plug-in: %s' % PLUGIN,
    8: 'Container Credential Guard failed to fetch gmsa credentials for webapp01 using plugin %s. Error reason: The '
       'attempted logon is invalid.' % PLUGIN,
}
# NETLOGON 5720 as a container host logged it, quoted in MicrosoftDocs/Virtualization-Documentation#523; the race of
# containers sharing a gMSA and a host name is microsoft/Windows-Containers#405.
NETLOGON_SOURCE = 'MicrosoftDocs/Virtualization-Documentation#523, microsoft/Windows-Containers#405'
NETLOGON_SAMPLE = ('The session setup to the Windows Domain Controller \\\\DC01.contoso.com for the domain CONTOSO failed '
                   'because the computer WEBAPP01 does not have a local security database account.')
# docker run on a host of another build, with process isolation: Microsoft's "Windows container version
# compatibility" (virtualization/windowscontainers/deploy-containers/version-compatibility.md).
OS_MISMATCH = ('docker: Error response from daemon: container b81ed896222e encountered an error during CreateContainer: '
               'failure in a Windows system call: The operating system of the container does not match the operating '
               'system of the host. (0xc0370101)')
# In the container: nltest and klist as Microsoft's troubleshooting page has them answer (NERR_SUCCESS; "A ticket to
# krbtgt has been retrieved successfully").
NLTEST_OK = 'Trusted DC Connection Status Status = 0 0x0 NERR_Success\nThe command completed successfully'
KLIST_OK = 'A ticket to %s has been retrieved successfully.'


def container(sc_verify=0, krbtgt=0, service_ticket=0, spn='HTTP/web.contoso.com'):
    """What the canary's command prints in a container: each check, then its marker."""
    return '\n'.join([NLTEST_OK if sc_verify == 0 else 'I_NetLogonControl failed: Status = 1311 0x51f ERROR_NO_LOGON_SERVERS',
                      '::sc_verify %d contoso.com' % sc_verify,
                      KLIST_OK % 'krbtgt' if krbtgt == 0 else 'klist failed with 0xc000005e/-1073741730',
                      '::krbtgt %d krbtgt' % krbtgt,
                      KLIST_OK % spn if service_ticket == 0 else 'klist failed with 0x80090303/-2146893053',
                      '::service_ticket %d %s' % (service_ticket, spn)])


def report(tests, events=(), ccg_log=True):
    return canary_report({'output': list(tests), 'result': {'events': list(events), 'ccg_log': ccg_log}})


def run(application='WebApp01', output=None, exit_code=0, hostname='webapp-1a2b3c4d'):
    return {'application': application, 'hostname': hostname, 'exit_code': exit_code,
            'output': container() if output is None else output}


def by_name(found, application='WebApp01'):
    return {finding['name']: finding for finding in found['findings'] if finding['application'] == application}


# ------------------------------------------------------------------ the plan
@pytest.mark.parametrize('version,build', [('10.0.17763.0', 17763), ('10.0.26100.1742', 26100), ('', None), (None, None)])
def test_the_host_s_build_comes_from_its_windows_version(version, build):
    assert host_build(version) == build


@pytest.mark.parametrize('build,tag', [(17763, 'ltsc2019'), (20348, 'ltsc2022'), (26100, 'ltsc2025')])
def test_the_image_is_servercore_of_the_host_s_build_with_process_isolation(build, tag):
    assert container_image(build, False) == ('mcr.microsoft.com/windows/servercore:' + tag, 'process', None)


def test_an_unknown_build_runs_the_newest_image_with_hyper_v_or_says_what_to_set():
    assert container_image(26200, True) == ('mcr.microsoft.com/windows/servercore:ltsc2025', 'hyperv', None)
    image, isolation, problem = container_image(26200, False)
    assert (image, isolation) == ('', '') and 'container_host_canary_image' in problem and '26200' in problem


def test_the_inventory_s_image_wins_and_gets_hyper_v_when_its_build_is_not_the_host_s():
    image = 'mcr.microsoft.com/windows/servercore:ltsc2022'
    assert container_image(20348, False, image) == (image, 'process', None)
    assert container_image(17763, True, image) == (image, 'hyperv', None)
    assert 'process isolation refuses' in container_image(17763, False, image)[2]
    # A tag that does not say its build is the inventory's to know.
    assert container_image(17763, False, 'registry.example.com/app:1.2') == ('registry.example.com/app:1.2', 'process', None)
    assert container_image(17763, False, image, 'process') == (image, 'process', None)
    assert 'give auto, process or hyperv' in container_image(17763, False, image, 'vm')[2]


@pytest.mark.parametrize('image,build', [('mcr.microsoft.com/windows/servercore:10.0.20348.2340', 20348),
                                         ('mcr.microsoft.com/windows/nanoserver:ltsc2019', 17763),
                                         ('localhost:5000/app', None)])
def test_an_image_s_build_is_read_from_its_tag(image, build):
    assert image_build(image) == build


@pytest.mark.parametrize('name,prefix', [('WebApp01', 'webapp'), ('Web(01)', 'web01'), ('a.b_c', 'abc'), ('(-)', 'gmsa')])
def test_a_host_name_prefix_is_the_gmsa_s_first_letters_and_digits(name, prefix):
    assert hostname_prefix(name) == prefix and len(prefix) + 1 + 8 <= 15


def test_the_command_refuses_what_cmd_would_read_as_an_operator():
    with pytest.raises(ValueError):
        command('contoso.com', 'HTTP/web & del *')


# ------------------------------------------------------------------ results inside the container
def test_a_healthy_container_is_ok_in_every_column():
    found = report([run()])
    assert found['failed'] == 0 and {finding['status'] for finding in found['findings']} == {'ok'}
    assert found['table'] == [
        'application | container       | secure channel | TGT | service ticket | fix',
        'WebApp01    | webapp-1a2b3c4d | ok             | ok  | ok             | -']


def test_no_tgt_points_at_dns_or_the_network():
    found = by_name(report([run(output=container(sc_verify=1, krbtgt=1, service_ticket=1))]))
    assert found['krbtgt']['status'] == 'failed' and 'cannot reach a domain controller' in found['krbtgt']['finding']
    assert '53, 88, 389' in found['krbtgt']['fix']
    assert found['sc_verify']['fix'] == 'mend the TGT first'


def test_a_tgt_without_a_secure_channel_points_at_the_gmsa_or_a_shared_host_name():
    found = by_name(report([run(output=container(sc_verify=1))]))
    assert 'a TGT but no secure channel' in found['sc_verify']['finding']
    assert 'WORKSTATION_TRUST_ACCOUNT' in found['sc_verify']['fix'] and 'host names of their own' in found['sc_verify']['fix']


def test_no_service_ticket_names_the_spn():
    found = by_name(report([run(output=container(service_ticket=1))]))
    assert 'no service ticket for HTTP/web.contoso.com' in found['service_ticket']['finding']
    assert 'spns' in found['service_ticket']['fix'] and 'report.yml' in found['service_ticket']['fix']


def test_a_container_that_did_not_start_says_why_and_its_checks_did_not_run():
    found = report([run(output=OS_MISMATCH, exit_code=125)])
    [finding] = found['findings']
    assert (finding['name'], finding['status']) == ('container', 'failed')
    assert 'another Windows build' in finding['finding'] and 'container_host_canary_image' in finding['fix']
    assert found['table'][1].startswith('WebApp01    | not started | -              | -   | -              | leave ')


def test_a_check_that_did_not_run_in_a_started_container_says_so():
    output = '\n'.join(container().splitlines()[:4])   # nanoserver: no klist for the service ticket
    assert by_name(report([run(output=output)]))['service_ticket']['finding'].startswith('the service ticket check did not run')


# ------------------------------------------------------------------ the host's events
@pytest.mark.parametrize('event_id,status,words', [
    (1, 'ok', 'loaded the plug-in'), (2, 'ok', 'fetched the gMSA'), (3, 'failed', 'could not parse the credential spec'),
    (4, 'failed', 'could not load the plug-in'), (6, 'failed', 'could not fetch the portable user'),
    (7, 'ok', 'password had expired'), (8, 'failed', 'could not fetch the gMSA\'s password')])
def test_each_ccg_event_of_microsoft_s_table_is_a_finding_with_its_fix(event_id, status, words):
    event = {'log': 'Microsoft-Windows-Containers-CCG/Admin', 'provider': 'Microsoft-Windows-Containers-CCG', 'id': event_id,
             'level': 'Error' if status == 'failed' else 'Information', 'message': CCG_SAMPLES[event_id]}
    found = report([run()], [event])
    [finding] = [finding for finding in found['findings'] if finding['application'] == '(host)']
    assert (finding['name'], finding['status']) == ('ccg_event_%d' % event_id, status), CCG_DOCS
    assert words in finding['finding'] and CCG_SAMPLES[event_id] in finding['finding']
    assert bool(finding['fix']) == (status == 'failed')
    assert (found['table'][-1].startswith('(host)      | event ccg_event_%d' % event_id)) == (status == 'failed')


def test_netlogon_5720_is_the_race_of_containers_that_share_a_gmsa_and_a_host_name():
    event = {'log': 'System', 'provider': 'NETLOGON', 'id': 5720, 'level': 'Error', 'message': NETLOGON_SAMPLE}
    [finding] = [finding for finding in report([run()], [event])['findings'] if finding['application'] == '(host)']
    assert finding['status'] == 'failed' and NETLOGON_SAMPLE in finding['finding'], NETLOGON_SOURCE
    assert 'host name of its own' in finding['fix'] and 'randomHostname' in finding['fix']


def test_an_event_this_collection_does_not_know_is_a_warning_and_a_missing_ccg_log_too():
    event = {'log': 'Microsoft-Windows-Containers-CCG/Admin', 'provider': 'Microsoft-Windows-Containers-CCG', 'id': 42,
             'level': 'Warning', 'message': 'something new'}
    found = report([run()], [event], ccg_log=False)
    statuses = {finding['name']: finding['status'] for finding in found['findings'] if finding['application'] == '(host)'}
    assert statuses == {'ccg_event_42': 'warning', 'ccg_log': 'warning'} and found['failed'] == 0
