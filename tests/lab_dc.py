"""The lab domain controller as the tests see it, through Samba's own tools.

Nothing here imports the collection: what the tests assert about the DC is
read independently of the code under test.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB_SCRIPT = REPO / 'tests' / 'lab' / 'dc'


@dataclass
class LabDC:
    env: dict

    @classmethod
    def start(cls, lab_dir=None, netns=None, address=None):
        """The lab DC, started if need be. ``lab_dir`` and ``netns`` give a separate forest in its own namespace;
        an ``address`` other than 127.0.0.1 makes the DC that namespace's DNS server too."""
        script_env = dict(os.environ)
        if lab_dir:
            script_env.update(GMSA_LAB_DIR=str(lab_dir), GMSA_LAB_NETNS=netns or '')
        if address:
            script_env.update(GMSA_LAB_ADDRESS=address)
        subprocess.run([str(LAB_SCRIPT), 'up'], check=True, env=script_env)
        listing = subprocess.run([str(LAB_SCRIPT), 'env'], check=True, capture_output=True, text=True,
                                 env=script_env).stdout
        env = dict(re.findall(r'^export (\w+)=(.*)$', listing, re.M))
        return cls(env)

    def stop(self, purge=False):
        script_env = dict(os.environ, GMSA_LAB_DIR=self.env['GMSA_LAB_DIR'])
        subprocess.run([str(LAB_SCRIPT), 'down'] + (['--purge'] if purge else []), check=True, env=script_env)

    @property
    def password(self):
        return Path(self.env['GMSA_LAB_PASSWORD_FILE']).read_text().strip()

    @property
    def domain_dn(self):
        return ','.join('DC=' + part for part in self.env['GMSA_AD_DOMAIN'].split('.'))

    @property
    def sam_ldb(self):
        return os.path.join(self.env['GMSA_LAB_DIR'], 'private', 'sam.ldb')

    def connection_env(self):
        """The GMSA_AD_* variables an AWX credential type would inject, password included."""
        env = {key: value for key, value in self.env.items() if key.startswith('GMSA_AD_')}
        env['GMSA_AD_PASSWORD'] = self.password
        env['KRB5_CONFIG'] = self.env['KRB5_CONFIG']
        return env

    def in_lab_net(self, argv):
        """argv, run where the DC is reachable (inside its network namespace, if it has one)."""
        netns = self.env.get('GMSA_LAB_NETNS')
        return ['ip', 'netns', 'exec', netns] + list(argv) if netns else list(argv)

    def ldbsearch(self, base, ldap_filter='(objectClass=*)', attributes=(), scope='sub'):
        """Entries as {dn: {attribute: [values]}}, read from the DC's own database file."""
        out = subprocess.run(['ldbsearch', '-H', self.sam_ldb, '-b', base, '-s', scope, ldap_filter, *attributes],
                             check=True, capture_output=True, text=True).stdout
        return parse_ldif(out)

    def highest_committed_usn(self):
        """The DC's rootDSE highestCommittedUSN: it grows with every write, so equal values mean nothing was written."""
        out = subprocess.run(self.in_lab_net(['ldbsearch', '-H', 'ldap://' + self.env['GMSA_AD_SERVER'], '-A', self.env['GMSA_LAB_AUTH_FILE'],
                                              '-b', '', '-s', 'base', 'highestCommittedUSN']),
                             check=True, capture_output=True, text=True).stdout
        return int(re.search(r'^highestCommittedUSN: (\d+)$', out, re.M).group(1))

    def samba_tool(self, *args, check=True):
        return subprocess.run(self.in_lab_net(['samba-tool', *args, '-H', 'ldap://' + self.env['GMSA_AD_SERVER'],
                                               '-A', self.env['GMSA_LAB_AUTH_FILE']]),
                              check=check, capture_output=True, text=True)

    def joined_computer(self, name):
        """A computer account as a Windows host's join leaves it: with its dNSHostName, <name>.<domain>, which
        samba-tool does not write (the host's Netlogon does)."""
        self.samba_tool('computer', 'create', name)
        ldif = ('dn: CN=%s,CN=Computers,%s\nchangetype: modify\nreplace: dNSHostName\ndNSHostName: %s.%s\n'
                % (name, self.domain_dn, name.lower(), self.env['GMSA_AD_DOMAIN']))
        subprocess.run(['ldbmodify', '-H', self.sam_ldb], input=ldif, text=True, check=True, capture_output=True)

    def kinit(self, principal, password, ccache):
        env = dict(os.environ, KRB5_CONFIG=self.env['KRB5_CONFIG'], KRB5CCNAME='FILE:%s' % ccache)
        subprocess.run(self.in_lab_net(['kinit', principal]), input=password + '\n', text=True,
                       check=True, env=env, capture_output=True)


def parse_ldif(text):
    """ldbsearch's LDIF as {dn: {attribute: [values]}}: folded lines joined, ``name:: base64`` values decoded
    (to text when they are UTF-8, else left as bytes), referrals and comments skipped."""
    entries, current = {}, None
    for line in unfolded_lines(text):
        if not line.strip():
            current = None
            continue
        if line.startswith('#') or ':' not in line:
            continue
        name, _separator, value = line.partition(':')
        value = decoded(value[1:].strip()) if value.startswith(':') else value.strip()
        if name == 'dn':
            current = entries.setdefault(value, {})
        elif name == 'ref':
            current = None
        elif current is not None:
            current.setdefault(name, []).append(value)
    return entries


def unfolded_lines(text):
    """LDIF lines with their continuations (lines starting with one space) joined (RFC 2849)."""
    lines = []
    for line in text.splitlines():
        if line.startswith(' ') and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def decoded(value):
    data = base64.b64decode(value)
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return data
