"""The portable identity delivered into the store each ccg.exe plug-in reads, then used as the host will use it.

The real lab DC for Active Directory. AWS Secrets Manager and SSM Parameter Store: the AWS stand-in, moto's
server mode on loopback (not AWS), reached by the real community.aws modules and amazon.aws lookups. Azure Key
Vault: no emulator runs here, so a stand-in of azure.azcollection's modules (tests/standin, held to their
documented interface; tests/standin/azure_facts.yml names its sources). Rancher's Kubernetes Secret: the
stand-in cluster. What is asserted is read back independently: boto3 reads the AWS stand-in, the stand-ins'
state files are read as JSON, and the credentials found there log on to the DC with Samba's own client and kinit.

The flow with the DC runs on the newest core (the oldest core's virtualenv has no ldap3, and community.aws and
amazon.aws admit ansible-core 2.17 and later); the Key Vault delivery by itself runs on both cores.
"""

from __future__ import annotations

import json
import re
import sys
import uuid

import pytest
import yaml

from aws_standin import ACCOUNT, REGION, aws_standin, stored
from harness import accounts_flow, current_password, read_managed_password
from lab_dc import REPO

sys.path.insert(0, str(REPO / 'tests' / 'standin'))
sys.path.insert(0, str(REPO / 'tests' / 'standin' / 'collections'))

from runner import run_playbook  # noqa: E402  (after the path is set)
from ansible_collections.standin.common.plugins.plugin_utils._cluster import Cluster  # noqa: E402

pytestmark = pytest.mark.lab

AWS, SSM, AKV, RKC = 'pstAws01', 'pstSsm01', 'pstAkv01', 'pstRkc01'
SECRET_ARN = 'arn:aws:secretsmanager:%s:%s:secret:gmsa/pstaws01-ccg' % (REGION, ACCOUNT)
PARAMETER_ARN = 'arn:aws:ssm:%s:%s:parameter/gmsa/pstssm01-ccg' % (REGION, ACCOUNT)
VAULT = 'https://pstkv01.vault.azure.net/'
SECRET_URI = VAULT + 'secrets/pstakv01-ccg'
OBJECT_ID = '2d8a3e1c-0000-4000-8000-000000000001'
# A vaulted password with the characters the Azure Key Vault plug-in's split could trip over.
AKV_PASSWORD = 'Pst:Akv\\%s:9a!' % uuid.uuid4().hex[:10]
RKC_PASSWORD = 'Pst-Rkc-%s-9a!' % uuid.uuid4().hex[:10]


def sweep(lab):
    for name in (AWS, SSM, AKV, RKC):
        lab.samba_tool('service-account', 'delete', '--name', name, check=False)
        lab.samba_tool('group', 'delete', name + 'Hosts', check=False)
        lab.samba_tool('user', 'delete', name + '-ccg', check=False)


@pytest.fixture(scope='module')
def aws_env(lab, tmp_path_factory):
    with aws_standin(lab, tmp_path_factory.mktemp('aws-standin')) as env:
        yield env


# ------------------------------------------------------------------ the flow
def localhost_state(path):
    """The stand-in cluster with the Secret of Rancher's plug-in, and the stand-in Key Vault, empty."""
    state = {}
    cluster = Cluster(state)
    cluster.create({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'gmsa-system'}})
    cluster.create({'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': 'pstrkc01-ccg', 'namespace': 'gmsa-system'},
                    'stringData': {'domainName': 'gmsa.test', 'username': RKC + '-ccg', 'password': RKC_PASSWORD}})
    state['key_vaults'] = {VAULT: {'secrets': {}}}
    path.write_text(json.dumps(state))


def applications(with_aws):
    apps = [
        {'name': AKV, 'domain_joined': False, 'portable_user': {'password': '{{ pst_akv_password }}'},
         'plugin': {'type': 'azure_key_vault', 'object_id': OBJECT_ID, 'secret_uri': SECRET_URI, 'deliver': True}},
        # The raw form of an existing inventory: read as Rancher's plug-in; its Secret is the kubernetes role's.
        {'name': RKC, 'domain_joined': False, 'portable_user': {'password': '{{ pst_rkc_password }}'},
         'plugin': {'guid': '{E4781092-F116-4B79-B55E-28EB6A224E26}', 'input': 'gmsa-system:pstrkc01-ccg'},
         'kubernetes': {'secret_namespace': 'gmsa-system'}},
    ]
    if with_aws:
        apps += [{'name': name, 'domain_joined': False, 'plugin': {'type': 'aws_ecs', 'credential_arn': arn, 'deliver': True}}
                 for name, arn in ((AWS, SECRET_ARN), (SSM, PARAMETER_ARN))]
    return apps


@pytest.fixture
def flow(lab, tmp_path, request):
    core, with_aws = request.param
    env = dict(lab.connection_env(), **(request.getfixturevalue('aws_env') if with_aws else {}))
    sweep(lab)
    state = tmp_path / 'localhost.json'
    localhost_state(state)
    inventory = {'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'standin_state': str(state)}},
        'vars': {'gmsa_kds_mode': 'lab', 'gmsa_output_dir': str(tmp_path / 'output'),
                 'gmsa_secret_dir': str(tmp_path / 'secrets'), 'gmsa_applications': applications(with_aws),
                 'pst_akv_password': AKV_PASSWORD, 'pst_rkc_password': RKC_PASSWORD}}}
    run = accounts_flow(tmp_path, inventory, core, env)

    run.state = lambda: json.loads(state.read_text())
    run.env, run.root, run.with_aws = env, tmp_path, with_aws
    yield run
    sweep(lab)


def table_row(run, gmsa):
    """The cells after gMSA and principal of verify.yml's row for ``gmsa`` (the default callback prints it as JSON)."""
    table = run.stdout[run.stdout.find('"msg": "gMSA'):].split('"')[3]
    line = next(line for line in table.split('\\n') if line.startswith(gmsa + ' '))
    return [cell.strip() for cell in line.split(' | ')][2:]


def recap(run, what):
    found = re.search(r'%s=(\d+)' % what, run.stdout.split('PLAY RECAP')[-1])
    assert found, run.output
    return int(found.group(1))


def key_vault_secret(state, name):
    versions = state['key_vaults'][VAULT]['secrets'].get(name, [])
    return versions[-1]['value'] if versions else None


def aws_values(lab, env):
    """What the AWS stand-in holds, read with boto3: {application: secret text}."""
    found = stored(lab, env, [SECRET_ARN], ['/gmsa/pstssm01-ccg'])
    return {name: found[key] for name, key in ((AWS, SECRET_ARN), (SSM, '/gmsa/pstssm01-ccg')) if key in found}


def logs_on_and_reads_the_gmsa_password(lab, tmp_path, gmsa, domain, username, password):
    """Step 3 of ccg.exe's flow, with the credentials from the store: a TGT for the portable user, then its read of
    the gMSA's password."""
    assert domain == lab.env['GMSA_AD_DOMAIN']
    lab.kinit('%s@%s' % (username, domain.upper()), password, tmp_path / ('ccache-%s' % gmsa))
    blob = read_managed_password(lab, 'CN=%s,CN=Managed Service Accounts,%s' % (gmsa, lab.domain_dn), username, password)
    assert len(current_password(blob)) == 256


# The AD modules need ldap3, which only the newest core's virtualenv holds; the delivery alone runs on both below.
CASES = [pytest.param(('newest', True), id='newest-azure-aws')]


@pytest.mark.parametrize('flow', CASES, indirect=True)
def test_the_portable_identity_reaches_each_store_in_its_plugin_s_format(lab, flow, tmp_path):
    before = flow.state()
    checked = flow('accounts.yml', '--check')
    assert checked.rc == 0, checked.output
    assert flow.state()['key_vaults'] == before['key_vaults'], 'check mode wrote to the stand-in Key Vault'
    if flow.with_aws:
        assert aws_values(lab, flow.env) == {}, 'check mode wrote to the AWS stand-in'

    done = flow('accounts.yml')
    assert done.rc == 0, done.output
    state = flow.state()
    # Azure Key Vault: <domain>\<user>:<password>, which the plug-in splits at the first \ and the first : after it.
    value = key_vault_secret(state, 'pstakv01-ccg')
    assert value == 'gmsa.test\\%s-ccg:%s' % (AKV, AKV_PASSWORD)
    domain, _backslash, rest = value.partition('\\')
    username, _colon, password = rest.partition(':')
    assert password == AKV_PASSWORD
    logs_on_and_reads_the_gmsa_password(lab, tmp_path, AKV, domain, username, password)
    # Every call the stand-in recorded is without the secret.
    assert AKV_PASSWORD not in json.dumps(state.get('calls', []))
    if flow.with_aws:
        stored = aws_values(lab, flow.env)
        assert sorted(stored) == [AWS, SSM]
        for gmsa, text in stored.items():
            document = json.loads(text)
            assert sorted(document) == ['domainName', 'password', 'username']
            assert document['username'] == gmsa + '-ccg'
            generated = (flow.root / 'secrets' / (gmsa + '-ccg')).read_text().strip()
            assert document['password'] == generated
            logs_on_and_reads_the_gmsa_password(lab, tmp_path, gmsa, document['domainName'], document['username'],
                                                document['password'])
    output = done.output + checked.output
    assert AKV_PASSWORD not in output and RKC_PASSWORD not in output

    again = flow('accounts.yml')
    assert again.rc == 0, again.output
    assert recap(again, 'changed') == 0, again.stdout
    assert len(flow.state()['key_vaults'][VAULT]['secrets']['pstakv01-ccg']) == 1, 'a second run wrote a new version'

    # verify.yml with the credentials from the stores: what the hosts will really log on with.
    verified = flow('verify.yml', '-e', 'gmsa_verify_credentials_from=store')
    assert verified.rc == 0, verified.output
    for gmsa in [AKV, RKC] + ([AWS, SSM] if flow.with_aws else []):
        assert table_row(verified, gmsa) == ['ok'] * 7 + ['-'], verified.stdout
    assert AKV_PASSWORD not in verified.output and RKC_PASSWORD not in verified.output


@pytest.mark.parametrize('flow', [pytest.param(('newest', False), id='newest')], indirect=True)
def test_verify_from_a_store_holding_another_password_fails_where_the_controller_passes(lab, flow):
    done = flow('accounts.yml')
    assert done.rc == 0, done.output
    state = flow.state()
    # Someone changed the Key Vault secret by hand: the controller's copy still works, the host's would not.
    state['key_vaults'][VAULT]['secrets']['pstakv01-ccg'][-1]['value'] = 'gmsa.test\\%s-ccg:Wrong-9a-Password' % AKV
    (flow.root / 'localhost.json').write_text(json.dumps(state))
    assert flow('verify.yml').rc == 0
    from_store = flow('verify.yml', '-e', 'gmsa_verify_credentials_from=store')
    assert from_store.rc != 0
    assert 'FAILED' in table_row(from_store, AKV), from_store.stdout
    assert 'Wrong-9a-Password' not in from_store.output


@pytest.mark.parametrize('core', ['oldest', 'newest'])
def test_the_key_vault_delivery_alone_converges_on_each_core(tmp_path, core):
    """The role's delivery step with the portable credentials handed to it, as present.yml hands them; no DC."""
    state = tmp_path / 'localhost.json'
    state.write_text(json.dumps({'key_vaults': {VAULT: {'secrets': {}}}}))
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'standin_state': str(state)}}}}))
    (tmp_path / 'vars.yml').write_text(yaml.safe_dump({
        'service_accounts_applications': applications(False), 'pst_akv_password': AKV_PASSWORD,
        'pst_rkc_password': RKC_PASSWORD,
        'pst_credentials': {AKV: {'domain': 'gmsa.test', 'username': AKV + '-ccg', 'password': AKV_PASSWORD}}}))
    deliver = {'name': 'Deliver', 'ansible.builtin.include_role': {'name': 'wincontainers.gmsa.service_accounts',
                                                                   'tasks_from': 'deliver.yml'},
               'vars': {'service_accounts_deliveries': "{{ service_accounts_applications | "
                                                       "wincontainers.gmsa.portable_secrets(pst_credentials) }}"}}
    (tmp_path / 'deliver.yml').write_text(yaml.safe_dump([{'name': 'Deliver', 'hosts': 'localhost', 'gather_facts': False,
                                                           'tasks': [deliver]}]))

    def run(*args):
        return run_playbook(tmp_path / 'deliver.yml', tmp_path / 'inventory.yml', core=core, callback='default',
                            extra_args=('-e', '@%s' % (tmp_path / 'vars.yml'), *args))

    checked = run('--check')
    assert checked.rc == 0, checked.output
    assert json.loads(state.read_text())['key_vaults'][VAULT]['secrets'] == {}
    done = run()
    assert done.rc == 0 and recap(done, 'changed') == 1, done.output
    assert key_vault_secret(json.loads(state.read_text()), 'pstakv01-ccg') == 'gmsa.test\\%s-ccg:%s' % (AKV, AKV_PASSWORD)
    again = run()
    assert again.rc == 0 and recap(again, 'changed') == 0, again.output
    for run_ in (checked, done, again):
        assert AKV_PASSWORD not in run_.output
