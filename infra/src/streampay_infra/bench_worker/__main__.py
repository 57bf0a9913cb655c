"""`python -m streampay_infra.bench_worker` (`make bench-worker`): the write model alone.

Starts a stack of its own (broker, the write-model services, and the gateway only to register
the users, stopped before measuring) in a temporary folder on free loopback ports; registers
the users and waits for their signup grants; warms up with an uncounted backlog; then for each
backlog (5,000 and 20,000 by default) produces every pay command straight to `commands` as
fast as it can and measures replies/s, settled/s, CPU-ms per command of the write model and
the broker, records per command per topic, and the idle produce → reply latency. Writes
`reports/bench-worker-latest.{json,md}` (and a timestamped copy). The whole run is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from streampay_infra.bench.report import machine
from streampay_infra.bench_worker import figures, report, users
from streampay_infra.bench_worker.measure import AMOUNT, IDLE_S, QUIET_S, Bench
from streampay_infra.bench_worker.processes import Groups
from streampay_infra.bench_worker.wire import EndOffsets, Replies, producer
from streampay_infra.stack import ROOT, Stack, scratch_config

BUDGET_S = 540.0
"""Start to teardown; stopping the stack takes at most ~20 s a process on top."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m streampay_infra.bench_worker")
    parser.add_argument("--backlogs", type=_counts, default=(5000, 20000))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--warm-up", type=int, default=2000, help="uncounted commands first")
    parser.add_argument("--idle", type=int, default=200, help="sequential commands per backlog")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="seconds for it all")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    deadline = time.monotonic() + args.budget
    with tempfile.TemporaryDirectory(prefix="streampay-bench-worker-") as folder:
        stack = Stack(scratch_config(Path(folder), say=lambda line: print(line, flush=True)))
        try:
            print("• starting a stack of its own", flush=True)
            stack.up()
            result = asyncio.run(_run(stack, args, deadline))
        finally:
            stack.down()
    path = report.write(result, args.out)
    print(path.read_text())
    print(f"report: {path} and {path.with_suffix('.json')}")


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("every backlog must be at least 1 command")
    return counts


async def _run(stack: Stack, args: argparse.Namespace, deadline: float) -> dict[str, Any]:
    config = stack.config
    print(f"• registering {args.users} users through the gateway", flush=True)
    ids = await users.register(config.gateway_url, args.users)
    await users.wait_granted(config.bootstrap_servers, ids, timeout_s=120)
    if "gateway" in config.services:
        stack.stop_service("gateway")  # not part of what is measured; its readers load the broker
    groups = Groups(stack)
    print(f"• measuring {groups.describe()}", flush=True)
    out = producer(config.bootstrap_servers)
    replies = Replies(config.bootstrap_servers)
    offsets = EndOffsets(config.bootstrap_servers)
    for part in (out, replies, offsets):
        await part.start()
    runs = []
    try:
        bench = Bench(ids, out, replies, offsets, groups, random.Random(args.seed))  # noqa: S311 - load, not secrets
        await bench.warm_up(args.warm_up, timeout_s=min(120.0, deadline - time.monotonic()))
        for count in args.backlogs:
            left = deadline - time.monotonic()
            if left < IDLE_S + 10:
                print(f"! no time left for the backlog of {count:,}; skipped", flush=True)
                break
            runs.append(await bench.backlog(count, timeout_s=left - IDLE_S, idle=args.idle))
    finally:
        for part in (offsets, replies, out):
            await part.stop()
    if not runs:
        raise RuntimeError("no backlog was measured within the time allowed")
    context = {
        "machine": machine(),
        "users": args.users,
        "amount": str(AMOUNT),
        "partitions": config.partitions,
        "warm_up": args.warm_up,
        "idle": args.idle,
        "quiet_s": QUIET_S,
        "processes": groups.describe(),
        "targets": {t.key: {"limit": t.limit, "at_most": t.at_most} for t in figures.TARGETS},
    }
    return figures.report(runs, context)


if __name__ == "__main__":
    main()
