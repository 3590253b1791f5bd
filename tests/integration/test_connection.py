"""The connection layer against the lab DC: every way in, and every way of being refused."""

from __future__ import annotations

import subprocess

import pytest

from harness import assert_one_clean_line

pytestmark = pytest.mark.lab

DOMAIN_INFO = '''
- name: read the domain
  wincontainers.gmsa.domain_info:
    %s
  register: ad
'''


def domain_info(options=''):
    return DOMAIN_INFO % options.replace('\n', '\n    ')


def test_simple_bind_over_ldaps_validates_the_lab_ca(run_playbook, lab):
    run = run_playbook(domain_info())
    assert run.rc == 0, run.output
    assert run.result()['domain']['domain_controller'] == 'dc1.gmsa.test'


def test_options_given_in_the_task_need_no_environment(run_playbook, lab):
    env = lab.env
    options = '''domain_server: ["{0}"]
tls_server_name: {1}
ca_cert: {2}
domain_username: {3}
domain_password: "{4}"'''.format(env['GMSA_AD_SERVER'], env['GMSA_AD_TLS_SERVER_NAME'], env['GMSA_AD_CA_CERT'],
                                 env['GMSA_AD_USERNAME'], lab.password)
    run = run_playbook(domain_info(options), connection_env=False)
    assert run.rc == 0, run.output
    assert lab.password not in run.output


def test_module_defaults_group_sets_the_connection_once(run_playbook, lab):
    env = lab.env
    play = '''module_defaults:
  group/wincontainers.gmsa.ad:
    domain_server: {0}
    tls_server_name: {1}
    ca_cert: {2}
    domain_username: {3}
    domain_password: "{4}"
'''.format(env['GMSA_AD_SERVER'], env['GMSA_AD_TLS_SERVER_NAME'], env['GMSA_AD_CA_CERT'],
           env['GMSA_AD_USERNAME'], lab.password)
    run = run_playbook(domain_info(), connection_env=False, play_options=play)
    assert run.rc == 0, run.output


def test_start_tls_on_the_plain_port(run_playbook):
    run = run_playbook(domain_info('tls_mode: start_tls'), extra_env={'GMSA_AD_PORT': ''})
    assert run.rc == 0, run.output
    assert run.result()['domain']['dns_name'] == 'gmsa.test'


def test_kerberos_with_a_ticket_from_the_lab_kdc(run_playbook, lab, tmp_path):
    ccache = tmp_path / 'ccache'
    lab.kinit('Administrator@' + lab.env['GMSA_LAB_REALM'], lab.password, ccache)
    run = run_playbook(domain_info('auth: kerberos'),
                       extra_env={'GMSA_AD_PASSWORD': '', 'KRB5CCNAME': 'FILE:%s' % ccache})
    assert run.rc == 0, run.output
    assert run.result()['domain']['netbios_name'] == lab.env['GMSA_LAB_NETBIOS']


def test_kerberos_with_a_password_keeps_no_ticket_cache(run_playbook, lab, tmp_path):
    ccache = tmp_path / 'must-not-exist'
    run = run_playbook(domain_info('auth: kerberos'), extra_env={'KRB5CCNAME': 'FILE:%s' % ccache})
    assert run.rc == 0, run.output
    assert not ccache.exists()


def test_kerberos_without_a_ticket_says_to_kinit(run_playbook, tmp_path):
    run = run_playbook(domain_info('auth: kerberos'),
                       extra_env={'GMSA_AD_PASSWORD': '', 'KRB5CCNAME': 'FILE:%s' % (tmp_path / 'empty')})
    assert_one_clean_line(run, 'kinit')


def test_wrong_password_is_one_line_and_never_echoed(run_playbook):
    sentinel = 'Sentinel-Wrong-Pass-7c1e'
    run = run_playbook(domain_info(), extra_env={'GMSA_AD_PASSWORD': sentinel}, args=['-vvvv'])
    assert_one_clean_line(run, 'refused the credentials')
    assert sentinel not in run.output


@pytest.mark.parametrize('tls', ['tls_mode: ldaps', 'tls_mode: start_tls'])
def test_ntlm_binds_through_gss_spnego_with_the_channel_binding(run_playbook, lab, tls):
    # Samba 4.22 requires the TLS channel binding of every SASL bind by default
    # (ldap server require strong auth = yes, as LdapEnforceChannelBinding=2 on Windows).
    run = run_playbook(domain_info('auth: ntlm\n' + tls), extra_env={'GMSA_AD_PORT': ''})
    assert run.rc == 0, run.output
    assert run.result()['domain']['netbios_name'] == lab.env['GMSA_LAB_NETBIOS']


def test_ntlm_with_a_domain_and_user_name(run_playbook, lab):
    user = '%s\\Administrator' % lab.env['GMSA_LAB_NETBIOS']
    run = run_playbook(domain_info('auth: ntlm'), extra_env={'GMSA_AD_USERNAME': user})
    assert run.rc == 0, run.output


def test_ntlm_with_a_wrong_password_is_one_line_and_never_echoed(run_playbook):
    sentinel = 'Sentinel-Wrong-Ntlm-3d9a'
    run = run_playbook(domain_info('auth: ntlm'), extra_env={'GMSA_AD_PASSWORD': sentinel}, args=['-vvvv'])
    assert_one_clean_line(run, 'refused the credentials')
    assert sentinel not in run.output


def test_ntlm_without_the_channel_binding_is_refused_and_the_line_names_the_fix(lab, monkeypatch):
    """The bind as a client without channel binding makes it (ldap3's own NTLM, say): the lab DC refuses it."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import ConnectionSettings, DirectoryError, connect
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import _bind

    env = lab.env
    settings = ConnectionSettings.from_params(dict(
        domain_server=[env['GMSA_AD_SERVER']], domain_name=None, domain_port=None, tls_mode='ldaps',
        validate_certs=True, ca_cert=env['GMSA_AD_CA_CERT'], tls_server_name=env['GMSA_AD_TLS_SERVER_NAME'],
        auth='ntlm', domain_username=env['GMSA_AD_USERNAME'], domain_password=lab.password, connect_timeout=10))
    conn, _candidate = connect(settings)  # with the binding: bound
    conn.unbind()
    monkeypatch.setattr(_bind, 'channel_bindings', lambda conn: None)
    with pytest.raises(ADError) as raised:
        connect(settings)
    assert isinstance(raised.value, DirectoryError) and raised.value.description == 'invalidCredentials'
    line = str(raised.value)
    assert 'channel binding' in line and 'SEC_E_BAD_BINDINGS' in line and 'connect to the controller directly' in line
    assert '\n' not in line and lab.password not in line


@pytest.fixture(scope='module')
def foreign_ca(tmp_path_factory):
    """A CA that never signed the lab DC's certificate."""
    folder = tmp_path_factory.mktemp('foreign-ca')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                    '-subj', '/CN=Not the lab CA', '-keyout', str(folder / 'key.pem'), '-out', str(folder / 'ca.pem')],
                   check=True, capture_output=True)
    return folder / 'ca.pem'


def test_untrusted_ca_is_refused(run_playbook, foreign_ca):
    run = run_playbook(domain_info(), extra_env={'GMSA_AD_CA_CERT': str(foreign_ca)})
    assert_one_clean_line(run, 'not trusted', 'ca_cert')


def test_certificate_name_mismatch_is_refused(run_playbook):
    run = run_playbook(domain_info(), extra_env={'GMSA_AD_TLS_SERVER_NAME': 'intruder.gmsa.test'})
    assert_one_clean_line(run, 'does not name', 'tls_server_name')


def test_unreachable_first_server_fails_over_to_the_second(run_playbook):
    # Nothing listens on 127.0.0.2: the lab DC is bound to 127.0.0.1 only.
    run = run_playbook(domain_info('domain_server: [127.0.0.2, 127.0.0.1]'))
    assert run.rc == 0, run.output


def test_no_server_answering_lists_those_tried(run_playbook):
    run = run_playbook(domain_info('domain_server: [127.0.0.2, 127.0.0.3]'))
    message = assert_one_clean_line(run, 'no domain controller answered')
    assert '127.0.0.2' in message and '127.0.0.3' in message


def test_missing_server_and_domain_names_both_fixes(run_playbook):
    run = run_playbook(domain_info(), extra_env={'GMSA_AD_SERVER': '', 'GMSA_AD_DOMAIN': ''})
    assert_one_clean_line(run, 'domain_server or domain_name')


def test_unknown_option_is_named(run_playbook):
    run = run_playbook(domain_info('domain_sever: 127.0.0.1'))
    assert_one_clean_line(run, 'domain_sever')


# ------------------------------------------------------------ controllers found through DNS
def lab_resolver(lab):
    """A resolver that asks the lab DC's own DNS server, which holds the forest's SRV records."""
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [lab.env['GMSA_AD_SERVER']]
    return resolver


def found_through_dns(lab, **options):
    """The connection settings of a task that names the domain and no controller, with ``options``."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import CONNECTION_ARGUMENT_SPEC, ConnectionSettings

    params = {name: spec.get('default') for name, spec in CONNECTION_ARGUMENT_SPEC.items()}
    params.update(domain_name=lab.env['GMSA_AD_DOMAIN'], domain_username=lab.env['GMSA_AD_USERNAME'],
                  domain_password=lab.password, **options)
    return ConnectionSettings.from_params(params)


def test_srv_discovery_finds_the_lab_dc(lab):
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import discover_domain_controllers

    candidates = discover_domain_controllers(lab.env['GMSA_AD_DOMAIN'], lab_resolver(lab))
    assert [(c.address, c.tls_name.lower()) for c in candidates] == [(lab.env['GMSA_AD_SERVER'], 'dc1.gmsa.test')]


def test_srv_discovery_binds_with_ca_cert_to_the_dc_its_own_record_names(lab):
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import connect

    conn, candidate = connect(found_through_dns(lab, ca_cert=lab.env['GMSA_AD_CA_CERT']), lab_resolver(lab))
    try:
        assert (candidate.address, candidate.tls_name.lower()) == (lab.env['GMSA_AD_SERVER'], 'dc1.gmsa.test')
        assert conn.bound
        assert conn.extend.standard.who_am_i().lower().endswith('\\administrator')
    finally:
        conn.unbind()


def test_srv_discovery_without_ca_cert_is_refused_before_connecting(run_playbook, lab):
    run = run_playbook(domain_info(), extra_env={'GMSA_AD_SERVER': '', 'GMSA_AD_CA_CERT': '',
                                                 'GMSA_AD_TLS_SERVER_NAME': ''})
    assert_one_clean_line(run, 'the domain controllers are found through DNS (_ldap._tcp.dc._msdcs.gmsa.test)',
                          'ca_cert', 'tls_server_name', 'trust_system_ca=true', 'name the controllers in domain_server')
    assert lab.password not in run.output


def test_trust_system_ca_trusts_the_system_store_which_does_not_know_the_lab_ca(lab):
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import connect

    with pytest.raises(ADError, match='the certificate of dc1.gmsa.test .* is not trusted'):
        connect(found_through_dns(lab, trust_system_ca=True), lab_resolver(lab))


def test_an_srv_record_naming_a_host_outside_the_domain_stops_the_bind(lab):
    """A record added to the DC's own zone, as anyone who can write DNS could: the bind goes nowhere."""
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import connect

    def dns(action):
        subprocess.run(lab.in_lab_net(['samba-tool', 'dns', action, lab.env['GMSA_AD_SERVER'], '_msdcs.gmsa.test',
                                       '_ldap._tcp.dc', 'SRV', 'dc1.attacker.example 636 0 100',
                                       '-A', lab.env['GMSA_LAB_AUTH_FILE']]), check=True, capture_output=True)

    dns('add')
    try:
        with pytest.raises(ADError) as raised:
            connect(found_through_dns(lab, ca_cert=lab.env['GMSA_AD_CA_CERT']), lab_resolver(lab))
    finally:
        dns('delete')
    assert str(raised.value) == ('the DNS SRV record _ldap._tcp.dc._msdcs.gmsa.test names dc1.attacker.example, a '
                                 'host outside gmsa.test; the bind password goes only to a domain controller of the '
                                 'domain: name the controllers in domain_server')
