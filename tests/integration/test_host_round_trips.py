"""Round trips per host do not grow with the number of applications: counted with the stand-ins.

A WinRM module run costs a second or more on a real Windows host, so the container_host role must make as
many module executions on a host serving 100 applications as on one serving one, on a first converge, on a
no-op re-run and in check mode; the kubernetes role must run as many tasks, and make as many module
executions in the cluster, for 100 applications as for one; on the oldest and the newest ansible-core alike.
tests/bench/host_counts.py does the counting and prints the same figures as a table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'bench'))

from host_counts import (  # noqa: E402  (after the path is set)
    CONTAINER_HOSTS, KUBERNETES, SIZES, container_host_executions, kubernetes_executions,
)


# The roles run on the oldest and the newest ansible-core that meta/runtime.yml admits; on each the counts are flat.
CORES = ('oldest', 'newest')


def per_size(tmp_path, count_of, scenario, core):
    counts = {}
    for count in SIZES:
        folder = tmp_path / str(count)
        folder.mkdir()
        counts[count] = count_of(folder, scenario, count, core)
    return counts


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('scenario', sorted(CONTAINER_HOSTS))
def test_container_host_executions_per_host_are_the_same_for_1_10_and_100_applications(tmp_path, scenario, core):
    counts = per_size(tmp_path, container_host_executions, scenario, core)
    assert counts[1] == counts[10] == counts[100], counts
    # The canary (the smoke test) is the only execution check mode leaves out of a no-op run.
    assert counts[1]['check'] == counts[1]['noop'] - 1, counts


@pytest.mark.parametrize('core', CORES)
@pytest.mark.parametrize('scenario', sorted(KUBERNETES))
def test_kubernetes_tasks_and_executions_are_the_same_for_1_10_and_100_applications(tmp_path, scenario, core):
    counts = per_size(tmp_path, kubernetes_executions, scenario, core)
    assert counts[1] == counts[10] == counts[100], counts
