"""Fixtures of the reliability suite: forests of its own (see forests.py), and the figures at the end."""

from __future__ import annotations

import pytest

from forests import FIGURES, LAB_ROOT, start_dc


@pytest.fixture(scope='session')
def two_dcs():
    dc1 = start_dc(LAB_ROOT / 'gmsa-lab-rel1', 'gmsa-rel', address='127.0.0.2', host='dc1')
    dc2 = start_dc(LAB_ROOT / 'gmsa-lab-rel2', 'gmsa-rel', address='127.0.0.3', host='dc2',
                   join=dc1.env['GMSA_LAB_DIR'])
    yield dc1, dc2
    dc2.stop(purge=True)
    dc1.stop(purge=True)


@pytest.fixture(scope='session')
def solo_dc():
    dc = start_dc(LAB_ROOT / 'gmsa-lab-rel-solo', 'gmsa-rel-solo')
    yield dc
    dc.stop(purge=True)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section('reliability figures')
        for line in FIGURES:
            terminalreporter.write_line(line)
