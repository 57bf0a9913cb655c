"""The live views of the running gateway, fed by records written straight to the view topics.

Each test signs in users of its own (unique ids), so the simulation and other tests writing to
the same topics never match what is asserted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from streampay_contracts import (
    TOTALS_KEY,
    Activity,
    ActivityEvent,
    Balance,
    PaymentRequest,
    RequestStatus,
    Statement,
    StatementPeriod,
    TotalTransactions,
    Visibility,
    encode,
    headers,
    loads,
    statement_key,
    topics,
)
from streampay_infra.stack import Stack
from tests.e2e.gateway.conftest import LiveKit, SseEvent

pytestmark = pytest.mark.e2e


def now_ms() -> int:
    return int(time.time() * 1000)


def balance(amount: str, version: int) -> Balance:
    return Balance(balance=Decimal(amount), timestamp=now_ms(), version=version)


def request_to(payer: str, status: RequestStatus = RequestStatus.PENDING) -> PaymentRequest:
    return PaymentRequest(
        id=str(uuid.uuid4()),
        from_user_id="local|someone",
        from_user_name="Someone",
        to_user_id=payer,
        to_user_name="Payer",
        amount=Decimal("12.30"),
        notes="lunch",
        timestamp=now_ms(),
        status=status,
    )


def activity(user: str, amount: str) -> Activity:
    """A public payment sent: only those are on the public feed (every test shares it)."""
    return Activity(
        event_name=ActivityEvent.PAYMENT_SENT,
        amount=Decimal(amount),
        from_user_id=user,
        from_user_name="Viewer",
        to_user_id="local|someone",
        to_user_name="Someone",
        timestamp=now_ms(),
        visibility=Visibility.PUBLIC,
    )


def text(model: Balance | PaymentRequest | Activity | Statement | TotalTransactions) -> str:
    """A record value exactly as written to the topic (and so as every event must carry it)."""
    return encode(model).decode()


def payloads(events: list[SseEvent]) -> list[str]:
    return [e.data for e in events if e.event not in ("ready", "token-expiring")]


async def test_current_balance_is_mine_only_then_ready_then_live(live: LiveKit) -> None:
    me, other = await live.sign_in(), await live.sign_in()
    latest = balance("12.50", 2)
    await live.produce(topics.BALANCES, me.user_id, balance("10.00", 1))
    await live.produce(topics.BALANCES, me.user_id, latest)
    await live.produce(topics.BALANCES, other.user_id, balance("99.00", 1))
    async with live.sse("/current-balance", me.token) as stream:
        initial = await stream.until("ready")
        assert payloads(initial) == [text(latest)]  # exact bytes: "balance":12.50
        assert initial[-1].data == "{}" and (initial[-1].id or "").startswith("current-balance@")
        changed = balance("7.05", 3)
        await live.produce(topics.BALANCES, other.user_id, balance("98.00", 2))
        await live.produce(topics.BALANCES, me.user_id, changed)
        event = await stream.next()
        assert (event.event, event.data) == ("message", text(changed))
        await live.produce(topics.BALANCES, me.user_id, None)
        deleted = await stream.next()
        assert (deleted.event, loads(deleted.data)) == ("delete", {"key": me.user_id})


async def test_payment_requests_show_open_requests_to_me_and_deletes(live: LiveKit) -> None:
    me, other = await live.sign_in(), await live.sign_in()
    mine, theirs = request_to(me.user_id), request_to(other.user_id)
    await live.produce(topics.PAYMENT_REQUESTS, mine.id, mine, {headers.IDENTITY: me.user_id})
    await live.produce(topics.PAYMENT_REQUESTS, theirs.id, theirs)
    async with live.sse("/payment-requests", me.token) as stream:
        initial = await stream.until("ready")
        assert payloads(initial) == [text(mine)]
        newer = request_to(me.user_id)
        await live.produce(topics.PAYMENT_REQUESTS, theirs.id, None)
        await live.produce(topics.PAYMENT_REQUESTS, newer.id, newer)
        assert (await stream.next()).data == text(newer)
        paid = mine.model_copy(update={"status": RequestStatus.PAID})
        await live.produce(topics.PAYMENT_REQUESTS, mine.id, paid)
        await live.produce(topics.PAYMENT_REQUESTS, mine.id, None)
        closed = [await stream.next(), await stream.next()]
        assert [(e.event, loads(e.data)) for e in closed] == [("delete", {"key": mine.id})] * 2


async def test_balance_history_sends_my_history_then_each_change(live: LiveKit) -> None:
    me, other = await live.sign_in(), await live.sign_in()
    history = [balance(f"{n}.10", n) for n in range(1, 4)]
    for item in history:
        await live.produce(topics.BALANCE_HISTORIES, me.user_id, item)
    await live.produce(topics.BALANCE_HISTORIES, other.user_id, balance("5.00", 1))
    async with live.sse("/balance-histories", me.token) as stream:
        assert payloads(await stream.until("ready")) == [text(item) for item in history]
        later = balance("4.10", 4)
        await live.produce(topics.BALANCE_HISTORIES, me.user_id, later)
        assert (await stream.next()).data == text(later)


async def test_activities_start_from_a_recent_tail_then_go_live(live: LiveKit) -> None:
    me = await live.sign_in()
    async with live.sse("/activities", me.token) as stream:
        assert len(await stream.until("ready")) <= 51  # the recent tail, never the history
        sent = activity(me.user_id, "3.30")
        await live.produce(topics.ACTIVITIES, me.user_id, sent)
        [event] = await stream.matching(lambda e: me.user_id in e.data, 1)
        assert event.data == text(sent) and (event.id or "").startswith("activities@")


def statement(user: str, start: str, money_in: str) -> Statement:
    return Statement(
        user_id=user,
        period=StatementPeriod.HOUR,
        start=start,
        end=start.replace("T10", "T11"),
        money_in=Decimal(money_in),
        money_out=Decimal("0.00"),
        count=1,
        timestamp=now_ms(),
    )


async def test_statements_are_mine_only(live: LiveKit) -> None:
    me, other = await live.sign_in(), await live.sign_in()
    mine = statement(me.user_id, "2026-01-01T10:00:00Z", "5.00")
    theirs = statement(other.user_id, "2026-01-01T10:00:00Z", "6.00")
    for item in (mine, theirs):
        await live.produce(
            topics.STATEMENTS, statement_key(item.user_id, item.period, item.start), item
        )
    async with live.sse("/statements", me.token) as stream:
        assert payloads(await stream.until("ready", within=15)) == [text(mine)]
        filled = statement(me.user_id, "2026-01-01T10:00:00Z", "7.50")
        for item in (theirs.model_copy(update={"count": 2}), filled):
            key = statement_key(item.user_id, item.period, item.start)
            await live.produce(topics.STATEMENTS, key, item)
        assert (await stream.next()).data == text(filled)


async def test_totals_stream_every_new_value(live: LiveKit) -> None:
    me = await live.sign_in()
    async with live.sse("/total-transactions", me.token) as stream:
        await stream.until("ready")
        total = TotalTransactions(total=10**9 + int(uuid.uuid4().int % 10**6), timestamp=now_ms())
        await live.produce(topics.TOTAL_TRANSACTIONS, TOTALS_KEY, total)
        assert await stream.matching(lambda e: e.data == text(total), 1)


async def test_resume_with_last_event_id_sends_exactly_what_was_missed(live: LiveKit) -> None:
    me = await live.sign_in()
    mine = lambda event: me.user_id in event.data  # noqa: E731
    first = [activity(me.user_id, f"1.{n:02d}") for n in range(3)]
    async with live.sse("/activities", me.token) as stream:
        await stream.until("ready")
        for item in first:
            await live.produce(topics.ACTIVITIES, me.user_id, item)
        seen = await stream.matching(mine, 3)
    assert [e.data for e in seen] == [text(item) for item in first]
    missed = [activity(me.user_id, f"2.{n:02d}") for n in range(4)]
    for item in missed:
        await live.produce(topics.ACTIVITIES, me.user_id, item)
    async with live.sse("/activities", me.token, seen[-1].id) as stream:
        resumed = await stream.until("ready")
        after = activity(me.user_id, "3.00")
        await live.produce(topics.ACTIVITIES, me.user_id, after)
        live_one = await stream.matching(mine, 1)
    assert [e.data for e in resumed if mine(e)] == [text(item) for item in missed]
    assert [e.data for e in live_one] == [text(after)]


async def test_a_client_that_disconnects_is_let_go_at_once(live: LiveKit, stack: Stack) -> None:
    me = await live.sign_in()

    async def connected() -> float:
        async with httpx.AsyncClient() as client:
            text = (await client.get(stack.config.metrics_url)).text
        line = 'streampay_gateway_sse_clients{view="average-transactions"} '
        return sum(
            float(row.removeprefix(line)) for row in text.splitlines() if row.startswith(line)
        )

    before = await connected()
    async with live.sse("/average-transactions", me.token) as stream:
        await stream.until("ready")
        assert await connected() == before + 1
    async with asyncio.timeout(5):
        while await connected() != before:  # noqa: ASYNC110 - polling another process
            await asyncio.sleep(0.05)
