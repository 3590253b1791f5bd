"""Adds and deletes directory objects over one LDAPS connection, for fixtures that samba-tool would make one
process at a time: a JSON request on stdin, the SIDs of the objects asked for on stdout.

Run where the DC is reachable (inside its network namespace). It uses ldap3 directly, never the collection, so
the state it makes does not depend on the code under test.

Request: {"server", "port", "ca_cert", "tls_name", "user", "password",
          "adds": [[dn, object_class, {attribute: value or [values], binary values as {"base64": ...}}]],
          "deletes": [dn], "sids_of": [dn]}
"""

from __future__ import annotations

import base64
import json
import ssl
import struct
import sys

import ldap3


def value(item):
    if isinstance(item, dict):
        return base64.b64decode(item['base64'])
    if isinstance(item, list):
        return [value(part) for part in item]
    return item


def sid_text(data):
    count = data[1]
    subs = struct.unpack('<%dI' % count, data[8:8 + 4 * count])
    return 'S-%d-%d%s' % (data[0], int.from_bytes(data[2:8], 'big'), ''.join('-%d' % sub for sub in subs))


def main():
    request = json.load(sys.stdin)
    tls = ldap3.Tls(ca_certs_file=request['ca_cert'], validate=ssl.CERT_REQUIRED, sni=request['tls_name'],
                    valid_names=[request['tls_name']])
    server = ldap3.Server(request['server'], port=request['port'], use_ssl=True, tls=tls)
    connection = ldap3.Connection(server, request['user'], request['password'], auto_bind=True)
    for dn, object_class, attributes in request.get('adds', []):
        if not connection.add(dn, object_class, {name: value(item) for name, item in attributes.items()}):
            raise SystemExit('adding %s: %s' % (dn, connection.result))
    sids = {}
    for dn in request.get('sids_of', []):
        connection.search(dn, '(objectClass=*)', ldap3.BASE, attributes=['objectSid'])
        sids[dn] = sid_text(connection.response[0]['raw_attributes']['objectSid'][0])
    for dn in request.get('deletes', []):
        if not connection.delete(dn):
            raise SystemExit('deleting %s: %s' % (dn, connection.result))
    json.dump(sids, sys.stdout)


if __name__ == '__main__':
    main()
