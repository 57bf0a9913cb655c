"""The worker around the core: stores before it publishes, stores each account once per batch,
answers what it cannot decide, and re-publishes what a crash may have left unpublished."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    Balance,
    PayCommand,
    Problem,
    Transaction,
    TransactionKind,
    User,
    codec,
    headers,
    topics,
)
from streampay_contracts.events import PaymentSent, decode_event
from streampay_streams.adapters.inbound import Reader
from streampay_streams.adapters.records import Emit, RawRecord
from streampay_streams.adapters.store import AccountStore, StoredAccount, pending, staged
from streampay_streams.agents import recovery
from streampay_streams.agents.accounts import AccountsWorker
from streampay_streams.agents.projector import ProjectorWorker
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context, Policy
from streampay_streams.projections.totals import PaymentRecorded

pytestmark = pytest.mark.unit

ALICE, BOB = "local|alice", "local|bob"


@dataclass
class Table:
    """The part of a Faust table the store uses, in memory."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)

    def read(self, key: str) -> Any:
        return self.data.get(key)

    def keep(self, key: str, value: Any) -> None:
        self.data[key] = value

    def write(self, partition: int, key: str, value: Any) -> Emit:
        self.data[key] = value
        return Emit(self.name, key, codec.encode(value), partition=partition)

    def values_now(self) -> list[Any]:
        return list(self.data.values())


@dataclass
class Publisher:
    batches: list[list[Emit]] = field(default_factory=list)
    fail: bool = False

    async def publish(self, records: Sequence[Emit]) -> None:
        if self.fail:
            raise ConnectionError("broker gone")
        self.batches.append(list(records))


class Directory:
    """A directory that knows Alice and Bob and has caught up with ``users``."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.ready.set()
        self.catch_ups = 0

    def get(self, user_id: str) -> User | None:
        return User(id=user_id, name=user_id, username="x") if user_id in (ALICE, BOB) else None

    async def catch_up(self) -> None:
        self.catch_ups += 1


def worker() -> tuple[AccountsWorker, AccountStore, Publisher]:
    store = AccountStore(Table("accounts-changelog"), Table("marks-changelog"))  # type: ignore[arg-type]
    publisher = Publisher()
    ctx = Context(Directory(), Policy())
    reader = Reader(requests_topic="requests")
    return AccountsWorker(store, publisher, Directory(), reader, ctx), store, publisher  # type: ignore[arg-type]


def pay(offset: int, cid: str, amount: str = "10", actor: str = ALICE) -> RawRecord:
    body = codec.encode(PayCommand(user_id=BOB, amount=Decimal(amount)))
    found = {
        headers.IDENTITY: actor,
        headers.DOMAIN_MODEL: "PayCommand",
        headers.CORRELATION_ID: cid,
    }
    return RawRecord("commands", 0, offset, actor.encode(), body, found, 1_795_000_000_000)


def funded(store: AccountStore, user: str = ALICE, balance: str = "100.00") -> None:
    account = Account.new(user).change(balance=Decimal(balance))
    store.keep(StoredAccount(partition=0, account=account))


async def test_state_is_published_before_the_records_and_the_mark_after() -> None:
    work, store, published = worker()
    funded(store)
    await work.apply([pay(1, "c-1"), pay(2, "c-2"), pay(3, "c-3")])

    state, records, marks = published.batches
    assert [r.topic for r in state] == ["accounts-changelog"]  # one write for three decisions
    assert codec.decode(state[0].body or b"", StoredAccount).account.balance == Decimal("70.00")
    assert len([r for r in records if r.topic == "replies"]) == 3
    events = [decode_event(r.body or b"") for r in records if r.topic == topics.EVENTS]
    assert [(type(e), e.user_id, e.seq, e.cause) for e in events] == [
        (PaymentSent, ALICE, n, f"c-{n}") for n in (1, 2, 3)
    ]
    assert {r.key for r in records if r.topic == topics.EVENTS} == {ALICE}
    assert not {r.topic for r in records} & {topics.BALANCES, topics.ACTIVITIES}
    assert [(r.topic, r.partition) for r in marks] == [("marks-changelog", 0)]
    assert store.confirmed(0) == 1


async def test_the_outbox_keeps_what_is_not_yet_confirmed() -> None:
    work, store, _ = worker()
    funded(store)
    await work.apply([pay(1, "c-1")])
    first = store.load(ALICE)
    assert first is not None and [e.tag for e in first.outbox] == [1]
    await work.apply([pay(2, "c-2")])
    second = store.load(ALICE)
    assert second is not None and [e.tag for e in second.outbox] == [2]


async def test_malformed_and_failing_commands_are_answered_and_the_batch_goes_on() -> None:
    work, store, published = worker()
    funded(store)
    broken = RawRecord("commands", 0, 1, ALICE.encode(), b"{", pay(1, "c-0").headers, 1)
    await work.apply([broken, pay(2, "c-2"), pay(3, "c-3", actor="system|bank")])

    replies = [r for r in published.batches[1] if r.topic == "replies"]
    assert [r.headers[headers.STATUS] for r in replies] == ["400", "200", "403"]
    assert codec.decode(replies[0].body or b"", Problem).detail.startswith("Body is not valid JSON")


async def test_an_unexpected_error_is_answered_500_and_nothing_is_stored(monkeypatch: Any) -> None:
    work, store, published = worker()
    funded(store)

    def explode(*_: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("streampay_streams.agents.accounts.decide", explode)
    await work.apply([pay(1, "c-1")])
    (reply,) = published.batches[1]
    assert reply.headers[headers.STATUS] == "500"
    assert "was not applied" in str(codec.decode(reply.body or b"", Problem).detail)
    assert published.batches[0] == []


async def test_a_failing_broker_stops_the_batch_before_anything_is_announced() -> None:
    work, store, published = worker()
    funded(store)
    published.fail = True
    with pytest.raises(ConnectionError):
        await work.apply([pay(1, "c-1")])


def credit(owner: str, command_id: str, amount: str) -> Emit:
    leg = Transaction(
        id=f"{command_id}:credit",
        owner_id=owner,
        user_id="local|payer",
        amount=Decimal(amount),
        kind=TransactionKind.TRANSFER,
        command_id=command_id,
        timestamp=1,
    )
    return Emit(topics.TRANSACTIONS, owner, codec.encode(leg))


async def test_recovery_republishes_unconfirmed_entries_in_decision_order() -> None:
    store = AccountStore(Table("accounts-changelog"), Table("marks-changelog"))  # type: ignore[arg-type]
    store.confirm(0, 4)
    for user, tag, seq, command_id in (
        (ALICE, 5, 2, "c-b"),
        (BOB, 5, 1, "c-a"),
        ("local|c", 4, 9, "c-old"),
    ):
        stored = staged(None, 0, Account.new(user), [credit(user, command_id, "1")], (tag, seq), 0)
        store.keep(stored)
    publisher = Publisher()

    assert await recovery.republish(store, publisher, {0}) == 2  # type: ignore[arg-type]
    records, marks = publisher.batches
    assert [r.key for r in records] == [BOB, ALICE]
    assert store.confirmed(0) == 5 and marks[0].topic == "marks-changelog"
    assert await recovery.republish(store, Publisher(), {0}) == 0  # type: ignore[arg-type]


def test_published_entries_leave_the_outbox_at_the_next_write() -> None:
    before = staged(None, 0, Account.new(ALICE), [credit(ALICE, "c-1", "1")], (3, 1), 0)
    after = staged(before, 0, Account.new(ALICE), [credit(ALICE, "c-2", "1")], (4, 1), 3)
    assert [e.tag for e in after.outbox] == [4]
    kept = staged(before, 0, Account.new(ALICE), [], (3, 2), 2)
    assert [e.tag for e in kept.outbox] == [3]
    assert [e.tag for e in pending(iter([before, after]), 3)] == [4]


async def test_a_batch_naming_unknown_users_reads_the_directory_up_to_now_once() -> None:
    work, store, published = worker()
    funded(store)
    directory = work._directory  # type: ignore[attr-defined]
    strangers = [
        RawRecord(
            "commands",
            0,
            offset,
            ALICE.encode(),
            codec.encode(PayCommand(user_id=f"local|nobody{offset}", amount=Decimal(1))),
            pay(offset, f"c-{offset}").headers,
            1,
        )
        for offset in range(1, 51)
    ]
    await work.apply(strangers)
    assert directory.catch_ups == 1
    replies = [r for r in published.batches[1] if r.topic == "replies"]
    assert {r.headers[headers.STATUS] for r in replies} == {"404"} and len(replies) == 50
    await work.apply([pay(51, "c-51")])  # Bob is known: no need to read the directory
    assert directory.catch_ups == 1


def event_record(offset: int, event: Any) -> RawRecord:
    return RawRecord(topics.EVENTS, 1, offset, event.user_id.encode(), codec.encode(event), {}, 1)


async def test_the_projector_publishes_views_then_states_and_skips_copies() -> None:
    work, store, published = worker()
    funded(store)
    await work.apply([pay(1, "c-1")])
    (sent,) = [decode_event(r.body or b"") for r in published.batches[1] if r.topic == "events"]
    table, publisher = Table("projections-changelog"), Publisher()
    projector = ProjectorWorker(table, publisher, "payments")  # type: ignore[arg-type]

    await projector.apply(
        [
            event_record(7, sent),
            event_record(8, sent),
            RawRecord(topics.EVENTS, 1, 9, b"x", b"{", {}, 1),
        ]
    )

    views, states = publisher.batches
    assert [r.topic for r in views] == [
        topics.BALANCES,
        topics.BALANCE_HISTORIES,
        topics.STATEMENTS,
        topics.STATEMENTS,
        topics.USER_ACTIVITIES,
        "payments",
    ]
    assert codec.decode(views[0].body or b"", Balance).balance == Decimal("90.00")
    assert [(r.topic, r.partition, r.key) for r in states] == [("projections-changelog", 1, ALICE)]
    assert table.read(ALICE).seq == 1
    await projector.apply([event_record(7, sent)])
    assert publisher.batches[2:] == [[], []]


async def test_a_batch_sends_compacted_views_and_the_totals_only_the_latest_per_key() -> None:
    work, store, published = worker()
    funded(store)
    await work.apply([pay(1, "c-1"), pay(2, "c-2", amount="5")])
    sent = [decode_event(r.body or b"") for r in published.batches[1] if r.topic == "events"]
    publisher = Publisher()
    projector = ProjectorWorker(Table("projections-changelog"), publisher, "payments")  # type: ignore[arg-type]

    await projector.apply([event_record(n, event) for n, event in enumerate(sent)])

    views = publisher.batches[0]

    def on(topic: str) -> list[Emit]:
        return [r for r in views if r.topic == topic]

    assert [codec.decode(r.body or b"", Balance).balance for r in on(topics.BALANCES)] == [
        Decimal("85.00")
    ]
    histories = on(topics.BALANCE_HISTORIES)
    assert [codec.decode(r.body or b"", Balance).version for r in histories] == [1, 2]
    assert len(on(topics.STATEMENTS)) == 2  # the hour and the day, each once, as they end up
    (payment,) = on("payments")
    assert codec.decode(payment.body or b"", PaymentRecorded).payments == 2
