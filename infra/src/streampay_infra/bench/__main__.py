"""`python -m streampay_infra.bench [--full]` (`make bench`, `make bench-full`).

Quick mode (a few minutes): command round trip at 100, 200 and 500 commands/s, freshness,
1,000 SSE clients, and SSE connect-to-`ready` with 10³ and 10⁵ records of history. Full mode:
rates up to the first one with errors (at most 3,000/s), 1,000, 5,000 and 10,000 SSE clients,
and 10³, 10⁵ and 10⁶ records of history. The report goes to `reports/bench-<time>.{md,json}` and
`reports/bench-latest.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from streampay_contracts import PayCommand, UserProfile, Visibility
from streampay_contracts.client import ApiClient, Session
from streampay_infra.bench import clients, history, report, resumers
from streampay_infra.bench.probes import Cpu, freshness, rss_kib
from streampay_infra.stack import ROOT, Stack, scratch_config

USERS = 40
QUICK_RATES = (100, 200, 500)
FULL_RATES = (100, 200, 500, 1000, 1500, 2000, 3000)
QUICK_FANOUT = (1000,)
FULL_FANOUT = (1000, 5000, 10000)
QUICK_HISTORY = (10**3, 10**5)
FULL_HISTORY = (10**3, 10**5, 10**6)
HISTORY_USER = "history0"
CENT = Decimal("0.01")
WARM_UP_RATE, WARM_UP_S = 60, 60
"""Before the measured rates, a run that is not counted: a fresh broker JVM is still compiling
its hot paths, and the first measured rate would otherwise pay for it. At 100 commands/s right
after start, the broker's CPU over consecutive 15 s windows was 0.78, 0.55, 0.43, 0.40, 0.40
of a core, and p99 1.33 s, 0.82 s, then 0.43-0.66 s: it settles after about 3,500 commands.
The warm-up rate stays below what the machine sustains, so no backlog spills into the first
measured rate."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m streampay_infra.bench")
    parser.add_argument("--full", action="store_true", help="every rate and fan-out size")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per rate")
    parser.add_argument(
        "--rates",
        type=rate_list,
        default=None,
        help="commands/s to climb through instead of the mode's, e.g. 60,100,130,160,200",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    clients.raise_fd_limit()  # inherited by the gateway, which holds one file per client
    seconds = args.seconds or (20.0 if args.full else 8.0)
    with tempfile.TemporaryDirectory(prefix="streampay-bench-") as folder:
        stack = Stack(scratch_config(Path(folder), say=lambda line: print(line, flush=True)))
        try:
            print("• starting a stack of its own (broker, streams, gateway)", flush=True)
            stack.up()
            rates = args.rates or (FULL_RATES if args.full else QUICK_RATES)
            results = asyncio.run(_measure(stack, args.full, seconds, rates))
        finally:
            stack.down()
    _write(results, args.out)


def rate_list(text: str) -> tuple[int, ...]:
    """``60,100,130`` → (60, 100, 130): whole commands per second, each above zero."""
    try:
        rates = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {text}"
        ) from None
    if not rates or min(rates) < 1:
        raise argparse.ArgumentTypeError("every rate must be at least 1 command/s")
    return rates


async def _measure(
    stack: Stack, full: bool, seconds: float, rates: tuple[int, ...]
) -> dict[str, Any]:
    url = stack.config.gateway_url
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        sessions = await _sign_in_users(ApiClient(http))
        await _wait_until_funded(ApiClient(http), sessions)
    ids = [f"local|bench{n}" for n in range(USERS)]
    pairs = [(sessions[n].token, ids[(n + 1) % USERS]) for n in range(USERS)]
    pids = {name: _pid(stack, name) for name in report.COMPONENTS}
    results: dict[str, Any] = {"machine": report.machine(), "mode": "full" if full else "quick"}
    print(f"• warm-up, not counted: {WARM_UP_RATE} commands/s for {WARM_UP_S} s", flush=True)
    with clients.in_process(clients.pay_at_rate, url, pairs, WARM_UP_RATE, WARM_UP_S) as handle:
        await asyncio.to_thread(handle.get)
    results["warm_up"] = {"rate": WARM_UP_RATE, "seconds": WARM_UP_S}
    results["rates"] = await _rates(url, pairs, rates, seconds, pids)
    print("• freshness: pay reply → the payee's SSE balance event", flush=True)
    results["freshness_ms"] = await freshness(
        url, sessions[0].token, sessions[1].token, ids[1], samples=40
    )
    results["fanout"] = [
        await _fan_out(url, sessions[2], n, pids) for n in (FULL_FANOUT if full else QUICK_FANOUT)
    ]
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        reader = await ApiClient(http).sign_in(UserProfile(username=HISTORY_USER, name="History"))
    results["history"] = await history.measure(
        url,
        stack.config.bootstrap_servers,
        reader.token,
        f"local|{HISTORY_USER}",
        FULL_HISTORY if full else QUICK_HISTORY,
    )
    print(f"• {resumers.RESUMERS} hostile resumers of /activities; health checks and payments")
    results["resumers"] = resumers.run(
        await resumers.under_resumers(
            url, await _resumer_tokens(url), functools.partial(_pay_once, sessions[3], ids[4])
        )
    )
    results.update(report.headline(results))
    return results


async def _resumer_tokens(url: str) -> list[str]:
    """A token for each resumer: other users than those who pay."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        api = ApiClient(http)
        profiles = (
            UserProfile(username=f"resumer{n}", name=f"Resumer {n}")
            for n in range(resumers.RESUMERS)
        )
        return [(await api.sign_in(profile)).token for profile in profiles]


async def _pay_once(session: Session, payee: str, http: httpx.AsyncClient) -> int:
    """A cent to ``payee`` on ``http``'s connection: the status answered."""
    return (await ApiClient(http).send(session, PayCommand(user_id=payee, amount=CENT))).status


async def _sign_in_users(api: ApiClient) -> list[Session]:
    sessions = []
    for n in range(USERS):
        session = await api.sign_in(UserProfile(username=f"bench{n}", name=f"Bench User {n}"))
        (await api.save_profile(session)).raise_for_status()
        sessions.append(session)
    return sessions


async def _wait_until_funded(api: ApiClient, sessions: list[Session]) -> None:
    """Each user pays the next one a cent, retried until the signup grant is there."""
    deadline = time.monotonic() + 120
    for n, session in enumerate(sessions):
        cent = PayCommand(user_id=f"local|bench{(n + 1) % USERS}", amount=CENT)
        while (await api.send(session, cent)).status != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("users were not funded within 120 s")
            await asyncio.sleep(0.5)


async def _rates(
    url: str,
    pairs: list[clients.Pair],
    rates: tuple[int, ...],
    seconds: float,
    pids: dict[str, int],
) -> list[dict[str, Any]]:
    runs = []
    for rate in rates:
        print(f"• {rate} commands/s for {seconds:g} s", flush=True)
        cpu = Cpu(pids)
        with clients.in_process(clients.pay_at_rate, url, pairs, rate, seconds) as handle:
            done = await asyncio.to_thread(handle.get)
        used_s, wall_s = cpu.used()
        run = report.rate_run(rate, done["result"], used_s, done["cpu_s"], wall_s)
        runs.append(run)
        if not run["sustained"]:
            break  # the first rate that is not sustained ends the climb
    return runs


async def _fan_out(url: str, session: Session, count: int, pids: dict[str, int]) -> dict[str, Any]:
    print(f"• {count} SSE clients on one gateway", flush=True)
    marker = f"fanout-{uuid.uuid4().hex[:10]}"
    before = rss_kib(pids["gateway"])
    with clients.CONTEXT.Manager() as manager:
        signal = manager.dict()
        args = (url, session.token, count, marker, 120.0, signal)
        with clients.in_process(clients.fan_out, *args) as handle:
            connected = await _connected(signal, deadline=time.monotonic() + 180)
            during = rss_kib(pids["gateway"])
            cpu = Cpu(pids)
            sent = time.time()
            await _pay_with_notes(url, session, marker)
            done = await asyncio.to_thread(handle.get)
    return report.fanout_run(count, connected, done["result"], sent, before, during, cpu.shares())


async def _connected(signal: Any, deadline: float) -> int:
    """How many clients the fan-out process connected, once it says so."""
    while "connected" not in signal:
        if time.monotonic() > deadline:
            raise RuntimeError("the SSE clients did not report within 180 s")
        await asyncio.sleep(0.2)
    return int(signal["connected"])


async def _pay_with_notes(url: str, session: Session, notes: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        # Public, so it reaches the public feed the clients read (a private one never would).
        payment = PayCommand(
            user_id="local|bench0", amount=CENT, notes=notes, visibility=Visibility.PUBLIC
        )
        (await ApiClient(http).send(session, payment)).raise_for_status()


def _pid(stack: Stack, name: str) -> int:
    record = stack.supervisor.record(name)
    if record is None:
        raise RuntimeError(f"{name} is not running")
    return record.pid


def _write(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    markdown = report.markdown(results)
    (out / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2))
    (out / f"bench-{stamp}.md").write_text(markdown)
    (out / "bench-latest.md").write_text(markdown)
    (out / "bench-latest.json").write_text(json.dumps(results, indent=2))
    print(markdown)
    print(f"report: {out / f'bench-{stamp}.md'}")


if __name__ == "__main__":
    main()
