"""No double spend: many payments in flight at once from one payer."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import PayCommand

pytestmark = pytest.mark.integration


async def test_100_payments_of_10_from_100_exactly_10_succeed(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    payment = PayCommand(user_id=bob, amount=Decimal("10.00"))
    cids = await asyncio.gather(*(bus.send(payment, alice) for _ in range(100)))

    await bus.until(lambda: all(bus.replies.get(cid) for cid in cids), 60, "100 replies")
    outcome = Counter(bus.replies[cid][0].status for cid in cids)
    assert outcome == {200: 10, 409: 90}
    assert all(len(bus.replies[cid]) == 1 for cid in cids)
    await bus.until(lambda: bus.balance(bob).balance == Decimal("200.00"), 30, "bob's credits")
    await bus.until(lambda: bus.balance(alice).balance == Decimal("0.00"), 20, "alice's debits")
    legs = [leg for cid in cids for leg in bus.legs.get(cid, [])]
    assert len(legs) == 20 and sum(leg.amount for leg in legs) == 0
