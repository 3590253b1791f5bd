"""Secrets: a full site.yml + verify.yml run at -vvvv leaves no secret anywhere it writes.

The secrets, each unique to the run: the bind account's password (GMSA_AD_PASSWORD of a delegated
account, not Administrator), a portable user's password the inventory takes from Ansible Vault, the
one the role generates into the secret store for a second portable user, the one generated for a third
whose plug-in is the AWS ECS plug-in and which the role delivers to AWS Secrets Manager (the AWS stand-in,
moto's server mode, not AWS), the vault's own password, and the three gMSAs' passwords, read after the run
as their portable users with Samba's own client (the third with the credentials read back from the AWS
stand-in).
Each is looked for in every form a leak could take (text, UTF-16, hex, base64; for the gMSAs also the
raw bytes, JSON escapes and the NT hash) in each run's stdout and stderr (default and json
callbacks, diff output included), the log file (ANSIBLE_LOG_PATH) and every file left below the
run's folder: inventory, output, secret store, HOME, TMPDIR, ANSIBLE_LOCAL_TEMP, ANSIBLE_REMOTE_TEMP.
Only the files that hold a secret on purpose may contain one, and they are 0600.
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

from aws_standin import ACCOUNT, REGION, aws_standin, stored
from harness import ansible_playbook, base64_forms, current_password, files_under, leak_forms, read_managed_password
from forests import LAB_ROOT, record_figure, start_dc
from lab_dc import REPO

pytestmark = pytest.mark.lab

BIND_USER = 'RelSecBind'
VAULTED, GENERATED, DELIVERED = 'RelSecVlt01', 'RelSecGen01', 'RelSecAws01'   # their portable users are <name>-ccg
DELIVERED_ARN = 'arn:aws:secretsmanager:%s:%s:secret:gmsa/relsecaws01-ccg' % (REGION, ACCOUNT)
# Recognisable, and unique per run, so that finding one can only be a leak of this run.
BIND_PASSWORD = 'Bind-Sentinel-%s!' % uuid.uuid4().hex[:12]
VAULTED_PASSWORD = 'Portable-Sentinel-%s!' % uuid.uuid4().hex[:12]
VAULT_PASSWORD = 'Vault-Sentinel-%s' % uuid.uuid4().hex[:12]
PLUGIN_GUID = '{E4781092-F116-4B79-B55E-28EB6A224E26}'
# HOME and the temporary folders of the runs, below the run's folder.
TEMPORARY = ('home', 'tmp', 'local-temp', 'remote-temp')
RUNS = (('site.yml', 'default', ('--diff',)), ('verify.yml', 'json', ()), ('site.yml', 'json', ('--diff',)))


@pytest.fixture(scope='module')
def secrets_dc():
    dc = start_dc(LAB_ROOT / 'gmsa-lab-rel-secrets', 'gmsa-rel-secrets')
    yield dc
    dc.stop(purge=True)


def application(name, **settings):
    return dict(name=name, domain_joined=False, plugin={'guid': PLUGIN_GUID, 'input': 'gmsa-system:%s-ccg' % name.lower()},
                kubernetes={'secret_namespace': 'gmsa-system'}, **settings)


def write_inventory(root):
    """localhost only; VAULTED's password from an Ansible Vault string, GENERATED's left to the secret store."""
    group_vars = root / 'inventory' / 'group_vars' / 'all'
    group_vars.mkdir(parents=True)
    (root / 'inventory' / 'hosts.yml').write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}}))
    (group_vars / 'main.yml').write_text(yaml.safe_dump({
        'gmsa_kds_mode': 'lab',
        'gmsa_output_dir': str(root / 'output'),
        'gmsa_secret_dir': str(root / 'secrets'),
        'gmsa_kubernetes_apply': False,
        'gmsa_applications': [application(VAULTED, portable_user={'password': '{{ rel_secrets_vaulted_password }}'}),
                              application(GENERATED),
                              {'name': DELIVERED, 'domain_joined': False,
                               'plugin': {'type': 'aws_ecs', 'credential_arn': DELIVERED_ARN, 'deliver': True}}],
    }))
    vault_password_file = root / 'vault-password'
    with os.fdopen(os.open(vault_password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 'w') as out:
        out.write(VAULT_PASSWORD + '\n')
    # Encrypted from stdin, so the password is never on disk in clear.
    encrypted = subprocess.run([str(Path(sys.executable).parent / 'ansible-vault'), 'encrypt_string',
                                '--vault-password-file', str(vault_password_file),
                                '--stdin-name', 'rel_secrets_vaulted_password'],
                               input=VAULTED_PASSWORD, capture_output=True, text=True, check=True).stdout
    (group_vars / 'vault.yml').write_text(encrypted)
    return vault_password_file


def run_environment(root):
    """The bind account's connection, and every place Ansible writes to inside ``root``, HOME included."""
    folders = {name: root / name for name in TEMPORARY}
    for folder in folders.values():
        folder.mkdir()
    return dict(GMSA_AD_USERNAME='%s@GMSA.TEST' % BIND_USER, GMSA_AD_PASSWORD=BIND_PASSWORD,
                HOME=str(folders['home']), TMPDIR=str(folders['tmp']), ANSIBLE_LOCAL_TEMP=str(folders['local-temp']),
                ANSIBLE_REMOTE_TEMP=str(folders['remote-temp']), ANSIBLE_LOG_PATH=str(root / 'ansible.log'),
                # A ticket cache, if anything wrote one, would be searched too.
                KRB5CCNAME='FILE:%s' % (folders['tmp'] / 'krb5cc'))


@pytest.fixture(scope='module')
def aws_env(secrets_dc, tmp_path_factory):
    # Its log outside the runs' folder: moto's own output is not the collection's.
    with aws_standin(secrets_dc, tmp_path_factory.mktemp('aws-standin')) as env:
        yield env


@pytest.fixture(scope='module')
def flow(secrets_dc, aws_env, tmp_path_factory):
    """site.yml --diff (default callback), verify.yml (json), site.yml --diff again (json), all at -vvvv."""
    dc, root = secrets_dc, tmp_path_factory.mktemp('secrets')
    # The rights the flow needs (a KDS root key in the configuration partition, users, groups, gMSAs):
    # Domain Admins is the simplest honest delegation; Administrator's own password is not given to the runs.
    dc.samba_tool('user', 'create', BIND_USER, BIND_PASSWORD)
    dc.samba_tool('group', 'addmembers', 'Domain Admins', BIND_USER)
    vault_password_file = write_inventory(root)
    env = dict(run_environment(root), **aws_env)
    runs = []
    for playbook, callback, args in RUNS:
        runs.append(ansible_playbook(dc, ['-vvvv', '-i', str(root / 'inventory'), '--vault-password-file',
                                          str(vault_password_file), str(REPO / 'playbooks' / playbook), *args],
                                     root, extra_env=env, callback=callback))
    return dc, root, runs, aws_env


# ------------------------------------------------------------------ what is looked for
def gmsa_password(dc, name, user, password):
    dn = 'CN=%s,CN=Managed Service Accounts,%s' % (name, dc.domain_dn)
    return current_password(read_managed_password(dc, dn, user, password))


def text_forms(secret):
    data = secret.encode('utf-8')
    forms = {'text': data, 'utf-16': secret.encode('utf-16-le'), 'hex': data.hex().encode()}
    forms.update({what: encoded.encode() for what, encoded in base64_forms(data).items()})
    return forms


def gmsa_forms(utf16_password):
    forms = {what: text.encode('utf-8') for what, text in leak_forms(utf16_password).items()}
    forms['raw bytes'] = utf16_password[:40]
    return forms


def delivered_credentials(dc, aws_env):
    """The portable user's credentials as the AWS ECS plug-in will read them from the AWS stand-in."""
    return json.loads(stored(dc, aws_env, [DELIVERED_ARN])[DELIVERED_ARN])


def secrets_of(dc, root, aws_env):
    """{kind of secret: {form: bytes}}, the gMSAs' passwords as each one's portable user reads it."""
    generated_password = (root / 'secrets' / ('%s-ccg' % GENERATED)).read_text().strip()
    delivered = delivered_credentials(dc, aws_env)
    return {
        'delivered portable password': text_forms(delivered['password']),
        'gMSA %s password' % DELIVERED: gmsa_forms(gmsa_password(dc, DELIVERED, delivered['username'],
                                                                 delivered['password'])),
        'bind password': text_forms(BIND_PASSWORD),
        'vaulted portable password': text_forms(VAULTED_PASSWORD),
        'generated portable password': text_forms(generated_password),
        'vault password': text_forms(VAULT_PASSWORD),
        'gMSA %s password' % VAULTED: gmsa_forms(gmsa_password(dc, VAULTED, '%s-ccg' % VAULTED, VAULTED_PASSWORD)),
        'gMSA %s password' % GENERATED: gmsa_forms(gmsa_password(dc, GENERATED, '%s-ccg' % GENERATED,
                                                                 generated_password)),
    }


def places(root, runs):
    """{place: content}: each run's two streams, and every file below root (the log file among them)."""
    found = {}
    for number, ((playbook, callback, _args), run) in enumerate(zip(RUNS, runs), 1):
        found['run %d %s (%s callback) stdout' % (number, playbook, callback)] = run.stdout.encode('utf-8')
        found['run %d %s (%s callback) stderr' % (number, playbook, callback)] = run.stderr.encode('utf-8')
    found.update((os.path.relpath(path, root), content) for path, content in files_under(root))
    return found


def hits(secrets, searched):
    """[(place, kind of secret, form)] for every secret found; never the secret itself."""
    return [(place, kind, form) for place, content in searched.items()
            for kind, forms in secrets.items() for form, needle in forms.items() if needle in content]


# ------------------------------------------------------------------ the tests
def shown(run):
    """The end of a failed run's output for the assertion message, the secrets given to it masked."""
    text = run.stdout[-3000:] + run.stderr
    for secret in (BIND_PASSWORD, VAULTED_PASSWORD, VAULT_PASSWORD):
        text = text.replace(secret, '<secret>')
    return text


def test_the_flow_ran_at_full_verbosity_as_the_bind_account(flow):
    dc, root, runs, aws_env = flow
    for run in runs:
        assert run.rc == 0, shown(run)
        assert 'setting up inventory plugins' in run.stdout   # a -vvvv line: the verbosity is really on
    site, verify, again = runs
    assert '--- before' in site.stdout and '+++ after' in site.stdout   # the default callback's diff output
    assert any(result.get('diff') for result in again.results)          # the json callback's diff output
    table = next(result['msg'] for result in verify.results if 'password read' in str(result.get('msg')))
    rows = [[cell.strip() for cell in line.split(' | ')] for line in table.splitlines()[1:]]
    # Both gMSAs' passwords went through the run: read by their portable users, a TGT got with each.
    assert sorted(row[:2] for row in rows) == [[DELIVERED, DELIVERED + '-ccg'], [GENERATED, GENERATED + '-ccg'],
                                               [VAULTED, VAULTED + '-ccg']], table
    assert all(row[2:] == ['ok'] * 7 + ['-'] for row in rows), table
    # Who wrote: the bind account logged on (its first logon sets lastLogonTimestamp), and the runs had no
    # other credentials.
    bind = dc.ldbsearch(dc.domain_dn, '(sAMAccountName=%s)' % BIND_USER, ['lastLogonTimestamp'])
    assert next(iter(bind.values())).get('lastLogonTimestamp'), bind
    assert (root / 'ansible.log').stat().st_size > 0
    # The AWS path ran: the secret is the JSON the plug-in reads, with the password of the controller's copy.
    delivered = delivered_credentials(dc, aws_env)
    assert sorted(delivered) == ['domainName', 'password', 'username']
    assert delivered['password'] == (root / 'secrets' / ('%s-ccg' % DELIVERED)).read_text().strip()


def test_no_secret_anywhere_a_run_wrote(flow):
    dc, root, runs, aws_env = flow
    secrets, searched = secrets_of(dc, root, aws_env), places(root, runs)
    on_purpose = {'secrets/%s-ccg' % GENERATED: 'generated portable password', 'vault-password': 'vault password',
                  'secrets/%s-ccg' % DELIVERED: 'delivered portable password'}
    found = hits(secrets, searched)
    # The search sees a secret where one is on purpose: it is not blind.
    for place, kind in on_purpose.items():
        assert (place, kind, 'text') in found, place
    leaks = [hit for hit in found if on_purpose.get(hit[0]) != hit[1]]
    files = [place for place in searched if not place.startswith('run ')]
    left_in_temp = [place for place in files if place.split('/')[0] in TEMPORARY]
    record_figure('secrets: %d secrets (%d forms) x %d places searched (%d run streams, %d files, %d left in '
                  'HOME and temp dirs, %d bytes) after site.yml --diff, verify.yml, site.yml --diff at -vvvv: '
                  '%d hits; %d files hold one on purpose, 0600'
                  % (len(secrets), sum(len(forms) for forms in secrets.values()), len(searched),
                     len(searched) - len(files), len(files), len(left_in_temp),
                     sum(len(content) for content in searched.values()), len(leaks), len(on_purpose)))
    if leaks:
        # No traceback: its locals would show the outputs, secret and all.
        pytest.fail('secrets found (place, kind of secret, form): %s' % json.dumps(leaks, indent=1), pytrace=False)


def test_files_holding_a_secret_on_purpose_are_owner_only(flow):
    _dc, root, _runs, _aws_env = flow
    assert stat.S_IMODE((root / 'secrets').stat().st_mode) == 0o700
    for holder in (root / 'secrets' / ('%s-ccg' % GENERATED), root / 'secrets' / ('%s-ccg' % DELIVERED),
                   root / 'vault-password'):
        assert stat.S_IMODE(holder.stat().st_mode) == 0o600, holder
    # Nothing else in the secret store but the records of what was last set (update_password: when_changed),
    # owner-only too and holding no password (the search above finds none in any file); the vaulted password
    # is not written there, only its record.
    names = sorted(path.name for path in (root / 'secrets').iterdir())
    assert [name for name in names if not name.endswith('.record')] == ['%s-ccg' % DELIVERED, '%s-ccg' % GENERATED]
    records = [root / 'secrets' / name for name in names if name.endswith('.record')]
    assert records and all(stat.S_IMODE(record.stat().st_mode) == 0o600 for record in records)
