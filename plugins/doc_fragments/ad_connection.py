# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options of plugins/plugin_utils/_ldap/_settings.py, shared by every AD-side module.
    DOCUMENTATION = r'''
options:
  domain_server:
    description:
      - Domain controllers to connect to, tried in order; when one does not answer, the next is tried.
      - When not given, the controllers of O(domain_name) are found through the DNS SRV record
        C(_ldap._tcp.dc._msdcs.<domain_name>). Every host the record names must be within O(domain_name), or the
        task fails. With O(auth=simple) or O(auth=ntlm), which hand the controller the password or a response made
        from it, one of O(ca_cert), O(tls_server_name) or O(trust_system_ca=true) is then required, since DNS alone
        would decide where the password goes; with O(validate_certs=false) they must be named here.
      - Falls back to the environment variable E(GMSA_AD_SERVER) (comma-separated).
    type: list
    elements: str
  domain_name:
    description:
      - DNS name of the domain, used to find its controllers when O(domain_server) is not given.
      - Falls back to the environment variable E(GMSA_AD_DOMAIN).
    type: str
  domain_port:
    description:
      - TCP port of the LDAP service.
      - Defaults to V(636) with O(tls_mode=ldaps) and V(389) with O(tls_mode=start_tls).
      - Falls back to the environment variable E(GMSA_AD_PORT).
    type: int
  tls_mode:
    description:
      - How the connection is protected. Both encrypt everything before any credential is sent; there is no clear-text mode.
      - V(ldaps) is TLS from the first byte; V(start_tls) upgrades a plain LDAP connection before binding.
      - Falls back to the environment variable E(GMSA_AD_TLS_MODE).
    type: str
    choices: [ldaps, start_tls]
    default: ldaps
  validate_certs:
    description:
      - Whether the domain controller's certificate must be trusted and name the server.
      - Set to V(false) only in a throwaway lab; the connection is then open to interception.
      - Falls back to the environment variable E(GMSA_AD_VALIDATE_CERTS).
    type: bool
    default: true
  ca_cert:
    description:
      - PEM file of the certificate authorities to trust for the domain controller certificate.
      - When not given, the controller's system trust store is used.
      - Falls back to the environment variable E(GMSA_AD_CA_CERT).
    type: path
  tls_server_name:
    description:
      - Name the certificate must carry, when O(domain_server) is given as an address or an alias.
        It is also the host name of the C(ldap/) service principal for O(auth=kerberos).
      - With the controllers found through DNS, the name every controller's certificate must carry, in place of the
        host name the SRV record gives (for example the domain's DNS name, which certificates of the Domain
        Controller Authentication and Kerberos Authentication templates carry). Leave it unset there with
        O(auth=kerberos), so that each controller's service principal is named by its host name.
      - Falls back to the environment variable E(GMSA_AD_TLS_SERVER_NAME).
    type: str
  trust_system_ca:
    description:
      - Whether, with the controllers found through DNS and O(auth=simple) or O(auth=ntlm), the system trust store
        is enough to trust them, without O(ca_cert) or O(tls_server_name). Any host DNS names that holds a
        certificate from a publicly trusted CA for its own name within O(domain_name) is then believed to be a
        domain controller, so set it only where DNS is trusted as much as the controllers.
      - Has no effect when O(domain_server) is given, with O(auth=kerberos), or with O(ca_cert), which replaces the
        system trust store.
      - Falls back to the environment variable E(GMSA_AD_TRUST_SYSTEM_CA).
    type: bool
    default: false
  auth:
    description:
      - How to authenticate.
      - V(simple) binds with O(domain_username) and O(domain_password) inside TLS.
      - V(kerberos) binds with GSSAPI and the TLS channel binding, with a ticket obtained from O(domain_username) and O(domain_password)
        in memory, or when no password is given, the ticket cache (C(kinit), E(KRB5CCNAME)).
        Needs the Python library C(gssapi).
      - V(ntlm) binds with NTLM inside SASL GSS-SPNEGO, with O(domain_username) and O(domain_password), and
        sends the TLS channel binding, so it works where domain controllers enforce LDAP channel binding.
        Needs the Python library C(pyspnego).
      - Falls back to the environment variable E(GMSA_AD_AUTH).
    type: str
    choices: [simple, kerberos, ntlm]
    default: simple
  domain_username:
    description:
      - Account to bind as, as C(user@REALM), C(DOMAIN\user) or a DN.
      - Falls back to the environment variable E(GMSA_AD_USERNAME).
    type: str
  domain_password:
    description:
      - Password of O(domain_username). It is never written to output, logs or files.
      - Falls back to the environment variable E(GMSA_AD_PASSWORD).
    type: str
  connect_timeout:
    description:
      - Seconds to wait for a domain controller to answer before trying the next one.
      - Falls back to the environment variable E(GMSA_AD_CONNECT_TIMEOUT).
    type: int
    default: 10
requirements:
  - ldap3 on the controller
  - dnspython on the controller, to find domain controllers through DNS
  - gssapi on the controller, for O(auth=kerberos)
  - pyspnego on the controller, for O(auth=ntlm)
notes:
  - Runs on the Ansible controller, not on the target host; the target may be a Windows host without Python.
  - All the items of a loop share one connection to the domain controller.
  - Set these options once for a play with C(module_defaults) and the action group C(group/wincontainers.gmsa.ad).
'''

    # The attributes of the modules that only read: domain_info, verify, report, doctor.
    READ_ONLY = r'''
attributes:
  check_mode:
    description: Reads only, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Reads only; there is nothing to show.
    support: none
'''

    ATTRIBUTES = r'''
attributes:
  action:
    description: Runs on the controller as an action plugin.
    support: full
  action_group:
    description: Use C(group/wincontainers.gmsa.ad) in C(module_defaults) to set the connection options.
    support: full
    membership:
      - wincontainers.gmsa.ad
  async:
    description: Not supported.
    support: none
'''
