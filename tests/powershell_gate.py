# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PowerShell gate: every .ps1 of the collection, parsed with a real PowerShell grammar (tree-sitter-powershell).

No PowerShell runs here, so these rules are what can be held of a script without running it. Each script runs in
Windows PowerShell 5.1 on the container hosts (win_powershell), so:

- syntax: it parses, with no ERROR or missing node;
- powershell7: nothing only PowerShell 7 has - ``??``, ``??=``, ``?.``, the ternary ``?:`` (the grammar has no node
  for them, they parse as ERROR), ``&&``/``||`` between pipelines, ``ForEach-Object -Parallel``,
  ``ConvertFrom-Json -AsHashtable``;
- stop: it sets ``$ErrorActionPreference = 'Stop'`` and ``Set-StrictMode -Version ...`` at its top level, so that a
  failing cmdlet fails the task instead of adding an error record to a task that is ok;
- parameters: every parameter it or one of its functions declares is used.

    .venv/bin/python tests/powershell_gate.py            # every .ps1 git knows of
    .venv/bin/python tests/powershell_gate.py a.ps1 b.ps1
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tree_sitter_powershell
from tree_sitter import Language, Parser

REPO = Path(__file__).resolve().parents[1]
PARSER = Parser(Language(tree_sitter_powershell.language()))

# What PowerShell 7 added that Windows PowerShell 5.1 cannot parse or run. The grammar has no node for ??, ??=, ?.
# and the ternary ?:, so they parse as ERROR; a ? anywhere in an ERROR is one of them (Where-Object's alias ? is a
# command name, which parses).
POWERSHELL_7_OPERATOR = '?'
POWERSHELL_7_PARAMETERS = {'foreach-object': '-parallel', 'convertfrom-json': '-ashashtable'}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    rule: str
    text: str

    def __str__(self):
        return '%s:%d: %s: %s' % (self.path, self.line, self.rule, self.text)


def parse(source: bytes):
    return PARSER.parse(source).root_node


def nodes(node, kind=None):
    """``node`` and everything under it, in source order (only those of ``kind`` when given)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if kind is None or current.type == kind:
            yield current
        stack.extend(reversed(current.children))


def text(node):
    return node.text.decode('utf-8', 'replace')


def line(node):
    return node.start_point[0] + 1


def variable_name(node):
    """$Name, ${Name}, $script:Name -> name (PowerShell's variables are case-insensitive)."""
    name = text(node).lstrip('$@').strip('{}')
    return name.rsplit(':', 1)[-1].lower()


# ------------------------------------------------------------------ the rules
def error_nodes(node):
    """The ERROR and missing nodes, and the innermost node that holds an error the grammar keeps out of sight (a
    missing token inside a named token); nothing below an ERROR."""
    if node.type == 'ERROR' or node.is_missing or (node.has_error and not any(child.has_error for child in node.children)):
        yield node
        return
    for child in node.children:
        yield from error_nodes(child)


def syntax_and_powershell_7(path, root):
    """ERROR nodes are syntax errors, unless they hold an operator only PowerShell 7 parses."""
    for node in error_nodes(root):
        found = text(node).strip()
        if POWERSHELL_7_OPERATOR in found:
            yield Problem(path, line(node), 'powershell7',
                          '%r is PowerShell 7 only (Windows PowerShell 5.1 runs these scripts)' % found[:40])
        else:
            yield Problem(path, line(node), 'syntax', 'does not parse near %r' % (found[:40] or node.parent.type))
    for node in nodes(root, 'pipeline_chain_tail'):
        yield Problem(path, line(node), 'powershell7', '%r between pipelines is PowerShell 7 only' % text(node)[:2])


def powershell_7_parameters(path, root):
    for command in nodes(root, 'command'):
        name = next((text(child).lower() for child in command.children if child.type == 'command_name'), '')
        wanted = POWERSHELL_7_PARAMETERS.get(name)
        for parameter in nodes(command, 'command_parameter'):
            if wanted and text(parameter).lower() == wanted:
                yield Problem(path, line(parameter), 'powershell7',
                              '%s %s is PowerShell 7 only' % (name, text(parameter)))


def top_level_statements(root):
    block = next((child for child in root.children if child.type == 'statement_list'), None)
    return [] if block is None else list(block.children)


def stop_preference(path, root):
    """$ErrorActionPreference = 'Stop' and Set-StrictMode at the script's top level, not only inside a function."""
    statements = [re.sub(r'\s+', ' ', text(statement)).lower() for statement in top_level_statements(root)]
    if not any(re.fullmatch(r"\$erroractionpreference = ['\"]stop['\"]", statement) for statement in statements):
        yield Problem(path, 1, 'stop', "the script does not set $ErrorActionPreference = 'Stop' at its top level: a "
                                       'failing cmdlet would add an error record and the task would be ok')
    if not any(statement.startswith('set-strictmode -version ') for statement in statements):
        yield Problem(path, 1, 'stop', 'the script does not call Set-StrictMode -Version at its top level')


def declared_parameters(scope):
    """The parameters a script or function declares: (variable node, the node they must be used in)."""
    for child in scope.children:
        if child.type in ('param_block', 'function_parameter_declaration'):
            for parameter in nodes(child, 'script_parameter'):
                yield from (node for node in parameter.children if node.type == 'variable')


def parameter_scopes(root):
    """The script itself and each function: (its parameter declarations, the body they are used in)."""
    yield root, root
    for function in nodes(root, 'function_statement'):
        for body in (child for child in function.children if child.type == 'script_block'):
            yield function, body
            yield body, body


def unused_parameters(path, root):
    for scope, body in parameter_scopes(root):
        for declared in declared_parameters(scope):
            used = {variable_name(node) for node in nodes(body, 'variable') if node != declared}
            if variable_name(declared) not in used:
                yield Problem(path, line(declared), 'parameters', '%s is declared but never used' % text(declared))


RULES = (syntax_and_powershell_7, powershell_7_parameters, stop_preference, unused_parameters)


def check_source(path, source: bytes):
    root = parse(source)
    return [problem for rule in RULES for problem in rule(path, root)]


def check(path):
    path = Path(path).resolve()
    shown = path.relative_to(REPO) if REPO in path.parents else path
    return check_source(str(shown), path.read_bytes())


def collection_scripts():
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '*.ps1', '*.psm1'],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [REPO / name for name in listed]


def main(argv=None):
    paths = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])] or collection_scripts()
    problems = [problem for path in paths for problem in check(path)]
    for problem in problems:
        print(problem)
    if problems:
        print('powershell gate: %d problem(s) in %d script(s)' % (len(problems), len(paths)))
        return 1
    print('powershell gate: %d scripts parse as Windows PowerShell 5.1, set the stop preference and use every '
          'parameter they declare' % len(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
