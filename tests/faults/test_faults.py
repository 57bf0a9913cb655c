"""The fault tier, short: every scenario of `make test-faults` under the quick profile.

The scenarios kill, stop and restart processes and the broker itself, so they run on a stack of
their own (its own broker on free ports), never on the session's. Each test is one scenario;
they run in order on the same stack, each with fresh users. The checks are those of the full
run (`streampay_infra.faults.checks`): every command answered, one answer per key, one effect
per accepted command, the audit, and every live view ending on the `balances` topic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streampay_infra.bench.clients import raise_fd_limit
from streampay_infra.faults import report
from streampay_infra.faults.cluster import Cluster, cluster_config
from streampay_infra.faults.scenarios import QUICK, SCENARIOS, Result, Scenario, run
from streampay_infra.stack import Stack

pytestmark = pytest.mark.e2e

RESULTS: list[Result] = []


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The fault tier's own stack; its report is written next to it when the module ends."""
    raise_fd_limit()
    folder = tmp_path_factory.mktemp("faults")
    the_cluster = Cluster(Stack(cluster_config(folder)))
    try:
        the_cluster.start()
        yield the_cluster
    finally:
        the_cluster.stop()
        if RESULTS:
            print(f"\nfault tier report: {report.write(RESULTS, folder / 'report')}")


@pytest.mark.timeout(420)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_scenario_keeps_every_promise(cluster: Cluster, scenario: Scenario) -> None:
    result = await run(cluster, scenario, QUICK)
    RESULTS.append(result)
    failed = [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]
    assert not failed, "\n".join([*failed, "faults:", *result.faults])
    assert result.counts["accepted"] > result.counts["commands"] / 2, result.counts
