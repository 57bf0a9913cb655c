"""The audit replays the event log through the projections: a view altered by hand fails it,
and a view topic rebuilt from the log passes it again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import Balance, PayCommand, RequestCommand, codec, topics
from streampay_infra.audit import audit
from streampay_streams.replay import rebuild

pytestmark = pytest.mark.integration


async def _settled(bus: Any, users: set[str]) -> Any:
    """The audit of ``users`` once their views have caught up with the log (bounded)."""
    report = None

    async def clean() -> bool:
        nonlocal report
        report = await audit(bus.bootstrap, users)
        return report.ok

    await bus.until_async(clean, 30, "a clean audit")
    return report


async def test_an_altered_view_record_fails_the_audit_and_a_rebuild_repairs_it(bus: Any) -> None:
    alice, bob = await bus.user("audited"), await bus.user("audited")
    await bus.reply(await bus.send(PayCommand(user_id=bob, amount=Decimal("12.34")), alice))
    await bus.reply(await bus.send(RequestCommand(user_id=alice, amount=Decimal("5")), bob))
    users = {alice, bob}
    report = await _settled(bus, users)
    assert report.events >= 5  # two grants, the payment sent and received, the request

    shown = bus.balance(alice)
    forged = Balance(balance=shown.balance + 1, timestamp=shown.timestamp, version=shown.version)
    await bus.producer.send_and_wait(topics.BALANCES, codec.encode(forged), key=alice.encode())
    altered = await audit(bus.bootstrap, users)

    assert not altered.ok
    assert any(v.startswith(f"{topics.BALANCES} {alice}:") for v in altered.violations)

    written = await rebuild(bus.bootstrap, topics.BALANCES, say=lambda line: None)
    assert written >= 2
    assert (await _settled(bus, users)).ok
