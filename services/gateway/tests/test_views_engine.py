"""The live view engine without Kafka: records are applied to readers by hand.

Fan-out (a slow client is dropped, a fast one is not held up), resuming from positions inside
and before a log's in-memory window, tombstones, heartbeats and token expiry.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, model_validator
from sse_starlette import ServerSentEvent

from streampay_contracts import Activity, ActivityEvent, Balance, PaymentRequest, encode, loads
from streampay_contracts.headers import IDENTITY
from streampay_gateway.views import metrics
from streampay_gateway.views.backfill import Ranges
from streampay_gateway.views.catalog import VIEWS
from streampay_gateway.views.log import TopicLog
from streampay_gateway.views.pacing import Pacer
from streampay_gateway.views.positions import Cursor, decode_event_id
from streampay_gateway.views.reader import TopicReader
from streampay_gateway.views.records import Record
from streampay_gateway.views.sse import EventStream, SendTimeoutError
from streampay_gateway.views.stream import EventBatch, RecordEvent, Timing, ViewStream
from streampay_gateway.views.subscription import Limits, open_subscription
from streampay_gateway.views.table import TopicTable

pytestmark = pytest.mark.unit

ALICE, BOB = "local|alice", "local|bob"
FOREVER = Timing(heartbeat=3600, expires_at=time.time() + 3600, warning=60)


def balance(amount: str, version: int) -> Balance:
    return Balance(balance=Decimal(amount), timestamp=1_700_000_000_000, version=version)


def activity(n: int) -> Activity:
    return Activity(
        event_name=ActivityEvent.PAYMENT_SENT,
        amount=Decimal(f"{n}.25"),
        from_user_id=ALICE,
        from_user_name="Alice",
        to_user_id=BOB,
        to_user_name="Bob",
        timestamp=1_700_000_000_000 + n,
    )


def request(request_id: str, payer: str) -> PaymentRequest:
    return PaymentRequest(
        id=request_id,
        from_user_id=BOB,
        from_user_name="Bob",
        to_user_id=payer,
        to_user_name="Payer",
        amount=Decimal("7.50"),
        timestamp=1_700_000_000_000,
    )


def record(partition: int, offset: int, key: str, model: BaseModel | None) -> Record:
    value = None if model is None else encode(model)
    headers = {IDENTITY: key} if model is None else {}
    return Record(partition, offset, key, value, headers, model)


def feed(reader: TopicReader, *records: Record) -> None:
    for item in records:
        reader.apply(item, item.partition, item.offset)


def started_table(model: type[BaseModel]) -> TopicTable[BaseModel]:
    table = TopicTable[BaseModel]("t", model)
    table.positions = {0: 0, 1: 0}
    return table


def started_log(window: int, key_tail: int = 0) -> TopicLog:
    log = TopicLog("t", Activity, window=window, scan=10**6, key_tail=key_tail)
    log.positions = log.start_offsets({0: 0, 1: 0}, {0: 0, 1: 0})
    return log


class FakeKafka:
    """Serves ranges from a list of every record ever written, as the broker would."""

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = list(records)
        self.asked: list[Ranges] = []

    async def __call__(
        self, topic: str, model: type[BaseModel], ranges: Ranges
    ) -> AsyncIterator[Record]:
        self.asked.append(ranges)
        for item in self.records:
            start, stop = ranges.get(item.partition, (0, 0))
            if start <= item.offset < stop:
                yield item


def stream(
    view: str,
    reader: TopicReader,
    user: str = ALICE,
    resume: Cursor | None = None,
    *,
    kafka: FakeKafka | None = None,
    timing: Timing = FOREVER,
    queue: int = 100,
) -> ViewStream:
    limits = Limits(queue=queue, recent=3)
    subscribe = functools.partial(open_subscription, [(VIEWS[view], reader)], user, resume, limits)
    pacer = Pacer(width=1, per_user=1)
    return ViewStream(subscribe, kafka or FakeKafka([]), timing, multiplexed=False, pacer=pacer)


async def take(events: AsyncIterator[ServerSentEvent], count: int) -> list[ServerSentEvent]:
    """At least ``count`` events, as a client parses them (a batch is several events)."""
    received: list[ServerSentEvent] = []
    while len(received) < count:
        event = await asyncio.wait_for(anext(events), 2)
        received += event.events if isinstance(event, EventBatch) else [event]
    return received


async def until_ready(events: AsyncIterator[ServerSentEvent]) -> list[ServerSentEvent]:
    """Every event up to ``ready``, as a client parses them (a batch is several events)."""
    received = []
    while (event := await asyncio.wait_for(anext(events), 2)).event != "ready":
        received += event.events if isinstance(event, EventBatch) else [event]
    received.append(event)
    return received


def amounts(events: Sequence[ServerSentEvent]) -> list[str]:
    return [str(loads(e.data)["amount"]) for e in events if e.event is None and e.data]


# -- fan-out -------------------------------------------------------------------------------


async def test_a_slow_client_is_dropped_while_a_fast_one_keeps_receiving() -> None:
    log = started_log(window=1000)
    fast, slow = stream("activities", log, queue=5), stream("activities", log, queue=5)
    fast_events, slow_events = fast.events(), slow.events()
    assert [e.event for e in await until_ready(fast_events)] == ["ready"]
    assert [e.event for e in await until_ready(slow_events)] == ["ready"]
    dropped_before = metrics.SSE_DROPPED.labels("activities")._value.get()
    received: list[ServerSentEvent] = []
    for offset in range(20):
        feed(log, record(0, offset, ALICE, activity(offset)))
        received += await take(fast_events, 1)  # the fast client reads as records come
    assert amounts(received) == [f"{n}.25" for n in range(20)]
    assert slow.subscription.dropped
    assert metrics.SSE_DROPPED.labels("activities")._value.get() == dropped_before + 1
    with pytest.raises(StopAsyncIteration):  # the slow client's stream ends, unread data and all
        await asyncio.wait_for(anext(slow_events), 2)
    assert slow.subscription not in log._listeners and not fast.subscription.dropped


async def test_a_client_that_goes_away_releases_its_subscription() -> None:
    table = started_table(Balance)
    clients = metrics.SSE_CLIENTS.labels("current-balance")
    before = clients._value.get()
    events = stream("current-balance", table).events()
    await until_ready(events)
    assert clients._value.get() == before + 1 and len(table._listeners) == 1
    await events.aclose()
    assert clients._value.get() == before and not table._listeners


# -- per-user views and tombstones ----------------------------------------------------------


async def test_only_my_balance_then_ready_then_live_changes() -> None:
    table = started_table(Balance)
    feed(table, record(0, 0, ALICE, balance("10.00", 1)), record(1, 0, BOB, balance("99.00", 1)))
    events = stream("current-balance", table).events()
    initial = await until_ready(events)
    assert [e.data for e in initial] == [encode(balance("10.00", 1)).decode(), "{}"]
    assert initial[0].id is None and initial[1].id == "current-balance@0=1,1=1"
    feed(table, record(1, 1, BOB, balance("98.00", 2)), record(0, 1, ALICE, balance("12.50", 2)))
    [live] = await take(events, 1)
    assert live.data == '{"balance":12.50,"timestamp":1700000000000,"version":2}'
    assert live.id == "current-balance@0=2,1=1"


class CountedBalance(Balance):
    """A balance that counts how often a value is decoded."""

    decoded: ClassVar[list[str]] = []

    @model_validator(mode="before")
    @classmethod
    def _count(cls, data: Any) -> Any:
        cls.decoded.append("one")
        return data


def message(offset: int, key: str, value: bytes) -> Any:
    return SimpleNamespace(
        topic="balances", partition=0, offset=offset, key=key.encode(), value=value, headers=[]
    )


async def test_records_selected_by_key_go_out_as_they_came_without_being_decoded() -> None:
    CountedBalance.decoded.clear()
    table = TopicTable("balances", CountedBalance)
    table.positions = {0: 0}
    table.take(message(0, ALICE, b'{"balance":10.00,"timestamp":1700000000000,"version":1}'))
    table.take(message(1, BOB, b'{"balance":99.0,"timestamp":1700000000000,"version":1}'))
    events = stream("current-balance", table).events()
    initial = await until_ready(events)
    table.take(message(2, BOB, b"not even JSON: never read, never shown"))
    table.take(message(3, ALICE, b'{"balance":12.50,"timestamp":1700000000001,"version":2}'))
    [live] = await take(events, 1)
    assert initial[0].data == '{"balance":10.00,"timestamp":1700000000000,"version":1}'
    assert live.data == '{"balance":12.50,"timestamp":1700000000001,"version":2}'
    assert CountedBalance.decoded == []
    mine = table.get(ALICE)
    assert mine is not None and mine.model == mine.model and len(CountedBalance.decoded) == 1
    broken = table.get(BOB)
    assert broken is not None and broken.model is None  # read when asked for: not its contract


async def test_closed_requests_addressed_to_me_become_deletes() -> None:
    table = started_table(PaymentRequest)
    feed(table, record(0, 0, "r1", request("r1", ALICE)), record(0, 1, "r2", request("r2", BOB)))
    events = stream("payment-requests", table).events()
    initial = await until_ready(events)
    assert [loads(e.data)["id"] for e in initial[:-1]] == ["r1"]
    feed(table, record(0, 2, "r2", None), record(0, 3, "r1", None))
    [deleted] = await take(events, 1)
    assert (deleted.event, loads(deleted.data)) == ("delete", {"key": "r1"})


async def test_resuming_a_table_sends_what_changed_including_deletes() -> None:
    table = started_table(PaymentRequest)
    feed(table, record(0, 0, "r1", request("r1", ALICE)), record(1, 0, "r2", request("r2", ALICE)))
    feed(table, record(0, 1, "r3", request("r3", ALICE)), record(0, 2, "r1", None))
    feed(table, record(1, 1, "r4", request("r4", BOB)))
    events = stream("payment-requests", table, resume={"payment-requests": {0: 1, 1: 1}}).events()
    received = await until_ready(events)
    assert [(e.event, e.data, e.id) for e in received] == [
        (None, encode(request("r3", ALICE)).decode(), "payment-requests@0=2,1=1"),
        ("delete", '{"key":"r1"}', "payment-requests@0=3,1=1"),
        ("ready", "{}", "payment-requests@0=3,1=2"),
    ]


# -- logs: recent tail, resume inside and before the window ------------------------------------


def history(count: int) -> list[Record]:
    """``count`` activities spread over two partitions, in the order the broker has them."""
    return [record(n % 2, n // 2, ALICE, activity(n)) for n in range(count)]


async def test_a_fresh_feed_gets_a_recent_tail_not_the_history() -> None:
    log = started_log(window=1000)
    feed(log, *history(40))
    received = await until_ready(stream("activities", log).events())
    assert amounts(received) == ["37.25", "38.25", "39.25"]  # Limits.recent == 3
    assert received[-1].id == "activities@0=20,1=20"


async def test_a_fresh_history_gets_my_changes_only() -> None:
    log = started_log(window=4, key_tail=10)
    mine = [record(0, n, ALICE, balance(f"{n}.00", n)) for n in range(6)]
    feed(log, *mine, record(0, 6, BOB, balance("1.00", 1)))
    received = await until_ready(stream("balance-histories", log).events())
    assert [loads(e.data)["version"] for e in received[:-1]] == list(range(6))


async def test_resume_inside_the_window_replays_exactly_what_was_missed() -> None:
    log = started_log(window=10)
    records = history(30)
    feed(log, *records)
    kafka = FakeKafka(records)
    events = stream("activities", log, resume={"activities": {0: 12, 1: 11}}, kafka=kafka)
    received = await until_ready(events.events())
    assert amounts(received) == [f"{n}.25" for n in range(23, 30)]
    assert kafka.asked == []  # served from memory


async def test_resume_before_the_window_reads_the_gap_from_kafka() -> None:
    log = started_log(window=10)
    records = history(30)
    feed(log, *records)
    kafka = FakeKafka(records)
    resume = {"activities": {0: 3, 1: 9}}
    received = await until_ready(stream("activities", log, resume=resume, kafka=kafka).events())
    expected = [r for r in records if r.offset >= resume["activities"][r.partition]]
    assert sorted(amounts(received)) == sorted(str(loads(r.data())["amount"]) for r in expected)
    assert len(amounts(received)) == len(expected)
    assert kafka.asked == [{0: (3, 10), 1: (9, 10)}]


async def test_every_replayed_id_resumes_with_no_gap_and_no_duplicate() -> None:
    log = started_log(window=6)
    records = history(24)
    feed(log, *records)
    kafka = FakeKafka(records)
    first = await until_ready(
        stream("activities", log, resume={"activities": {0: 0, 1: 0}}, kafka=kafka).events()
    )
    assert len(amounts(first)) == 24
    for cut in range(len(first) - 1):  # a client cut off after each event in turn
        resume = decode_event_id(first[cut].id or "", ["activities"])
        rest = await until_ready(stream("activities", log, resume=resume, kafka=kafka).events())
        assert amounts(first[: cut + 1]) + amounts(rest) == amounts(first)


async def test_a_client_ahead_of_this_instance_gets_no_duplicates() -> None:
    log = started_log(window=100)
    feed(log, *history(4))
    events = stream("activities", log, resume={"activities": {0: 3, 1: 3}}).events()
    assert amounts(await until_ready(events)) == []
    feed(log, *history(8)[4:])  # offsets 2 and 3 of each partition: the client has 2
    live = await take(events, 2)
    assert amounts(live) == ["6.25", "7.25"]
    assert [e.id for e in live] == ["activities@0=4,1=3", "activities@0=4,1=4"]


# -- heartbeats and token expiry -------------------------------------------------------------


async def test_heartbeats_carry_the_position_of_a_quiet_per_user_view() -> None:
    table = started_table(Balance)
    timing = Timing(heartbeat=0.05, expires_at=time.time() + 60, warning=1)
    events = stream("current-balance", table, timing=timing).events()
    assert (await until_ready(events))[-1].id == "current-balance@0=0,1=0"
    feed(table, record(1, 0, BOB, balance("1.00", 1)), record(1, 1, BOB, balance("2.00", 2)))
    [beat] = await take(events, 1)
    assert (beat.comment, beat.data, beat.id) == ("heartbeat", None, "current-balance@0=0,1=2")
    [quiet] = await take(events, 1)
    assert (quiet.comment, quiet.id) == ("heartbeat", None)  # nothing new: no id to repeat


async def test_the_stream_warns_before_the_token_expires_then_ends() -> None:
    table = started_table(Balance)
    started = time.time()
    timing = Timing(heartbeat=10, expires_at=started + 0.6, warning=0.3)
    events = stream("current-balance", table, timing=timing).events()
    await until_ready(events)
    [warning] = await take(events, 1)
    assert warning.event == "token-expiring"
    assert loads(warning.data) == {"expiresAt": int(timing.expires_at)}
    assert started + 0.3 <= time.time() < started + 0.6
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(events), 2)
    assert time.time() >= timing.expires_at and not table._listeners


async def test_heartbeats_keep_their_beat_while_records_flow() -> None:
    log = started_log(window=1000)
    timing = Timing(heartbeat=0.2, expires_at=time.time() + 60, warning=1)
    events = stream("activities", log, timing=timing).events()
    await until_ready(events)
    received: list[ServerSentEvent] = []

    async def read() -> None:
        while len(amounts(received)) < 12:
            received.extend(await take(events, 1))

    reading, began = asyncio.create_task(read()), time.monotonic()
    for offset in range(12):  # a record every 50 ms, 0.6 s in all: about three beats
        feed(log, record(0, offset, ALICE, activity(offset)))
        await asyncio.sleep(0.05)
    await asyncio.wait_for(reading, 2)
    beats_due = (time.monotonic() - began) / timing.heartbeat
    assert amounts(received) == [f"{n}.25" for n in range(12)]
    # a beat per heartbeat period, not one per record (12) and not none
    assert 1 <= sum(e.comment == "heartbeat" for e in received) <= beats_due + 1


# -- framing -------------------------------------------------------------------------------


async def test_records_waiting_together_go_out_in_one_write_each_with_its_id() -> None:
    log = started_log(window=1000)
    events = stream("activities", log).events()
    await until_ready(events)
    feed(log, *(record(0, offset, ALICE, activity(offset)) for offset in range(3)))
    batch = await asyncio.wait_for(anext(events), 2)
    assert isinstance(batch, EventBatch)
    assert amounts(batch.events) == ["0.25", "1.25", "2.25"]
    assert [decode_event_id(e.id or "", ["activities"]) for e in batch.events] == [
        {"activities": {0: n, 1: 0}} for n in (1, 2, 3)
    ]
    assert batch.encode() == b"".join(e.encode() for e in batch.events)
    feed(log, record(0, 3, ALICE, activity(3)))
    alone = await asyncio.wait_for(anext(events), 2)  # nothing waits behind it: a plain event
    assert not isinstance(alone, EventBatch) and amounts([alone]) == ["3.25"]


@pytest.mark.parametrize(
    ("data", "event", "event_id"),
    [
        ('{"amount":1.25}', None, None),
        ('{"amount":1.25}', "activities", "activities@0=4,1=0"),
        ('{"amount":1.25}', None, "activities@0=4"),
        ('{\n  "amount": 1.25\r\n}', "activities", "activities@0=4"),  # framed by the library
        ("", "delete", None),
    ],
)
def test_record_events_are_framed_exactly_as_the_library_frames_them(
    data: str, event: str | None, event_id: str | None
) -> None:
    expected = ServerSentEvent(data, event=event, id=event_id).encode()
    assert RecordEvent(data, event=event, id=event_id).encode() == expected


async def test_a_socket_that_takes_nothing_ends_the_stream_after_the_send_timeout() -> None:
    async def body() -> AsyncIterator[ServerSentEvent]:
        yield RecordEvent('{"amount":1.25}')

    async def stuck_send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body":
            await asyncio.Event().wait()  # the client's socket buffer is full, for good

    async def no_disconnect() -> dict[str, object]:
        await asyncio.Event().wait()
        return {}

    closed: list[bool] = []
    response = EventStream(body(), send_timeout=0.1, on_close=lambda: closed.append(True))
    scope = {"type": "http", "method": "GET", "headers": []}
    with pytest.raises(SendTimeoutError):
        await asyncio.wait_for(response(scope, no_disconnect, stuck_send), 2)
    assert closed == [True]


async def test_without_a_server_channel_chunks_go_through_send_until_the_client_leaves() -> None:
    """Under a server that offers no stream channel: start, each event's bytes and the end all
    go through ``send``; the client's disconnect (from ``receive``) cancels the stream where it
    waits, its events' ``finally`` runs, and the response still ends."""
    finished: list[str] = []

    async def events() -> AsyncIterator[ServerSentEvent]:
        try:
            yield RecordEvent('{"a":1}', event="balance", id="7")
            yield EventBatch([RecordEvent("2", event="x"), ServerSentEvent(comment="beat")])
            await asyncio.Event().wait()  # no more events, ever
        finally:
            finished.append("events")

    sent: list[dict[str, Any]] = []
    leave = asyncio.Event()

    async def send(message: Any) -> None:
        sent.append(message)
        if len(sent) == 3:
            leave.set()  # the client has read both chunks, and goes

    async def receive() -> dict[str, Any]:
        await leave.wait()
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "GET", "headers": []}
    response = EventStream(events(), send_timeout=5, on_close=lambda: finished.append("close"))
    await asyncio.wait_for(response(scope, receive, send), 5)

    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert [m["body"] for m in sent[1:3]] == [
        b'id: 7\r\nevent: balance\r\ndata: {"a":1}\r\n\r\n',
        b"event: x\r\ndata: 2\r\n\r\n: beat\r\n\r\n",
    ]
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert finished == ["events", "close"]
