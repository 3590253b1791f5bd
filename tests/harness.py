"""What the tests share: the collection on the import path, a playbook runner,
checks of a failed task's message and of the DC having written nothing, and a
gMSA's password read with Samba's client with the forms a leak of it could take.

Nothing here imports the collection's plugins: what the tests assert is read
independently of the code under test.
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from lab_dc import REPO

# The collection must sit at ansible_collections/wincontainers/gmsa to be imported or found by Ansible.
COLLECTIONS = REPO / 'tests' / 'output' / 'collections'
_LINK = COLLECTIONS / 'ansible_collections' / 'wincontainers' / 'gmsa'
if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(REPO, target_is_directory=True)
sys.path.insert(0, str(COLLECTIONS))


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list

    @property
    def output(self):
        return self.stdout + self.stderr

    def result(self, index=-1):
        return self.results[index]


def task_results(callback_json):
    """Results of every task for localhost, in order, from the json callback's output."""
    results = []
    for play in callback_json.get('plays', []):
        for task in play.get('tasks', []):
            for host_result in task.get('hosts', {}).values():
                results.append(host_result)
    return results


def callback_document(stdout):
    """The json callback's document; with -v and more, verbose lines come before it."""
    start = stdout.find('{\n    "custom_stats"')
    return json.loads(stdout[start:]) if start >= 0 else {}


def playbook_runner(lab, tmp_path):
    """A function that runs tasks on localhost with ansible-playbook against ``lab``,
    the connection given through GMSA_AD_* variables as a credential type would give it."""

    def run(tasks, extra_env=None, args=(), connection_env=True, callback='json', play_options=''):
        playbook = tmp_path / 'playbook.yml'
        playbook.write_text('- hosts: localhost\n  gather_facts: false\n%s  tasks:\n%s' % (
            textwrap.indent(textwrap.dedent(play_options), '  '), textwrap.indent(textwrap.dedent(tasks), '    ')))
        return ansible_playbook(lab, [str(playbook), *args], tmp_path, extra_env, connection_env, callback)

    return run


def ansible_playbook(lab, args, cwd, extra_env=None, connection_env=True, callback='json'):
    """ansible-playbook ``args``, run where ``lab`` is reachable, with the collection found and, unless
    ``connection_env`` is false, the lab's connection in GMSA_AD_* (``extra_env`` overrides either)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith('GMSA_AD_')}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_STDOUT_CALLBACK=callback,
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_NOCOLOR='1', KRB5_CONFIG=lab.env['KRB5_CONFIG'])
    if connection_env:
        env.update(lab.connection_env())
    env.update(extra_env or {})
    command = lab.in_lab_net([str(Path(sys.executable).parent / 'ansible-playbook'), *args])
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    results = task_results(callback_document(done.stdout)) if callback == 'json' else []
    return PlaybookRun(done.returncode, done.stdout, done.stderr, results)


def assert_one_clean_line(run, *expected):
    """A failed task: its message is one line containing ``expected``, and nothing printed a traceback."""
    assert run.rc != 0, run.output
    message = run.result()['msg']
    assert '\n' not in message.strip(), message
    for text in expected:
        assert text in message, message
    assert 'Traceback' not in run.output
    return message


# Objects this file's tests create or whose membership they change.
OURS = ('grpt', 'usrt', 'cn=administrator,', 'cn=guest,', 'cn=krbtgt,')


def written_since(lab, usn):
    """DNs of the domain objects written after ``usn`` (deleted ones included), from the DC's own database."""
    out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '--show-recycled', '-b', lab.domain_dn,
                          '(uSNChanged>=%d)' % (usn + 1), 'uSNChanged'],
                         check=True, capture_output=True, text=True).stdout
    return [line[4:] for line in out.splitlines() if line.startswith('dn: ')]


def assert_nothing_written(lab, usn, ours=OURS):
    """No write since ``usn``: the DC's highestCommittedUSN is unchanged, or every object written
    since then belongs to someone else testing against the same DC at the same time."""
    if lab.highest_committed_usn() == usn:
        return
    mine = [dn for dn in written_since(lab, usn) if any(mark in dn.lower() for mark in ours)]
    assert not mine, 'written since USN %d: %s' % (usn, mine)


OBJECTS_SCRIPT = REPO / 'tests' / 'integration' / 'files' / 'ldap_objects.py'


def ldap_objects(lab, adds=(), deletes=(), sids_of=(), user=None, password=None):
    """Adds and deletes directory objects with ldap3 over one LDAPS connection (tests/integration/files/
    ldap_objects.py), as ``user`` (default the lab's Administrator); the SIDs of ``sids_of``."""
    request = {'server': lab.env['GMSA_AD_SERVER'], 'port': int(lab.env['GMSA_AD_PORT']),
               'ca_cert': lab.env['GMSA_AD_CA_CERT'], 'tls_name': lab.env['GMSA_AD_TLS_SERVER_NAME'],
               'user': user or lab.env['GMSA_AD_USERNAME'], 'password': password or lab.password,
               'adds': list(adds), 'deletes': list(deletes), 'sids_of': list(sids_of)}
    done = subprocess.run(lab.in_lab_net([sys.executable, str(OBJECTS_SCRIPT)]), input=json.dumps(request),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def filter_value(value):
    """RFC 4515 escaping, written out here so the test does not rely on the code under test."""
    return ''.join('\\%02x' % ord(char) if char in '*()\\\0' else char for char in value)


def decoded(lab, sam, attribute):
    """One attribute of the group, read with ldbsearch, base64 (non-ASCII) values decoded."""
    out = subprocess.run(['ldbsearch', '-H', lab.sam_ldb, '-b', lab.domain_dn,
                          '(sAMAccountName=%s)' % filter_value(sam), attribute],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith(attribute + ':: '):
            return base64.b64decode(line.split(':: ', 1)[1]).decode('utf-8')
        if line.startswith(attribute + ': '):
            return line.split(': ', 1)[1]
    return None


# ------------------------------------------------------------ a gMSA's password, read and looked for
def read_managed_password(lab, dn, username, password):
    """msDS-ManagedPassword of the gMSA ``dn`` as ``username`` reads it with Samba's own client."""
    out = subprocess.run(lab.in_lab_net(['ldbsearch', '-H', 'ldap://' + lab.env['GMSA_AD_SERVER'],
                                         '-U', '%s%%%s' % (username, password),
                                         '-b', dn, '-s', 'base', 'msDS-ManagedPassword']),
                         capture_output=True, text=True, check=True).stdout
    encoded = re.search(r'^msDS-ManagedPassword:: (.*(?:\n .*)*)', out, re.M).group(1)
    return base64.b64decode(encoded.replace('\n ', ''))


def current_password(blob):
    """The current password's 256 bytes (UTF-16LE) from a msDS-ManagedPassword blob (MS-ADTS 2.2.19)."""
    current_at = struct.unpack_from('<H', blob, 8)[0]
    return blob[current_at:current_at + 256]


def md4(data):
    """MD4 (RFC 1320), written here so the NT hash is computed independently of the collection."""
    mask = 0xFFFFFFFF

    def rotate(value, bits):
        value &= mask
        return ((value << bits) | (value >> (32 - bits))) & mask

    message = data + b'\x80' + b'\0' * ((55 - len(data)) % 64) + struct.pack('<Q', len(data) * 8)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    rounds = (
        (lambda x, y, z: (x & y) | (~x & z), 0, list(range(16)), (3, 7, 11, 19)),
        (lambda x, y, z: (x & y) | (x & z) | (y & z), 0x5A827999,
         [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15], (3, 5, 9, 13)),
        (lambda x, y, z: x ^ y ^ z, 0x6ED9EBA1, [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], (3, 9, 11, 15)),
    )
    for start in range(0, len(message), 64):
        words = struct.unpack('<16I', message[start:start + 64])
        saved = (a, b, c, d)
        for function, constant, order, shifts in rounds:
            for step, index in enumerate(order):
                a, b, c, d = d, rotate(a + function(b, c, d) + words[index] + constant, shifts[step % 4]), b, c
        a, b, c, d = [(value + old) & mask for value, old in zip((a, b, c, d), saved)]
    return struct.pack('<4I', a, b, c, d)


def leak_forms(utf16_password):
    """Every form of the gMSA password a leak could take, as text: the start of each is enough to be unique."""
    forms = {
        # What a client turns the password into for Kerberos (unpaired surrogates as U+FFFD).
        'utf-8 text': utf16_password.decode('utf-16-le', 'replace')[:20],
        # The same in JSON with non-ASCII escaped, as Python's json writes it.
        'json-escaped text': json.dumps(utf16_password.decode('utf-16-le', 'surrogatepass')[:12])[1:-1],
        'utf-16 hex': utf16_password.hex(),
        'NT hash hex': md4(utf16_password).hex(),
        'NT hash HEX': md4(utf16_password).hex().upper(),
    }
    forms.update(base64_forms(utf16_password))
    return forms


def base64_forms(data):
    """base64 of ``data`` alone or inside something longer (the whole blob, a JSON document): one form for
    each of the three alignments it can have, whole base64 groups only."""
    return {'base64 from byte %d' % shift: base64.b64encode(data[shift:shift + (len(data) - shift) // 3 * 3]).decode()
            for shift in range(3)}


def files_under(path):
    """(path, content) of every regular file below ``path`` (not sockets or pipes, which would block a read)."""
    for root, _dirs, names in os.walk(path):
        for name in names:
            file_path = os.path.join(root, name)
            if os.path.isfile(file_path) and not os.path.islink(file_path):
                with open(file_path, 'rb') as handle:
                    yield file_path, handle.read()


def accounts_flow(tmp_path, inventory, core, env):
    """Runs of the service_accounts role (``accounts.yml``) and of the collection's playbooks over ``inventory``,
    written into ``tmp_path``, with the stand-ins in place (tests/standin/runner.py): ``run(playbook, *args)``."""
    import yaml

    sys.path.insert(0, str(REPO / 'tests' / 'standin'))
    from runner import run_playbook

    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))
    (tmp_path / 'accounts.yml').write_text(yaml.safe_dump([{
        'name': 'Accounts', 'hosts': 'localhost', 'gather_facts': False,
        'roles': [{'role': 'wincontainers.gmsa.service_accounts'}]}]))

    def run(playbook, *args):
        path = tmp_path / playbook if playbook == 'accounts.yml' else REPO / 'playbooks' / playbook
        return run_playbook(path, tmp_path / 'inventory.yml', core=core, extra_args=args, env=env, callback='default')

    return run
