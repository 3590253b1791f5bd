# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The directory layer: the only code that imports ldap3.

Connection settings and the choice of domain controller, TLS, the binds (simple, Kerberos, NTLM
through GSS-SPNEGO, both with the TLS channel binding), the doctor's test binds, ``Directory`` with its search, read, add,
modify and delete and the change builders a modify takes, the errors that carry the DC's result code,
and the codecs of what AD stores (SIDs, GUIDs, FILETIMEs, DNs, security descriptors). The rest of the
collection uses the names below; the submodules are this package's own. See docs/architecture.md.
"""

from __future__ import annotations

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._codecs import (
    FILETIME_EPOCH,
    datetime_to_filetime,
    dn_to_dns_name,
    filetime_to_datetime,
    generalized_time_to_datetime,
    guid_to_string,
    iso,
    sid_to_bytes,
    sid_to_string,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._connect import bind_refusal, connect
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._directory import (
    AccountsRead,
    Change,
    SECURITY_DESCRIPTOR,
    Directory,
    DomainFacts,
    Entry,
    add_values,
    clear,
    delete_values,
    directory_for,
    escape_filter_bytes,
    escape_filter_value,
    open_directories,
    replace_values,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._dn import (
    check_dn,
    common_name,
    dn_key,
    first_rdn,
    object_dn,
    parent_dn,
    same_dn,
    split_dn,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._errors import (
    ConnectionLostError,
    DirectoryError,
    TLSRefusedError,
    describe_missing_rights,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._probes import (
    clear_text_simple_bind,
    ntlm_bind_without_channel_binding,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._security_descriptor import (
    SecurityDescriptor,
    SecurityDescriptorError,
    build_membership_descriptor,
    owner_descriptor,
    owner_of_descriptor,
    parse_security_descriptor,
)
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap._settings import (
    CONNECTION_ARGUMENT_SPEC,
    SRV_RECORD,
    Candidate,
    ConnectionSettings,
    candidates_for,
    discover_domain_controllers,
)

__all__ = [
    'AccountsRead', 'CONNECTION_ARGUMENT_SPEC', 'Candidate', 'Change', 'ConnectionLostError', 'ConnectionSettings',
    'Directory', 'DirectoryError', 'SECURITY_DESCRIPTOR', 'DomainFacts', 'Entry', 'FILETIME_EPOCH', 'SecurityDescriptor',
    'SRV_RECORD', 'SecurityDescriptorError', 'TLSRefusedError', 'add_values', 'bind_refusal', 'build_membership_descriptor',
    'candidates_for', 'check_dn', 'clear', 'clear_text_simple_bind', 'common_name', 'connect', 'datetime_to_filetime', 'delete_values',
    'describe_missing_rights', 'directory_for', 'discover_domain_controllers', 'dn_key', 'dn_to_dns_name',
    'escape_filter_bytes', 'escape_filter_value', 'filetime_to_datetime', 'first_rdn', 'generalized_time_to_datetime', 'guid_to_string', 'iso',
    'ntlm_bind_without_channel_binding',
    'object_dn', 'open_directories', 'owner_descriptor', 'owner_of_descriptor', 'parent_dn', 'parse_security_descriptor', 'replace_values', 'same_dn',
    'sid_to_bytes', 'sid_to_string', 'split_dn',
]
