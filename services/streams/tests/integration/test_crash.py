"""Crash safety: the deciding worker, or the projector, is killed (SIGKILL) again and again
while commands stream in.

Afterwards every command has been answered, every copy of an answer is identical, every
accepted payment has exactly its two ledger legs and every refused one none, and the audit (the
ledger's invariants, and every view against the replayed event log) passes for the users
involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import PayCommand
from streampay_infra.audit import audit

pytestmark = pytest.mark.integration

COMMANDS = 2000
BURST = 200
PAUSE_S = 2.5
USERS = 20
KILLS = 3


async def stream_commands(bus: Any, users: list[str], burst: asyncio.Event) -> list[str]:
    """Bursts of commands; ``burst`` is set after each one is sent."""
    rng = random.Random(7)
    cids = []
    for n in range(COMMANDS):
        payer, payee = rng.sample(users, 2)
        amount = Decimal(rng.randint(1, 2500)) / 100
        cids.append(await bus.send(PayCommand(user_id=payee, amount=amount), payer))
        if n % BURST == BURST - 1:
            await bus.producer.flush()
            burst.set()
            await asyncio.sleep(PAUSE_S)
    return cids


async def kill_repeatedly(workers: Any, burst: asyncio.Event, victim: str) -> None:
    """Kill ``victim`` a moment after a burst arrives, while it is busy with it."""
    rng = random.Random(11)
    for _ in range(KILLS):
        burst.clear()
        with contextlib.suppress(TimeoutError):  # no burst left: kill it amid the backlog
            await asyncio.wait_for(burst.wait(), PAUSE_S * 2)
        await asyncio.sleep(0.05 + rng.random() * 0.25)
        await workers.kill(victim)
        await workers.start()


@pytest.mark.timeout(240)
@pytest.mark.parametrize("victim", ["streams", "projector"])
async def test_sigkill_while_commands_stream_in_loses_and_duplicates_nothing(
    bus: Any, workers: Any, victim: str
) -> None:
    users = [await bus.user(f"crash{n}") for n in range(USERS)]
    burst = asyncio.Event()
    cids, _ = await asyncio.gather(
        stream_commands(bus, users, burst), kill_repeatedly(workers, burst, victim)
    )
    await bus.until(lambda: all(bus.replies.get(cid) for cid in cids), 90, "every reply")

    for cid in cids:
        replies = {(r.status, r.body) for r in bus.replies[cid]}
        assert len(replies) == 1, f"{cid} was answered differently: {replies}"
    outcome = Counter(bus.replies[cid][0].status for cid in cids)
    assert set(outcome) <= {200, 409} and outcome[200] > COMMANDS / 10, (
        outcome
    )  # enough money moved to matter
    for cid in cids:
        legs = {leg.id: leg for leg in bus.legs.get(cid, [])}
        paid = bus.replies[cid][0].status == 200
        assert len(legs) == (2 if paid else 0), (cid, legs)
        assert all(legs[leg.id] == leg for leg in bus.legs.get(cid, []))

    async def audited() -> Any:
        return await audit(bus.bootstrap, set(users))

    report = await audited()
    for _ in range(60):
        if report.ok:
            break
        await asyncio.sleep(0.5)
        report = await audited()
    assert report.ok, "\n".join(report.lines())
    assert report.deposits == Decimal(100 * USERS) and report.transfers == outcome[200]
    assert workers.log(victim).count('"starting worker"') >= KILLS + 1
