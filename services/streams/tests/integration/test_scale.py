"""Scale-out: two workers on three partitions decide exactly what one worker decides.

A second worker joins while payments stream in (the group rebalances under load), both share
the partitions for a while, then the second one leaves (a rebalance again). The workload never
runs anyone out of money, so every payment succeeds whatever the interleaving, and the final
balances are fixed by the workload alone: exactly what a single worker ends with.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import PayCommand
from streampay_infra.audit import audit

pytestmark = pytest.mark.integration

USERS = 12
PAYMENTS = 600  # 50 per payer on average, at most 1.00 each: nobody drops below 50.00


def workload(users: list[str]) -> list[tuple[str, str, Decimal]]:
    rng = random.Random(3)
    plan = []
    for _ in range(PAYMENTS):
        payer, payee = rng.sample(users, 2)
        plan.append((payer, payee, Decimal(rng.randint(1, 100)) / 100))
    return plan


def expected_balances(users: list[str], plan: list[tuple[str, str, Decimal]]) -> dict[str, Any]:
    balances = dict.fromkeys(users, Decimal("100.00"))
    for payer, payee, amount in plan:
        balances[payer] -= amount
        balances[payee] += amount
    return balances


@pytest.mark.timeout(240)
async def test_two_workers_end_with_the_balances_of_one(bus: Any, workers: Any) -> None:
    users = [await bus.user(f"scale{n}") for n in range(USERS)]
    plan = workload(users)
    cids: list[str] = []

    async def send(part: list[tuple[str, str, Decimal]]) -> None:
        for payer, payee, amount in part:
            cids.append(await bus.send(PayCommand(user_id=payee, amount=amount), payer))
            await asyncio.sleep(0.005)

    third = PAYMENTS // 3
    await send(plan[:third])
    await asyncio.gather(send(plan[third : 2 * third]), workers.add("streams-2"))
    await asyncio.gather(send(plan[2 * third :]), workers.stop("streams-2"))

    await bus.until(lambda: all(bus.replies.get(cid) for cid in cids), 120, "every reply")
    assert Counter(bus.replies[cid][0].status for cid in cids) == {200: PAYMENTS}
    expected = expected_balances(users, plan)

    def settled() -> bool:
        latest = {user: bus.balance(user) for user in users}
        return all(b is not None and b.balance == expected[u] for u, b in latest.items())

    await bus.until(settled, 60, "the balances a single worker would end with")
    report = await audit(bus.bootstrap, set(users))
    assert report.ok, "\n".join(report.lines())
    assert report.transfers == PAYMENTS and report.deposits == Decimal(100 * USERS)
    assert '"starting worker"' in workers.log("streams-2")
