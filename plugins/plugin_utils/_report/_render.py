# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""The report (as the report module returns it) as Markdown, and as one self-contained HTML page: inline CSS and
an inline SVG of who reads what, drawn here; no script, no font, no link to anything outside the page. Every
name comes from the directory, so every one is escaped. Pure: data in, text out."""

from __future__ import annotations

import html
import re

GMSA_NODE = 'gMSA'
COLUMN_WIDTH = 240
ROW_HEIGHT = 28
NODE_WIDTH = 190
NODE_HEIGHT = 20
MARGIN = 24
COLOURS = {'allow': '#2e7d32', 'deny': '#c62828', 'member': '#78909c'}
NODE_FILL = {GMSA_NODE: '#e3f2fd', 'group': '#fff8e1', 'unresolved SID': '#ffebee',
             'foreign security principal': '#f3e5f5', 'well-known': '#eceff1'}


# ------------------------------------------------------------ shared wording
def readers_text(row):
    return [item['text'] for item in row['readers']]


def denied_text(row):
    return ['%s, overruling %s' % (item['text'], item['allowed_by']['text']) for item in row['denied']]


def kds_text(row):
    key = row['kds_root_key']
    if not key['id']:
        return 'unknown'
    return '%s (%s)' % (key['id'], {True: 'exists', False: 'gone', None: 'not visible'}[key['exists']])


def loose_end_lines(report):
    """(title, lines) of each kind of loose end."""
    ends = report['loose_ends']
    undescribed = ends['undescribed_service_accounts']
    return [
        ('Groups whose gMSA is gone', ['%s (gMSA %s): %s' % (item['name'], item['gmsa'], item['dn'])
                                       for item in ends['orphan_groups']]),
        ('Portable users to look at', ['%s%s: %s' % (item['name'], ' (%s)' % item['application']
                                                     if item['application'] else '', ', '.join(item['problems']))
                                       for item in ends['portable_users']]),
        ('gMSAs no application describes', ['(the inventory was not given)'] if undescribed is None else undescribed),
        ('Credential spec files for gMSAs that no longer exist',
         ['%s: %s (gMSA %s)' % (item['host'], item['file'], item['gmsa'])
          for item in ends['stale_credential_spec_files']]),
    ]


def table_cells(row):
    """The cells of one gMSA's row in COLUMNS order, each a list of lines."""
    return [[row['name']], readers_text(row) or ['(none)'], denied_text(row) or ['-'], row['spns'] or ['-'],
            ['%s: %s' % (item['spn'], ', '.join(item['holders'])) for item in row['duplicate_spns']] or ['-'],
            [row['dns_hostname'] or '-'], [', '.join(row['encryption_types']) or '-'],
            ['%d days' % row['password_interval_days']], [row['password_last_set'] or '-'],
            [row['next_rollover'] or '-'], [kds_text(row)], row['applications'] or ['-'], row['problems'] or ['-']]


COLUMNS = ['gMSA', 'readers (path, ACE)', 'denied', 'SPNs', 'duplicate SPNs', 'DNS host name', 'encryption',
           'interval', 'password set', 'next rollover', 'KDS root key', 'applications', 'problems']


# ------------------------------------------------------------ Markdown
# Everything that ends a line somewhere: CommonMark's \n and \r, and what other viewers and Python break lines at.
LINE_SEPARATORS = re.compile('[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]')
# Every ASCII punctuation character, each of which CommonMark lets a backslash make literal (links, images, emphasis,
# code, raw HTML, entities, headings and list markers, GitHub's table cells and strikethrough).
MARKDOWN_PUNCTUATION = re.compile(r'([!-/:-@\[-`{-~])')


def _md(text):
    """A name or description as literal Markdown text on one line: whatever it holds, it shows as written, in
    its table cell or after its list marker, and starts no heading, link, image or HTML of its own."""
    return MARKDOWN_PUNCTUATION.sub(r'\\\1', LINE_SEPARATORS.sub(' ', str(text)))


def markdown(report):
    lines = ['# gMSA report: %s' % _md(report['domain']['dns_name']), '',
             'Generated %s. Duplicate SPNs looked for in the %s.' % (_md(report['generated']), _md(report['spn_scope'])),
             '']
    lines += ['- %s' % _md(warning) for warning in report['warnings']]
    lines += ['## Service accounts', '', '| %s |' % ' | '.join(COLUMNS), '|' + ' --- |' * len(COLUMNS)]
    lines += ['| %s |' % ' | '.join(_md('; '.join(cell)) for cell in table_cells(row))
              for row in report['service_accounts']]
    lines += ['', '## Who reads each password', '']
    for row in report['service_accounts']:
        lines.append('### %s' % _md(row['name']))
        lines += ['- reads: %s' % _md(text) for text in readers_text(row)] or ['- nobody reads it']
        lines += ['- denied: %s' % _md(text) for text in denied_text(row)]
        lines.append('')
    lines += ['## Loose ends', '']
    for title, items in loose_end_lines(report):
        lines += ['### %s' % title, ''] + (['- %s' % _md(item) for item in items] or ['- none']) + ['']
    return '\n'.join(lines)


# ------------------------------------------------------------ HTML
STYLE = '''
body { font-family: sans-serif; margin: 1.5em; color: #212121; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #b0bec5; padding: 4px 6px; vertical-align: top; text-align: left; max-width: 24em;
         overflow-wrap: anywhere; }
th { background: #eceff1; }
tr.problem td:first-child { border-left: 4px solid #c62828; }
svg text { font-size: 12px; font-family: sans-serif; }
.legend span { display: inline-block; margin-right: 1.5em; }
'''


def _h(text):
    return html.escape(str(text), quote=True)


def html_page(report):
    title = 'gMSA report: %s' % report['domain']['dns_name']
    parts = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<title>%s</title>' % _h(title),
             '<style>%s</style></head><body>' % STYLE, '<h1>%s</h1>' % _h(title),
             '<p>Generated %s. Duplicate SPNs looked for in the %s.</p>'
             % (_h(report['generated']), _h(report['spn_scope']))]
    parts += ['<p class="warning">%s</p>' % _h(warning) for warning in report['warnings']]
    parts += ['<h2>Who reads what</h2>', _legend(), svg_picture(report['graph']), '<h2>Service accounts</h2>',
              _table(report['service_accounts']), '<h2>Loose ends</h2>']
    for title, items in loose_end_lines(report):
        parts.append('<h3>%s</h3><ul class="loose-end">%s</ul>' % (
            _h(title), ''.join('<li>%s</li>' % _h(item) for item in items) or '<li>none</li>'))
    parts.append('</body></html>')
    return '\n'.join(parts)


def _legend():
    return '<p class="legend">%s</p>' % ''.join(
        '<span style="color:%s">&#9472;&#9472; %s</span>' % (colour, _h(word))
        for word, colour in (('allowed by an ACE', COLOURS['allow']), ('denied by an ACE', COLOURS['deny']),
                             ('member of', COLOURS['member'])))


def _table(rows):
    head = '<tr>%s</tr>' % ''.join('<th>%s</th>' % _h(column) for column in COLUMNS)
    body = ''.join('<tr class="gmsa-row%s" data-gmsa="%s">%s</tr>' % (
        ' problem' if row['problems'] else '', _h(row['name']),
        ''.join('<td>%s</td>' % '<br>'.join(_h(line) for line in cell) for cell in table_cells(row))) for row in rows)
    return '<table id="service-accounts">%s%s</table>' % (head, body)


# ------------------------------------------------------------ the picture
def columns_of(nodes):
    """{node id: column}: principals leftmost, then groups from the deepest nesting to those an ACE names, then
    the gMSAs on the right."""
    deepest = max([node['depth'] for node in nodes if node['kind'] == 'group'] or [0])
    columns = {}
    for node in nodes:
        if node['kind'] == GMSA_NODE:
            columns[node['id']] = deepest + 1
        elif node['kind'] == 'group':
            columns[node['id']] = deepest - node['depth'] + 1
        else:
            columns[node['id']] = 0
    return columns


def layout(nodes):
    """{node id: (x, y)} of each node's top left corner, and the picture's width and height."""
    columns = columns_of(nodes)
    rows, places = {}, {}
    for node in nodes:
        column = columns[node['id']]
        row = rows.get(column, 0)
        rows[column] = row + 1
        places[node['id']] = (MARGIN + column * COLUMN_WIDTH, MARGIN + row * ROW_HEIGHT)
    width = MARGIN * 2 + (max(columns.values() or [0]) * COLUMN_WIDTH) + NODE_WIDTH
    height = MARGIN * 2 + max(rows.values() or [1]) * ROW_HEIGHT
    return places, width, height


def svg_picture(graph):
    nodes = graph['nodes']
    places, width, height = layout(nodes)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" id="readers-picture" width="%d" height="%d" '
             'viewBox="0 0 %d %d" role="img" aria-label="principals, through groups, to gMSAs">'
             % (width, height, width, height)]
    for edge in graph['edges']:
        if edge['from'] in places and edge['to'] in places:
            parts.append(_edge(edge, places))
    for node in nodes:
        parts.append(_node(node, places[node['id']]))
    parts.append('</svg>')
    return ''.join(parts)


def _edge(edge, places):
    (x1, y1), (x2, y2) = places[edge['from']], places[edge['to']]
    title = 'ACE %d: %s' % (edge['ace'], edge['kind']) if 'ace' in edge else 'member of'
    return ('<path class="edge %s" d="%s" fill="none" stroke="%s" stroke-width="1.5"%s><title>%s</title></path>'
            % (_h(edge['kind']), edge_path(x1 + NODE_WIDTH, y1, x2, y2), COLOURS.get(edge['kind'], '#000'),
               ' stroke-dasharray="4 3"' if edge['kind'] == 'deny' else '', _h(title)))


def edge_path(start_x, start_top, end_x, end_top):
    """From the right side of one node to the left side of another. An edge that skips a column runs along the gap
    below its start's row, so that it never crosses the nodes of the columns between."""
    start_y, end_y = start_top + NODE_HEIGHT / 2, end_top + NODE_HEIGHT / 2
    if end_x - start_x <= COLUMN_WIDTH:
        middle = (start_x + end_x) / 2
        return ('M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f'
                % (start_x, start_y, middle, start_y, middle, end_y, end_x, end_y))
    gap = start_top + (NODE_HEIGHT + ROW_HEIGHT) / 2
    turn = (COLUMN_WIDTH - NODE_WIDTH) / 2
    return ('M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f L%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f'
            % (start_x, start_y, start_x + turn, start_y, start_x, gap, start_x + turn, gap,
               end_x - turn, gap, end_x, gap, end_x - turn, end_y, end_x, end_y))


def _node(node, place):
    x, y = place
    label = node['name'] if len(node['name']) <= 28 else node['name'][:27] + '\u2026'
    return ('<g class="node" data-kind="%s" data-name="%s"><title>%s (%s)</title>'
            '<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="%s" stroke="#607d8b"/>'
            '<text x="%d" y="%d">%s</text></g>'
            % (_h(node['kind']), _h(node['name']), _h(node['name']), _h(node['kind']), x, y, NODE_WIDTH, NODE_HEIGHT,
               NODE_FILL.get(node['kind'], '#ffffff'), x + 6, y + 14, _h(label)))
