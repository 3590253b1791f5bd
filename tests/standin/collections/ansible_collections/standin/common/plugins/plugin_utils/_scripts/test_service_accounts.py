"""Model of roles/container_host/files/test_service_accounts.ps1: Test-ADServiceAccount, or the same fact read over
LDAP where AD Web Services do not answer; the tickets of the SYSTEM logon session purged on request."""

from __future__ import annotations

import re

from ansible_collections.standin.common.plugins.plugin_utils._powershell import Failure, PSCustomObject

SCRIPT = 'test_service_accounts.ps1'
SHA256 = '81e1b7421827bc58f4d89e3171c5fc484fe308db2d7d85e1bd988653735f3fcc'

# The message of Microsoft.ActiveDirectory.Management.ADServerDownException.
ADWS_DOWN = ('Unable to contact the server. This may be because this server does not exist, it is currently down, or '
             'it does not have the Active Directory Web Services running.')
FILTER = '(&(objectClass=msDS-GroupManagedServiceAccount)(sAMAccountName=%s))'


def ldap_filter_value(value):
    """ConvertTo-LdapFilterValue: RFC 4515's escapes of \\ * ( ) and NUL."""
    return ''.join('\\%02x' % ord(char) if char in '\\*()\0' else char for char in value)


def search(host, value):
    """DirectorySearcher.FindOne of the gMSA whose sAMAccountName the filter's value names, as an LDAP server reads the
    filter (RFC 4515): an unescaped parenthesis breaks it, an unescaped * matches any characters."""
    if re.search(r'(?<!\\)[()]', value):
        raise Failure('The %s search filter is invalid.' % (FILTER % value), 'System.ArgumentException')
    pattern = ''.join('.*' if part == '*' else re.escape(bytes.fromhex(part[1:]).decode('latin-1') if part.startswith('\\') else part)
                      for part in re.findall(r'\\[0-9a-fA-F]{2}|\*|[^\\*]', value))
    ad = host.state.get('ad') or {}
    return next((name for name in ad.get('gmsas', []) if re.fullmatch(pattern, name + '$', re.IGNORECASE)), None)


def test_over_ldap(ps, account):
    name = ps.run(25, '$name = ConvertTo-LdapFilterValue "$Account`$"', lambda: ldap_filter_value(account + '$'))
    found = ps.method(30, '$found = $searcher.FindOne()', lambda: search(ps.host, name), 'FindOne')
    if not found:
        return False, 'there is no gMSA %s in the domain' % account
    if found in ps.host.state.get('tickets', []):
        return True, ''
    return False, 'the domain controller does not give this computer the password'


def test_ad_service_account(ps, account):
    ad = ps.host.state.get('ad') or {}
    if not ad.get('adws_reachable', True):
        raise Failure(ADWS_DOWN, 'Microsoft.ActiveDirectory.Management.ADServerDownException')
    if account not in ad.get('gmsas', []):
        raise Failure("Cannot find an object with identity: '%s' under: 'DC=gmsa,DC=test'." % account,
                      'Microsoft.ActiveDirectory.Management.ADIdentityNotFoundException')
    return account in ps.host.state.get('tickets', [])


def run(ps, params):
    ps.stop_on_errors(13, "$ErrorActionPreference = 'Stop'")
    ps.strict_mode(14, 'Set-StrictMode -Version 2.0')

    def body():
        ps.ansible['Changed'] = ps.run(37, '$Ansible.Changed = $false', lambda: False)
        if params.get('RefreshTickets') and ps.should_process(38, "$PSCmdlet.ShouldProcess('the SYSTEM logon session'"):
            ps.run(40, '$null = klist.exe -li 0x3e7 purge', ps.host.refresh_tickets)
            ps.ansible['Changed'] = ps.run(42, '$Ansible.Changed = $true', lambda: True)
        for account in params.get('Accounts') or []:
            test = PSCustomObject(name=account, usable=False, method='Test-ADServiceAccount', reason='')

            def with_adws():
                test['usable'] = ps.cmdlet(48, '$test.usable = [bool](Test-ADServiceAccount -Identity $account',
                                           lambda: test_ad_service_account(ps, account))
                ps.run(49, "$test.reason = $warnings -join ' '")

            def without_adws(record):
                if not record['exception']['type'].endswith('.ADServerDownException'):
                    test['reason'] = ps.run(53, '$test.reason = $_.Exception.Message', lambda: record['exception']['message'])
                    return
                test['adws'] = ps.run(56, '$test.adws = $_.Exception.Message', lambda: record['exception']['message'])
                test['method'] = ps.run(57, "$test.method = 'LDAP'", lambda: 'LDAP')

                def over_ldap():
                    test['usable'], test['reason'] = test_over_ldap(ps, account)
                    ps.run(58, '$test.usable, $test.reason = Test-OverLdap $account')

                ps.try_(58, 'try { $test.usable, $test.reason = Test-OverLdap $account }', over_ldap,
                        catch=lambda failure: test.update(reason=failure['exception']['message']))

            ps.try_(47, 'try {', with_adws, catch=without_adws)
            ps.emit(test)
            ps.run(62, '[pscustomobject]$test')

    def fail(record):
        ps.throw(66, 'throw "Testing the gMSAs on this host failed: $($_.Exception.Message)"',
                 'Testing the gMSAs on this host failed: %s' % record['exception']['message'])

    ps.try_(36, 'try {', body, catch=fail)
