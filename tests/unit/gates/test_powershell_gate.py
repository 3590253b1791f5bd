"""The PowerShell gate's rules (tests/powershell_gate.py): each catches its bad sample, and a good script passes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from powershell_gate import check_source, collection_scripts  # noqa: E402  (after the path is set)

GOOD = b"""# A script as the collection writes them.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]]$Names,
    [switch]$Force
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function Get-Greeting {
    param([string]$Name)
    "Hello $Name"
}

try {
    foreach ($name in $Names) { Get-Greeting -Name $name }
    if ($Force) { $Ansible.Changed = $true }
}
catch {
    throw "Greeting failed: $($_.Exception.Message)"
}
"""

PREAMBLE = b"$ErrorActionPreference = 'Stop'\nSet-StrictMode -Version 2.0\n"


def rules(source):
    return sorted({problem.rule for problem in check_source('sample.ps1', source)})


def test_a_good_script_passes():
    assert check_source('good.ps1', GOOD) == []


@pytest.mark.parametrize('bad', [
    b'if ($true) { "unclosed"\n',
    b'$x = @(1, 2\n',
    b'foreach ($a in) { }\n',
])
def test_a_syntax_error_is_caught(bad):
    assert rules(PREAMBLE + bad) == ['syntax']


@pytest.mark.parametrize('bad', [
    b'$a = $null ?? 1\n',
    b'$a ??= 1\n',
    b'$b = $true ? 1 : 2\n',
    b'Get-Item C:\\ && Get-Item D:\\\n',
    b'Get-Item C:\\ || Write-Output none\n',
    b'1, 2 | ForEach-Object -Parallel { $_ }\n',
    b"'{}' | ConvertFrom-Json -AsHashtable\n",
])
def test_what_only_powershell_7_has_is_caught(bad):
    assert rules(PREAMBLE + bad) == ['powershell7']


def test_a_script_without_the_stop_preference_is_caught():
    problems = check_source('sample.ps1', GOOD.replace(b"$ErrorActionPreference = 'Stop'\n", b''))
    assert [problem.rule for problem in problems] == ['stop'] and 'ErrorActionPreference' in problems[0].text


def test_the_stop_preference_only_inside_a_function_is_caught():
    source = b"function f {\n    $ErrorActionPreference = 'Stop'\n    Set-StrictMode -Version 2.0\n}\nf\n"
    assert [problem.rule for problem in check_source('sample.ps1', source)] == ['stop', 'stop']


def test_a_script_without_strict_mode_is_caught():
    problems = check_source('sample.ps1', GOOD.replace(b'Set-StrictMode -Version 2.0\n', b''))
    assert [problem.rule for problem in problems] == ['stop'] and 'Set-StrictMode' in problems[0].text


def test_an_unused_script_parameter_is_caught():
    problems = check_source('sample.ps1', GOOD.replace(b'    if ($Force) { $Ansible.Changed = $true }\n', b''))
    assert [(problem.rule, problem.line) for problem in problems] == [('parameters', 5)]
    assert '$Force' in problems[0].text


@pytest.mark.parametrize('function', [
    b'function Get-Twice {\n    param([int]$Value, [int]$Unused)\n    $Value * 2\n}\n',
    b'function Get-Twice([int]$Value, [int]$Unused) {\n    $Value * 2\n}\n',
])
def test_an_unused_function_parameter_is_caught(function):
    problems = check_source('sample.ps1', PREAMBLE + function + b'Get-Twice 1\n')
    assert [problem.rule for problem in problems] == ['parameters'] and '$Unused' in problems[0].text


def test_a_parameter_is_used_whatever_its_case():
    source = PREAMBLE + b'function f {\n    param([string]$Name)\n    $NAME\n}\nf\n'
    assert check_source('sample.ps1', source) == []


def test_the_gate_sees_the_collection_s_scripts():
    names = {path.name for path in collection_scripts()}
    assert {'register_ccg_plugins.ps1', 'write_credential_specs.ps1', 'host_facts.ps1'} <= names


@pytest.mark.parametrize('path', collection_scripts(), ids=lambda path: path.name)
def test_every_script_of_the_collection_passes(path):
    assert check_source(path.name, path.read_bytes()) == []
