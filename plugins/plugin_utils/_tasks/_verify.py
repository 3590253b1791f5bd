# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The work of the verify module: Test-ADServiceAccount from Linux, with the principal's credentials or the
static checks alone. It only reads: check mode runs the same checks."""

from __future__ import annotations

import os

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import utc_now
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Options
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._verify import PrincipalCredentials, verify

VERIFY_OPTIONS = Options(dict(
    account=dict(type='str', required=True),
    principal=dict(type='str'),
    principal_username=dict(type='str'),
    principal_password=dict(type='str', no_log=True),
    principal_ccache=dict(type='path'),
    principal_keytab=dict(type='path'),
    kerberos=dict(type='bool', default=True),
    fail_on_error=dict(type='bool', default=True),
), mutually_exclusive=[
    ['principal', 'principal_username'],
    ['principal_password', 'principal_ccache', 'principal_keytab'],
])


def verify_account(directory, params, mode):  # pylint: disable=unused-argument
    """The module's result: every check's line, and failed with one line when one fails and fail_on_error."""
    credentials = principal_credentials(params)
    principal = params['principal'] if credentials is None else credentials.username
    report = verify(directory, params['account'], principal, credentials, params['kerberos'], utc_now())
    result = dict(report.as_dict(), changed=False, static_only=credentials is None)
    if report.failed and params['fail_on_error']:
        # The full result stays, so the failing checks can be read as well as the one line.
        result.update(failed=True, msg=report.failure_line())
    return result


def principal_credentials(params):
    """The principal's credentials from the options, or None for the static checks alone."""
    given = [name for name in ('principal_password', 'principal_ccache', 'principal_keytab') if params.get(name) is not None]
    if not params.get('principal') and not params.get('principal_username'):
        raise ADInputError('principal or principal_username is required: name the host identity that must read the '
                           'password (principal alone runs the static checks only)')
    if params.get('principal'):
        if given:
            raise ADInputError('%s belongs with principal_username, not principal: principal alone runs the static '
                               'checks only' % given[0])
        return None
    if not given:
        raise ADInputError('principal_username needs principal_password, principal_ccache or principal_keytab; '
                           'to run the static checks only, give principal instead')
    for name in ('principal_ccache', 'principal_keytab'):
        path = params.get(name)
        if path is not None and ':' not in path.split('/', 1)[0] and not os.path.isfile(path):
            raise ADInputError('no file %s; give the path of the principal\'s Kerberos %s'
                               % (path, 'ticket cache' if name == 'principal_ccache' else 'keytab'), name)
    return PrincipalCredentials(username=params['principal_username'], password=params.get('principal_password'),
                                ccache=params.get('principal_ccache'), keytab=params.get('principal_keytab'))
