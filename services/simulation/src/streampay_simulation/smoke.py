"""`make smoke`: run the simulation fast for a bounded time against a running stack, then check.

    python -m streampay_simulation.smoke [--seconds 45] [--speed 20] [--seed 7]

Passes when every command the virtual users and the bank sent got a reply and none was a
server error (5xx). The ledger itself is checked afterwards by `make audit` (the Makefile runs
both). Prints the commands by type and status and the money deposited.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from streampay_simulation import runner
from streampay_simulation.config import SimulationSettings
from streampay_simulation.stats import Stats
from streampay_simulation.world import World


async def run_for(settings: SimulationSettings, seconds: float) -> World:
    """Run the simulation for `seconds`, then stop it and wait for its commands to finish."""
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return await runner.run(settings, stop)


def verdict(stats: Stats) -> list[str]:
    """What is wrong with a run; empty when it passed."""
    problems = []
    if stats.sent == 0:
        problems.append("no command was sent")
    if stats.unanswered:
        problems.append(f"{stats.unanswered} command(s) got no reply")
    failed = stats.count("5xx") - stats.unanswered
    if failed:
        problems.append(f"{failed} command(s) got a server error")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streampay_simulation.smoke")
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--speed", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    settings = SimulationSettings(simulation_speed=args.speed, simulation_seed=args.seed)
    stats = asyncio.run(run_for(settings, args.seconds)).stats
    print(stats.summary())
    problems = verdict(stats)
    for problem in problems:
        print(f"✗ {problem}", file=sys.stderr)
    if not problems:
        print(f"✓ smoke run passed: {args.seconds:.0f} s at speed {args.speed:g}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
