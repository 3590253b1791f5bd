"""TLS: there is no way to bind in clear, and a certificate that is untrusted, names another host, or has
expired is refused by default, with one line that says which.

The expired certificate is served by the private forest's DC itself: it is restarted with smb.conf's
``tls certfile/keyfile/cafile`` pointing at a certificate whose validity ended in 2020, then restored.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import _connect, _settings
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError
from harness import playbook_runner
from forests import make_ca, make_server_certificate, record_figure, restart

UTC = datetime.timezone.utc


# ------------------------------------------------------------------ no clear-text path
def test_no_clear_text_tls_mode():
    assert set(_settings.CONNECTION_ARGUMENT_SPEC['tls_mode']['choices']) == {'ldaps', 'start_tls'}


class ConnectionWithoutTLS:
    """Stands in for an ldap3 connection whose server let StartTLS 'succeed' without TLS coming up:
    a fault no real DC here can be made to show. It records whether a bind was attempted."""

    def __init__(self):
        self.server = type('Server', (), {'ssl': False})()
        self.tls_started = False
        self.bound = False
        self.result = {}

    def open(self):
        pass

    def start_tls(self):
        return True

    def bind(self):
        self.bound = True
        return True

    def unbind(self):
        pass


@pytest.mark.parametrize('tls_mode', ['ldaps', 'start_tls'])
def test_connect_never_binds_without_tls(monkeypatch, tls_mode):
    fake = ConnectionWithoutTLS()
    monkeypatch.setattr(_connect, 'ldap_connection', lambda settings, candidate: fake)
    settings = _settings.ConnectionSettings.from_params(dict(
        domain_server=['dc1.example.test'], domain_name=None, domain_port=None, tls_mode=tls_mode,
        validate_certs=True, ca_cert=None, tls_server_name=None, auth='simple', domain_username='user@EXAMPLE.TEST',
        domain_password='not-sent', connect_timeout=5))
    with pytest.raises(ADError, match='TLS is not in force'):
        _connect.connect(settings)
    assert not fake.bound


# ------------------------------------------------------------------ refused certificates
# StartTLS upgrades the plain LDAP port; the lab's environment names the LDAPS one.
REFUSALS = '''
- name: untrusted CA
  wincontainers.gmsa.domain_info: {tls_mode: "{{ item }}", domain_port: "{{ ports[item] }}", ca_cert: "{{ other_ca }}"}
  loop: [ldaps, start_tls]
  ignore_errors: true
- name: name mismatch
  wincontainers.gmsa.domain_info: {tls_mode: "{{ item }}", domain_port: "{{ ports[item] }}", tls_server_name: other.gmsa.test}
  loop: [ldaps, start_tls]
  ignore_errors: true
'''

PORTS = 'vars:\n  ports: {ldaps: 636, start_tls: 389}\n'

EXPIRED = '''
- name: expired certificate
  wincontainers.gmsa.domain_info: {tls_mode: "{{ item }}", domain_port: "{{ ports[item] }}"}
  loop: [ldaps, start_tls]
  ignore_errors: true
'''


def refusals(run, expected):
    """{tls_mode: 'clean' (refused with one line containing ``expected``, no traceback), 'refused' (with
    another line), or 'accepted'}."""
    assert 'Traceback' not in run.output
    outcomes = {}
    for item in (item for result in run.results for item in result['results']):
        clean = (expected in item.get('msg', '') and '\n' not in item['msg']
                 and 'Traceback' not in str(item.get('exception', '')))
        outcomes[item['item']] = 'accepted' if not item.get('failed') else 'clean' if clean else 'refused'
    return outcomes


@pytest.mark.lab
def test_bad_certificates_refused(solo_dc, tmp_path):
    run = playbook_runner(solo_dc, tmp_path)
    other_ca = make_ca(tmp_path / 'other-ca', 'Some Other CA')
    untrusted_tasks, mismatch_tasks = REFUSALS.split('- name: name mismatch')
    untrusted = run(untrusted_tasks, play_options=PORTS + '  other_ca: %s\n' % other_ca.cert)
    mismatch = run('- name: name mismatch' + mismatch_tasks, play_options=PORTS)
    counts = {'untrusted CA': refusals(untrusted, 'is not trusted'),
              'name mismatch': refusals(mismatch, 'does not name')}

    counts['expired'] = expired_refusals(solo_dc, run, tmp_path)
    record_figure('TLS: ' + '; '.join('%s: %s' % (name, ', '.join('%s %s' % item for item in modes.items()))
                                      for name, modes in counts.items()) + '; no clear-text tls_mode')
    assert not any('accepted' in modes.values() for modes in counts.values()), counts
    assert all(modes == {'ldaps': 'clean', 'start_tls': 'clean'} for modes in counts.values()), counts


def expired_refusals(dc, run, tmp_path):
    """The DC restarted with a certificate that expired in 2020 (its own CA trusted), then put back."""
    name = dc.env['GMSA_AD_TLS_SERVER_NAME']
    ca = make_ca(tmp_path / 'expired', 'Reliability Test CA')
    server = make_server_certificate(ca, tmp_path / 'expired', name, datetime.datetime(2020, 1, 1, tzinfo=UTC),
                                     datetime.datetime(2020, 1, 2, tzinfo=UTC))
    smb_conf = dc.env['GMSA_LAB_SMB_CONF']
    saved = smb_conf + '.reliability-saved'
    shutil.copy(smb_conf, saved)
    try:
        with open(smb_conf, encoding='utf-8') as handle:
            text = handle.read()
        text = text.replace('[global]\n', '[global]\n\ttls enabled = yes\n\ttls certfile = %s\n\ttls keyfile = %s\n'
                            '\ttls cafile = %s\n' % (server.cert, server.key, ca.cert), 1)
        with open(smb_conf, 'w', encoding='utf-8') as handle:
            handle.write(text)
        dc.stop()
        start_samba(dc)
        expired = run(EXPIRED, extra_env={'GMSA_AD_CA_CERT': str(ca.cert)}, play_options=PORTS)
        return refusals(expired, 'has expired')
    finally:
        dc.stop()
        shutil.move(saved, smb_conf)
        restart(dc)


def start_samba(dc):
    """Samba started the way tests/lab/dc starts it; its start-up check would refuse the expired certificate,
    so readiness here is the LDAPS port accepting connections."""
    log = open(os.path.join(dc.env['GMSA_LAB_DIR'], 'samba.log'), 'ab')
    subprocess.Popen(dc.in_lab_net(['setsid', 'samba', '-s', dc.env['GMSA_LAB_SMB_CONF'], '-i', '--no-process-group']),
                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    probe = ('import socket, sys\ntry:\n    socket.create_connection((sys.argv[1], 636), timeout=1).close()\n'
             'except OSError:\n    sys.exit(1)\n')
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if subprocess.run(dc.in_lab_net(['python3', '-c', probe, dc.env['GMSA_AD_SERVER']]), check=False).returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError('samba did not listen on 636 within 60 s with the expired certificate')
