"""The fault scenarios, each a topology, a load and the faults injected while it runs."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from streampay_infra.faults import checks
from streampay_infra.faults.cluster import Cluster
from streampay_infra.faults.load import Load, Member, outcome_counts, sign_in
from streampay_infra.faults.views import BalanceWatcher


@dataclass(frozen=True)
class Profile:
    """How long and how hard: `quick` inside `make test`, `full` for `make test-faults`."""

    name: str
    seconds: float
    rate: float
    users: int
    kill_every_s: float


QUICK = Profile("quick", seconds=24, rate=10, users=16, kill_every_s=8)
FULL = Profile("full", seconds=90, rate=25, users=40, kill_every_s=10)


@dataclass
class Faults:
    """What was injected, when (seconds since the load started)."""

    started: float = field(default_factory=time.monotonic)
    log: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.log.append(f"t={time.monotonic() - self.started:5.1f} s  {what}")

    async def until(self, at_s: float) -> None:
        await asyncio.sleep(max(0.0, self.started + at_s - time.monotonic()))


Inject = Callable[[Cluster, Profile, Faults], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    workers: tuple[str, ...]
    gateways: tuple[str, ...]
    inject: Inject
    copies: int = 1
    sse_clients: int | None = None
    """SSE clients on the first gateway (default: one per user, spread over the gateways)."""


async def _kill_worker_repeatedly(cluster: Cluster, profile: Profile, faults: Faults) -> None:
    """SIGKILL, restart, and again once it has served ~`kill_every_s`: the clock runs from
    when it is back (a restart takes longer than that under load; killing it sooner would only
    ever measure a worker that never runs)."""
    at = profile.kill_every_s
    while at < profile.seconds:
        await faults.until(at)
        await cluster.kill("streams")
        faults.note("SIGKILL the streams worker")
        began = time.monotonic()
        await cluster.start_worker("streams")
        faults.note(f"streams worker healthy again after {time.monotonic() - began:.1f} s")
        at = time.monotonic() - faults.started + profile.kill_every_s


async def _restart_broker(cluster: Cluster, profile: Profile, faults: Faults) -> None:
    await faults.until(profile.seconds / 3)
    await cluster.stop_broker()
    faults.note("broker stopped")
    await asyncio.sleep(5)
    began = time.monotonic()
    await cluster.start_broker()
    faults.note(f"broker restarted, answering after {time.monotonic() - began:.1f} s")


async def _restart_gateway(cluster: Cluster, profile: Profile, faults: Faults) -> None:
    await faults.until(profile.seconds / 3)
    faults.note("gateway (holding the SSE clients) stopping")
    began = time.monotonic()
    await cluster.restart_gateway("gateway")
    faults.note(f"gateway serving again after {time.monotonic() - began:.1f} s")


async def _worker_leaves_and_rejoins(cluster: Cluster, profile: Profile, faults: Faults) -> None:
    await faults.until(profile.seconds / 3)
    await cluster.stop_process("streams-2")
    faults.note("streams-2 left the group (stopped)")
    await faults.until(2 * profile.seconds / 3)
    began = time.monotonic()
    await cluster.start_worker("streams-2")
    faults.note(f"streams-2 rejoined, healthy after {time.monotonic() - began:.1f} s")


async def _nothing(cluster: Cluster, profile: Profile, faults: Faults) -> None:
    faults.note("no process fault: every command sent 3 times at once, on 3 gateways")


TWO_GATEWAYS = ("gateway", "gateway-2")
SCENARIOS = (
    Scenario(
        "duplicate-storm",
        "Duplicate storm: each command sent 3 times concurrently, on different gateways",
        ("streams",),
        (*TWO_GATEWAYS, "gateway-3"),
        _nothing,
        copies=3,
    ),
    Scenario(
        "worker-rejoin",
        "2 workers and 2 gateways on 3 partitions; one worker leaves and rejoins mid-load",
        ("streams", "streams-2"),
        TWO_GATEWAYS,
        _worker_leaves_and_rejoins,
    ),
    Scenario(
        "gateway-restart",
        "A gateway restarted while 100 SSE clients are connected to it",
        ("streams",),
        TWO_GATEWAYS,
        _restart_gateway,
        sse_clients=100,
    ),
    Scenario(
        "worker-kills",
        "The streams worker killed with SIGKILL every ~10 s of uptime and restarted",
        ("streams",),
        TWO_GATEWAYS,
        _kill_worker_repeatedly,
    ),
    Scenario(
        "broker-restart",
        "The broker stopped and restarted mid-load",
        ("streams",),
        TWO_GATEWAYS,
        _restart_broker,
    ),
)


@dataclass
class Result:
    scenario: Scenario
    profile: Profile
    load: dict[str, Any]
    faults: list[str]
    counts: dict[str, Any]
    checks: list[checks.Check]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


async def arrange(cluster: Cluster, scenario: Scenario) -> None:
    """Exactly the scenario's workers and gateways running (the broker and the projector always:
    the live views every scenario checks are its work)."""
    if not cluster.stack.supervisor.is_running("broker"):
        await cluster.start_broker()
    await cluster.start_projector()
    running = {r.name for r in cluster.stack.supervisor.records()} - {"broker", "projector"}
    wanted = {*scenario.workers, *scenario.gateways}
    for name in sorted(running - wanted):
        await cluster.stop_process(name)
    for name in scenario.workers:
        await cluster.start_worker(name)
    for name in scenario.gateways:
        await cluster.start_gateway(name)


async def run(cluster: Cluster, scenario: Scenario, profile: Profile) -> Result:
    began = time.monotonic()
    await arrange(cluster, scenario)
    rng = random.Random(scenario.name)  # noqa: S311 - a reproducible workload
    urls = {name: cluster.url(name) for name in scenario.gateways}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        members = await _members(http, urls["gateway"], scenario.name, profile.users)
        watchers = _watchers(members, urls, scenario, rng)
        for _, watcher in watchers:
            watcher.open(http)
        try:
            await asyncio.gather(*(w.ready(60) for _, w in watchers))
            await asyncio.gather(*(w.funded(60) for _, w in watchers))
            load = Load(urls, members, rng, copies=scenario.copies)
            faults = Faults()
            injected = asyncio.create_task(scenario.inject(cluster, profile, faults))
            await load.run(http, profile.rate, profile.seconds)
            await load.settle()
            await injected
            users = {m.user_id for m in members}
            results = await checks.verify(cluster.bootstrap, load.commands, users, watchers)
            if scenario.sse_clients is not None:
                results.append(checks.reconnected(watchers))
        finally:
            for _, watcher in watchers:
                await watcher.close()
    described = {
        "users": profile.users,
        "rate_per_s": profile.rate,
        "seconds": profile.seconds,
        "copies": scenario.copies,
        "gateways": len(scenario.gateways),
        "workers": len(scenario.workers),
        "sse_clients": len(watchers),
    }
    took = time.monotonic() - began
    return Result(
        scenario, profile, described, faults.log, outcome_counts(load.commands), results, took
    )


async def _members(
    http: aiohttp.ClientSession, url: str, scenario: str, count: int
) -> list[Member]:
    suffix = uuid.uuid4().hex[:6]
    names = [f"{scenario.replace('-', '')}{n}x{suffix}" for n in range(count)]
    return list(await asyncio.gather(*(sign_in(http, url, name) for name in names)))


def _watchers(
    members: list[Member], urls: dict[str, str], scenario: Scenario, rng: random.Random
) -> list[tuple[str, BalanceWatcher]]:
    if scenario.sse_clients is not None:
        first = urls["gateway"]
        return [
            (m.user_id, BalanceWatcher(first, m.token))
            for n in range(scenario.sse_clients)
            for m in [members[n % len(members)]]
        ]
    return [(m.user_id, BalanceWatcher(rng.choice(list(urls.values())), m.token)) for m in members]
