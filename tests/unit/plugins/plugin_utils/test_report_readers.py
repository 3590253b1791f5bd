"""The pure parts of the report: the entries evaluated in order against nested groups, the report built from what
was read, and its Markdown and HTML."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.wincontainers.gmsa.plugins.filter.gmsa_report import FilterModule
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._kds import root_key_id_of
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._naming import account_of_spec_file
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report import build_report, html_page, markdown
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._render import COLUMNS
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._collect import Account, Collected, Holder
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._readers import (
    EVERYONE,
    Entry,
    Graph,
    Principal,
    evaluate,
)

DOMAIN = 'S-1-5-21-1-2-3-'
ALICE, CAROL, TIER1, TIER2, TIER3, GONE = (DOMAIN + rid for rid in ('1101', '1102', '1201', '1202', '1203', '1999'))
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
# msDS-ManagedPasswordId as Samba 4.22 wrote it for a gMSA of the lab forest gmsa.test.
PASSWORD_ID = bytes.fromhex('010000004b44534b020000006c010000130000000700000'
                            '0bae1f34b8a88cf4fb8d0334ec3029f2d00000000140000001400000067006d00730061002e0074006500'
                            '730074000000670'
                            '06d00730061002e0074006500730074000000')


def nested_graph():
    """alice in Tier3 in Tier2 in Tier1; carol in Tier2."""
    graph = Graph()
    for sid, name, kind in ((ALICE, 'alice', 'user'), (CAROL, 'carol', 'user'), (TIER1, 'Tier1', 'group'),
                            (TIER2, 'Tier2', 'group'), (TIER3, 'Tier3', 'group')):
        graph.principals[sid] = Principal(sid, name, kind, dn='CN=%s,DC=x' % name)
    for member, group in ((ALICE, TIER3), (TIER3, TIER2), (TIER2, TIER1), (CAROL, TIER2)):
        graph.add_edge(member, group)
    return graph


def names(decisions):
    return sorted(decision.principal.name for decision in decisions)


def test_a_reader_three_groups_down_reads_by_its_path():
    readers, denied = evaluate([Entry(1, True, TIER1, True)], nested_graph())
    assert names(readers) == ['alice', 'carol'] and not denied
    alice = next(decision for decision in readers if decision.principal.name == 'alice')
    assert alice.path == (ALICE, TIER3, TIER2, TIER1)


def test_a_deny_before_the_allow_removes_the_reader_and_says_which_allow_it_overrules():
    readers, denied = evaluate([Entry(1, False, CAROL, True), Entry(2, True, TIER1, True)], nested_graph())
    assert names(readers) == ['alice']
    assert names(denied) == ['carol']
    assert denied[0].entry.index == 1 and denied[0].overruled[0].index == 2


def test_entries_count_in_order_an_allow_before_a_deny_wins():
    readers, denied = evaluate([Entry(1, True, TIER1, True), Entry(2, False, TIER2, True)], nested_graph())
    assert names(readers) == ['alice', 'carol'] and not denied


def test_a_deny_of_everyone_denies_every_reader():
    readers, denied = evaluate([Entry(1, False, EVERYONE, True), Entry(2, True, TIER1, True)], nested_graph())
    assert not readers and names(denied) == ['alice', 'carol']
    assert denied[0].path[-1] == EVERYONE


def test_an_entry_that_does_not_cover_reading_counts_for_nothing():
    readers, _denied = evaluate([Entry(1, False, CAROL, False), Entry(2, True, TIER1, True)], nested_graph())
    assert names(readers) == ['alice', 'carol']


def test_a_sid_without_an_object_reads_as_itself():
    readers, _denied = evaluate([Entry(1, True, GONE, True)], nested_graph())
    assert [(decision.principal.kind, decision.path) for decision in readers] == [('unresolved SID', (GONE,))]


def test_a_membership_cycle_ends():
    graph = nested_graph()
    graph.add_edge(TIER1, TIER3)
    readers, _denied = evaluate([Entry(1, True, TIER1, True)], graph)
    assert names(readers) == ['alice', 'carol']


def test_the_root_key_of_a_password_id():
    assert root_key_id_of(PASSWORD_ID) == '4bf3e1ba-888a-4fcf-b8d0-334ec3029f2d'
    assert root_key_id_of(b'') is None and root_key_id_of(b'\0' * 40) is None


@pytest.mark.parametrize('file_name, account', [
    ('gmsa_webapp01.json', 'webapp01'), ('GMSA_Web.json', 'web'), ('other_webapp01.json', None), ('gmsa_.json', None),
])
def test_the_account_a_credential_spec_file_is_named_after(file_name, account):
    assert account_of_spec_file('GMSA', file_name) == account


# ------------------------------------------------------------ the report
class Facts:
    dns_name = 'gmsa.test'
    netbios_name = 'GMSA'
    forest_dns_name = 'gmsa.test'


def account(name, entries, spns=(), key='4bf3e1ba-888a-4fcf-b8d0-334ec3029f2d'):
    return Account(name=name, sam_account_name=name + '$', dn='CN=%s,CN=Managed Service Accounts,DC=x' % name,
                   sid=DOMAIN + str(3000 + sum(map(ord, name))), enabled=True, dns_hostname=name + '.gmsa.test',
                   spns=tuple(spns), encryption_types=('aes128', 'aes256'), password_interval_days=30,
                   password_last_set=datetime(2026, 11, 20, tzinfo=timezone.utc), root_key_id=key,
                   entries=tuple(entries))


def collected(accounts, **extra):
    holders = {'http/dup': ['CN=web,CN=Managed Service Accounts,DC=x', 'CN=bob,DC=x']}
    return Collected(facts=Facts(), accounts=accounts, root_key_ids=['4bf3e1ba-888a-4fcf-b8d0-334ec3029f2d'],
                     spn_holders=holders, spn_scope='forest', graph=nested_graph(), **extra)


def holder(name, kind, description='', groups=(), enabled=True, expires=False):
    return Holder(name=name, dn='CN=%s,DC=x' % name, sid=DOMAIN + '4000', kind=kind, description=description,
                  enabled=enabled, password_expires=expires, groups=tuple(groups))


def sample_report():
    web = account('web', [Entry(1, False, CAROL, True), Entry(2, True, TIER1, True)], spns=['host/web', 'http/dup'])
    old = account('old', [Entry(1, True, GONE, True)], key='00000000-0000-0000-0000-000000000001')
    state = collected([old, web], groups=[
        holder('goneHosts', 'group', 'Container hosts allowed to retrieve the password of the gone gMSA'),
        holder('webHosts', 'group', 'Container hosts allowed to retrieve the password of the web gMSA'),
        holder('appHosts', 'group')], users=[
        holder('app-ccg', 'user', groups=[], enabled=False, expires=True),
        holder('fine-ccg', 'user', groups=['CN=webHosts,DC=x'])])
    applications = [{'name': 'web', 'additional_accounts': [], 'group': {'sam_account_name': 'webHosts'},
                     'portable_user': None},
                    {'name': 'app', 'additional_accounts': [], 'group': {'sam_account_name': 'appHosts'},
                     'portable_user': {'users': [{'sam_account_name': 'app-ccg'}]}}]
    ledgers = {'host01': '# ledger\ngmsa_web.json\ngmsa_gone.json\nother_x.json\n'}
    return build_report(state, state.accounts, applications, ledgers, NOW)


def row(report, name):
    return next(item for item in report['service_accounts'] if item['name'] == name)


def test_a_row_has_its_readers_denied_duplicates_schedule_key_and_applications():
    web = row(sample_report(), 'web')
    assert [item['text'] for item in web['readers']] == [
        'alice \u2192 Tier3 \u2192 Tier2 \u2192 Tier1 (ACE 2: allow)']
    assert web['denied'][0]['allowed_by']['text'] == 'carol \u2192 Tier2 \u2192 Tier1 (ACE 2: allow)'
    assert web['duplicate_spns'] == [{'spn': 'http/dup', 'holders': ['CN=bob,DC=x']}]
    assert web['next_rollover'] == '2026-12-20T00:00:00Z'
    assert web['kds_root_key'] == {'id': '4bf3e1ba-888a-4fcf-b8d0-334ec3029f2d', 'exists': True}
    assert web['applications'] == ['web']


def test_a_gone_key_and_an_unresolved_reader_are_problems():
    old = row(sample_report(), 'old')
    assert 'its KDS root key 00000000-0000-0000-0000-000000000001 no longer exists' in old['problems']
    assert '%s resolves to no object' % GONE in old['problems']
    assert old['applications'] == []


def test_the_loose_ends_of_the_fleet():
    ends = sample_report()['loose_ends']
    assert [item['name'] for item in ends['orphan_groups']] == ['appHosts', 'goneHosts']
    assert ends['portable_users'] == [{'name': 'app-ccg', 'dn': 'CN=app-ccg,DC=x', 'application': 'app',
                                       'problems': ['in no group', 'disabled', 'password expires']}]
    assert ends['undescribed_service_accounts'] == ['old']
    assert ends['stale_credential_spec_files'] == [{'host': 'host01', 'file': 'gmsa_gone.json', 'gmsa': 'gone'}]


def test_without_the_inventory_no_gmsa_is_called_undescribed():
    state = collected([account('web', [])])
    assert build_report(state, state.accounts, None, None, NOW)['loose_ends']['undescribed_service_accounts'] is None


def test_the_graph_goes_from_principals_through_groups_to_gmsas():
    graph = sample_report()['graph']
    depth = {node['name']: node['depth'] for node in graph['nodes']}
    assert (depth['web'], depth['Tier1'], depth['Tier2'], depth['Tier3'], depth['alice']) == (0, 1, 2, 3, 4)
    assert {'from': CAROL, 'to': row(sample_report(), 'web')['sid'], 'kind': 'deny', 'ace': 1} in graph['edges']


# ------------------------------------------------------------ rendering
def hostile_report():
    report = sample_report()
    row(report, 'web')['readers'][0]['text'] = '<script>alert(1)</script> | x'
    report['graph']['nodes'][0]['name'] = '<img src=x onerror=alert(1)>'
    return report


def test_markdown_keeps_names_inside_their_cells():
    text = markdown(hostile_report())
    table = [line for line in text.splitlines() if line.startswith('| web ')][0]
    assert '\\| x' in table and '<script>' not in text
    assert '- reads: alice \u2192 Tier3' in markdown(sample_report())


# Names the directory could hold, each trying to be more than text once rendered: a heading of its own after every
# kind of line separator, an image that fetches a beacon, a link, inline HTML, a table row broken out of.
HOSTILE_NAMES = {
    'heading after a line feed': 'web\n# Fake heading',
    'heading after a carriage return': 'web\r# Fake heading',
    'heading after U+2028': 'web\u2028# Fake heading',
    'heading after U+2029, U+0085, VT, FF': 'web\u2029\x85\v\f## Fake heading',
    'image beacon': '![x](http://beacon.example/pixel.png)',
    'link': '[click here](http://evil.example/login)',
    'inline HTML': '<img src="http://beacon.example/pixel.png">',
    'entity': '&lt;img src=x&gt;',
    'table break': 'web\r| forged | row |',
    'emphasis, code and strikethrough': '*loud* __bold__ `code` ~~gone~~ \\ end',
}
LINE_BREAKS = re.compile('[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]')


def report_named(name):
    """The sample report with ``name`` wherever a name or a description from the directory shows."""
    report = sample_report()
    report['domain']['dns_name'] = name
    report['warnings'] = [name]
    web = row(report, 'web')
    web['name'] = name
    web['readers'][0]['text'] = name
    web['spns'] = [name]
    web['problems'] = [name]
    report['loose_ends']['undescribed_service_accounts'] = [name]
    return report


def commonmark(text):
    """The blocks and inline tokens of ``text`` as a CommonMark renderer with GitHub's tables and strikethrough
    reads it."""
    from markdown_it import MarkdownIt

    blocks = MarkdownIt('commonmark').enable(['table', 'strikethrough']).parse(text)
    return blocks, [child for block in blocks for child in (block.children or [])]


def inline_text(tokens, index):
    """The text a renderer shows for the inline token after the block token at ``index``."""
    return ''.join(child.content for child in tokens[index + 1].children)


@pytest.mark.parametrize('name', HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_markdown_shows_a_hostile_name_as_its_text_and_nothing_more(name):
    blocks, inline = commonmark(markdown(report_named(name)))
    plain_blocks, _inline = commonmark(markdown(report_named('plain')))
    # The same headings, lists, table rows and cells as with a plain name: the name made none of its own.
    assert [block.type for block in blocks] == [block.type for block in plain_blocks]
    assert [block.type for block in blocks].count('td_open') == len(COLUMNS) * len(report_named('plain')['service_accounts'])
    # No image, link, HTML, emphasis, code or strikethrough: only text.
    assert {token.type for token in inline} <= {'text'}, {token.type for token in inline}
    # The name reads as written, each line separator a space.
    shown = LINE_BREAKS.sub(' ', name)
    headings = [inline_text(blocks, index) for index, block in enumerate(blocks) if block.type == 'heading_open']
    assert headings[0] == 'gMSA report: %s' % shown
    assert shown in headings
    assert not LINE_BREAKS.search(''.join(token.content for token in inline))


def test_the_page_is_self_contained_and_escapes_every_name():
    page = html_page(hostile_report())
    assert '<script' not in page and '<img' not in page
    assert '&lt;script&gt;' in page
    assert 'src=' not in page.replace('&lt;img src=x', '') and '@import' not in page and 'url(' not in page
    assert page.count('<g class="node"') == len(sample_report()['graph']['nodes'])
    assert '<tr class="gmsa-row problem" data-gmsa="web">' in page


class PageParts(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser finds them."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.texts = set(), set(), []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _value in attrs)

    def handle_data(self, data):
        self.texts.append(data)


@pytest.mark.parametrize('name', HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_the_page_shows_a_hostile_name_as_its_text_and_nothing_more(name):
    report = report_named(name)
    report['graph']['nodes'][0]['name'] = name
    page, plain = PageParts(html_page(report)), PageParts(html_page(report_named('plain')))
    # The same elements and attributes as with a plain name: no image, link, script or handler of the name's own.
    assert page.tags == plain.tags and page.attributes == plain.attributes
    assert not page.tags & {'img', 'a', 'script', 'iframe', 'link', 'object'}
    assert not page.attributes & {'src', 'href', 'onerror', 'onload'}
    # The name is text, as written.
    assert name in page.texts


def test_the_filters_refuse_what_is_not_a_report():
    filters = FilterModule().filters()
    with pytest.raises(AnsibleFilterError, match='gmsa_report_html: give the report key'):
        filters['gmsa_report_html']({'changed': False})
    assert filters['gmsa_report_markdown'](sample_report()).startswith('# gMSA report: gmsa\\.test\n')


def test_a_key_is_not_visible_rather_than_gone_when_no_key_can_be_read():
    state = collected([account('web', [])])
    state.root_key_ids = []
    web = build_report(state, state.accounts, None, None, NOW)['service_accounts'][0]
    assert web['kds_root_key']['exists'] is None and not any('KDS' in problem for problem in web['problems'])


def test_a_well_known_sid_the_domain_keeps_an_object_for_keeps_its_name():
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Entry as LdapEntry, sid_to_bytes
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._collect import _add_principal

    graph = Graph()
    for sid in ('S-1-5-11', DOMAIN + '1000'):
        entry = LdapEntry('CN=%s,CN=ForeignSecurityPrincipals,DC=x' % sid, {
            'objectClass': [b'top', b'foreignSecurityPrincipal'], 'objectSid': [sid_to_bytes(sid)],
            'cn': [sid.encode()]})
        _add_principal(graph, entry)
    assert [(principal.name, principal.kind) for principal in graph.principals.values()] == [
        ('Authenticated Users', 'well-known'), (DOMAIN + '1000', 'foreign security principal')]
    readers, _denied = evaluate([Entry(1, True, 'S-1-5-11', True)], graph)
    assert [decision.principal.name for decision in readers] == ['Authenticated Users']


@pytest.mark.parametrize('params, field, words', [
    ({'names': ['a' * 16]}, 'names', 'at most 15 characters'),
    ({'applications': [{'name': 'web', 'colour': 'red'}]}, 'applications', 'web: unknown key colour'),
    ({'credential_spec_ledgers': {'host01': ['gmsa_web.json']}}, 'credential_spec_ledgers', 'the ledger of host01'),
])
def test_bad_input_is_one_line_naming_its_option_before_anything_is_read(params, field, words):
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._tasks import report

    options = dict({'names': None, 'applications': None, 'credential_spec_ledgers': None}, **params)
    with pytest.raises(ADInputError) as raised:
        report(None, options, None)
    assert str(raised.value).startswith('%s: ' % field) and words in str(raised.value)
    assert '\n' not in str(raised.value)


class CountingDirectory:
    """Groups nested ``depth`` deep, ``width`` of them on each level, each with one user; searches counted."""

    def __init__(self, width, depth):
        from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import Entry as LdapEntry, sid_to_bytes

        self.facts, self.searches, self.entries = Facts(), 0, []
        self.facts.dn = 'DC=x'
        for column in range(width):
            for level in range(depth):
                members = ['CN=u%d-%d,DC=x' % (column, level)]
                if level + 1 < depth:
                    members.append('CN=g%d-%d,DC=x' % (column, level + 1))
                self.entries.append(LdapEntry('CN=g%d-%d,DC=x' % (column, level), {
                    'objectClass': [b'top', b'group'], 'objectSid': [sid_to_bytes(self.sid('g', column, level))],
                    'sAMAccountName': [b'g%d-%d' % (column, level)], 'member': [m.encode() for m in members]}))
                self.entries.append(LdapEntry('CN=u%d-%d,DC=x' % (column, level), {
                    'objectClass': [b'top', b'user'], 'objectSid': [sid_to_bytes(self.sid('u', column, level))],
                    'sAMAccountName': [b'u%d-%d' % (column, level)]}))

    @staticmethod
    def sid(kind, column, level):
        return DOMAIN + str((1 if kind == 'g' else 2) * 100000 + column * 100 + level)

    def search(self, base, ldap_filter, attributes):
        from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._ldap import escape_filter_bytes

        self.searches += 1
        return [entry for entry in self.entries
                if '(distinguishedName=%s)' % entry.dn in ldap_filter
                or '(objectSid=%s)' % escape_filter_bytes(entry.raw('objectSid')) in ldap_filter]


@pytest.mark.parametrize('width', [1, 450])
def test_the_membership_graph_takes_searches_by_depth_and_chunk_not_by_group(width):
    from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._report._collect import CHUNK, membership_graph

    directory = CountingDirectory(width, depth=3)
    graph = membership_graph(directory, [directory.sid('g', column, 0) for column in range(width)])
    chunks = -(-width // CHUNK)
    # The named groups, then per level the members (a group and a user per group): the last level's users end it.
    assert directory.searches == chunks + 2 * -(-2 * width // CHUNK) + -(-width // CHUNK)
    user = directory.sid('u', width - 1, 2)
    assert graph.path(user, directory.sid('g', width - 1, 0)) == [
        user, directory.sid('g', width - 1, 2), directory.sid('g', width - 1, 1), directory.sid('g', width - 1, 0)]
