from __future__ import annotations

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Change, DirectoryError, Entry
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects import USER, Task
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._engine import plan_object
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._objects._user import (
    bind_refusal_means_current,
    check_upn,
    encode_password,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks._options import Mode


def test_unicode_pwd_is_the_quoted_password_in_utf16le():
    assert encode_password('Pä1!') == '"Pä1!"'.encode('utf-16-le')


@pytest.mark.parametrize('current, enabled, never_expires, wanted', [
    (0x200, True, False, 0x200),
    (0x200, False, None, 0x202),
    (0x202, True, None, 0x200),
    (0x200, None, True, 0x10200),
    (0x10202, True, False, 0x200),
    (0x200 | 0x80, True, None, 0x280),   # flags the module does not manage stay
])
def test_only_the_managed_flags_change(current, enabled, never_expires, wanted):
    user = Entry('CN=u,CN=Users,DC=x', {'sAMAccountName': [b'u'], 'userAccountControl': [str(current).encode()]})
    task = Task(None, dict(enabled=enabled, password_never_expires=never_expires, password=None), Mode())
    task.name = task.sam = 'u'
    plan = plan_object(task, USER, user)
    written = plan.requests[0].get('userAccountControl') if plan.requests else None
    assert written == ([Change('replace', (str(wanted),))] if wanted != current else None)


@pytest.mark.parametrize('message, current', [
    ('80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1', False),
    ('80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 533, v1db1', True),
    ('80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 773, v1db1', True),
    ('80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 775, v1db1', None),
    ('something else', None),
])
def test_a_refused_bind_tells_whether_the_password_was_right(message, current):
    refusal = DirectoryError('the domain controller refused the credentials',
                             {'description': 'invalidCredentials', 'message': message})
    assert bind_refusal_means_current(refusal.data_code) is current


@pytest.mark.parametrize('upn', ['plain', '@contoso.com', 'a@', 'a b@c.d', 'a@b@c'])
def test_upn_must_be_name_at_domain(upn):
    with pytest.raises(ADInputError, match='^upn: '):
        check_upn(upn)
