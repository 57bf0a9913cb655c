"""`python -m streampay_infra.faults [--quick] [--only NAME ...]` (`make test-faults`).

Starts a stack of its own (broker, workers, gateways on free loopback ports, in a temporary
folder), runs the scenarios one after another, stops everything, and writes the report to
`reports/faults-<time>.{md,json}` and `reports/faults-latest.md`. Exits 1 when any invariant
failed. The full profile takes about 15 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from streampay_infra.bench.clients import raise_fd_limit
from streampay_infra.faults import report
from streampay_infra.faults.cluster import Cluster, cluster_config
from streampay_infra.faults.scenarios import (
    FULL,
    QUICK,
    SCENARIOS,
    Profile,
    Result,
    Scenario,
    run,
)
from streampay_infra.stack import ROOT, Stack


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m streampay_infra.faults")
    parser.add_argument("--quick", action="store_true", help="the short profile of make test")
    parser.add_argument("--only", nargs="*", choices=[s.name for s in SCENARIOS], default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    raise_fd_limit()
    profile = QUICK if args.quick else FULL
    chosen = [s for s in SCENARIOS if args.only is None or s.name in args.only]
    with tempfile.TemporaryDirectory(prefix="streampay-faults-") as folder:
        cluster = Cluster(Stack(cluster_config(Path(folder), say=_say)))
        try:
            cluster.start()
            results = asyncio.run(_run_all(cluster, chosen, profile))
        finally:
            cluster.stop()
    path = report.write(results, args.out)
    print((args.out / "faults-latest.md").read_text())
    print(f"report: {path}")
    return 0 if all(r.ok for r in results) else 1


async def _run_all(cluster: Cluster, chosen: list[Scenario], profile: Profile) -> list[Result]:
    results = []
    for scenario in chosen:
        _say(f"• scenario {scenario.name}: {scenario.title}")
        result = await run(cluster, scenario, profile)
        _say(f"  {'pass' if result.ok else 'FAIL'} in {result.seconds:.0f} s")
        results.append(result)
    return results


def _say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
