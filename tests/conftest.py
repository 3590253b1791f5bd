"""Shared fixtures: the lab DC and a playbook runner against it (tests/harness.py has the rest)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/ on the import path, for harness and lab_dc (harness also puts the collection there).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import playbook_runner  # noqa: E402  (after the path is set)
from lab_dc import LabDC  # noqa: E402


@pytest.fixture(scope='session')
def lab():
    return LabDC.start()


@pytest.fixture
def run_playbook(lab, tmp_path):
    return playbook_runner(lab, tmp_path)
