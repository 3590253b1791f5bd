from __future__ import annotations

import ssl

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._action import MASK, scrub
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import describe_result, describe_tls_failure


def test_insufficient_rights_names_the_account():
    line = describe_result({'description': 'insufficientAccessRights', 'message': '00002098: no create-child'},
                           'svc@CONTOSO.COM')
    assert 'svc@CONTOSO.COM' in line and 'no create-child' in line


def test_unknown_result_codes_still_read_as_a_sentence():
    assert describe_result({'description': 'other', 'message': 'odd'}) == 'the domain controller answered other: odd'


def test_untrusted_certificate_points_at_ca_cert():
    error = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: '
                                            'unable to get local issuer certificate (_ssl.c:1006)')
    line = describe_tls_failure(error, 'dc1')
    assert 'not trusted (unable to get local issuer certificate)' in line and 'ca_cert' in line


def test_expired_certificate_says_expired():
    error = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: '
                                            'certificate has expired (_ssl.c:1006)')
    assert 'has expired' in describe_tls_failure(error, 'dc1')


def test_scrub_masks_secrets_at_any_depth():
    result = {'msg': 'bind as x with Hunter2 failed', 'nested': [{'a': 'Hunter2'}, 3], 'flag': True}
    assert scrub(result, ['Hunter2']) == {'msg': 'bind as x with %s failed' % MASK, 'nested': [{'a': MASK}, 3], 'flag': True}


def test_scrub_masks_only_the_secrets_that_occur_among_many():
    secrets = ['Secret-%03d-Pw!' % index for index in range(500)]
    result = {'applications': [{'msg': 'user %d' % index} for index in range(100)] + [{'msg': 'x Secret-250-Pw! y'}]}
    scrubbed = scrub(result, secrets)
    assert scrubbed['applications'][-1] == {'msg': 'x %s y' % MASK}
    assert scrubbed['applications'][:100] == result['applications'][:100]
