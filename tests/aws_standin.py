"""The AWS stand-in: moto's server mode on loopback, where the lab DC is reachable. Not AWS.

The real community.aws modules and amazon.aws lookups reach it through AWS_URL (their endpoint_url option's
environment variable) with dummy credentials; the tests read it back with boto3, not with the collection.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REGION, ACCOUNT = 'eu-west-1', '123456789012'   # moto's default account


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def aws_standin(lab, log_dir):
    """moto_server for the time of the block; yields the environment that points the AWS modules at it.
    Its log goes to ``log_dir``, which should be outside the folders a secrets sweep searches."""
    moto = shutil.which('moto_server', path=str(Path(sys.executable).parent))
    if not moto:
        raise RuntimeError('moto_server is not installed: pip install "moto[server]" (tests/requirements.txt)')
    port = _free_port()
    with open(Path(log_dir) / 'moto.log', 'w') as log:
        server = subprocess.Popen(lab.in_lab_net([moto, '-H', '127.0.0.1', '-p', str(port)]), stdout=log, stderr=log)
        try:
            for _attempt in range(200):
                try:
                    subprocess.run(lab.in_lab_net([sys.executable, '-c', 'import socket; socket.create_connection('
                                                   '("127.0.0.1", %d), timeout=0.2).close()' % port]),
                                   check=True, capture_output=True)
                    break
                except subprocess.CalledProcessError:
                    time.sleep(0.1)
            yield {'AWS_URL': 'http://127.0.0.1:%d' % port, 'AWS_ACCESS_KEY_ID': 'standin',
                   'AWS_SECRET_ACCESS_KEY': 'standin', 'AWS_REGION': REGION, 'AWS_DEFAULT_REGION': REGION}
        finally:
            server.terminate()
            server.wait(timeout=10)


_READER = r"""
import json, sys
import boto3
env, secret_ids, parameter_names = json.loads(sys.argv[1])
def client(service):
    return boto3.client(service, endpoint_url=env['AWS_URL'], region_name=env['AWS_REGION'],
                        aws_access_key_id=env['AWS_ACCESS_KEY_ID'], aws_secret_access_key=env['AWS_SECRET_ACCESS_KEY'])
found = {}
secrets = client('secretsmanager')
names = {entry['Name'] for entry in secrets.list_secrets()['SecretList']}
for secret_id in secret_ids:
    if secret_id.split(':secret:')[-1] in names:
        found[secret_id] = secrets.get_secret_value(SecretId=secret_id)['SecretString']
for parameter in client('ssm').get_parameters(Names=parameter_names or ['-'], WithDecryption=True)['Parameters']:
    found[parameter['Name']] = parameter['Value']
print(json.dumps(found))
"""


def stored(lab, env, secret_ids=(), parameter_names=()):
    """{secret ARN or parameter name: its text} of those the stand-in holds, read with boto3 where the stand-in is
    reachable (the DC's network namespace, if it has one)."""
    done = subprocess.run(lab.in_lab_net([sys.executable, '-c', _READER,
                                          json.dumps([env, list(secret_ids), list(parameter_names)])]),
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout)
