"""Replaying the event log through the projections: what every view should hold.

``make audit`` replays ``events`` from the beginning and compares each view topic with the
result; ``python -m streampay_streams.replay --rebuild TOPIC`` writes a view topic anew from the
log while the system runs. Both use the projections the projector applies, so a view the audit
passes is exactly what its projection makes of the log.

Rebuilding a topic writes, for a compacted view, the latest record of every key, and for an
append-only view every record the topic is missing (recognised by its value: the same record
twice is a copy). It then reads on to the log's new end and writes what the events that arrived
meanwhile produced, until a round finds nothing new; run it while the projector runs, and both
end on the same records. To add a view to a running system: write its projection, add it to
``projections.project``, create its topic, rebuild it with this command, then restart the
projector, which keeps it up to date from there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from streampay_contracts import (
    AverageTransactions,
    KafkaSettings,
    TotalTransactions,
    codec,
    topics,
)
from streampay_contracts.events import Event, decode_event
from streampay_contracts.reading import keyed, read_to_end
from streampay_contracts.views import TOTALS_KEY
from streampay_streams.projections import project
from streampay_streams.projections.state import Projected
from streampay_streams.projections.totals import PayerTotals, Totals, newer, recorded
from streampay_streams.projections.views import ViewRecord

COMPACTED = (topics.BALANCES, topics.PAYMENT_REQUESTS, topics.SENT_REQUESTS, topics.STATEMENTS)
"""Views whose latest record per key is the view."""
APPEND_ONLY = (topics.BALANCE_HISTORIES, topics.ACTIVITIES, topics.USER_ACTIVITIES)
"""Views whose every record is part of the view."""
TOTALS = (topics.TOTAL_TRANSACTIONS, topics.AVERAGE_TRANSACTIONS)
VIEWS = (*COMPACTED, *APPEND_ONLY, *TOTALS)


@dataclass
class Replay:
    """The projections' state and output after the events applied so far."""

    states: dict[str, Projected] = field(default_factory=dict)
    records: dict[str, list[ViewRecord]] = field(default_factory=lambda: defaultdict(list))
    payers: dict[str, PayerTotals] = field(default_factory=dict)
    events: int = 0
    unreadable: list[str] = field(default_factory=list)

    def apply(self, event: Event) -> list[ViewRecord]:
        self.events += 1
        state = self.states.get(event.user_id, Projected())
        self.states[event.user_id], views = project(state, event)
        for view in views:
            self.records[view.topic].append(view)
        payment = recorded(event)
        if payment is not None:
            after = newer(self.payers.get(payment.payer_id), payment)
            if after is not None:
                self.payers[payment.payer_id] = after
        return views

    def apply_values(self, values: Iterable[tuple[str, bytes | None]]) -> list[ViewRecord]:
        views: list[ViewRecord] = []
        for key, value in values:
            try:
                views += self.apply(decode_event(value or b""))
            except ValueError as error:
                self.unreadable.append(f"unreadable event for {key}: {error}")
        return views

    def latest(self, topic: str) -> dict[str, BaseModel | None]:
        """The last value of every key of ``topic``; None where it was a tombstone."""
        return {key: view.value for key, view in self.latest_records(topic).items()}

    def latest_records(self, topic: str) -> dict[str, ViewRecord]:
        return {view.key: view for view in self.records[topic]}

    def totals(self) -> dict[str, BaseModel]:
        """The expected ``total-transactions`` and ``average-transactions`` values."""
        views = Totals.of(self.payers.values()).views()
        if views is None:
            return {}
        total, average = views
        return {topics.TOTAL_TRANSACTIONS: total, topics.AVERAGE_TRANSACTIONS: average}


async def replay(bootstrap_servers: str) -> Replay:
    """Every event of the log, up to its current end, through the projections."""
    result = Replay()
    events, _ = await read_to_end(bootstrap_servers, topics.EVENTS)
    result.apply_values(keyed(events))
    return result


def differences(
    expected: Replay,
    actual: Mapping[str, list[tuple[str, BaseModel | None]]],
    users: Collection[str] | None = None,
) -> list[str]:
    """Where the view topics (decoded, in order) differ from the replayed log; only records
    about ``users`` when given (the totals are then not compared: others pay too)."""

    def about(topic: str, key: str, value: BaseModel | None) -> bool:
        return users is None or _about(topic, key, value, users)

    found: list[str] = []
    for topic in COMPACTED:
        records = [(r.key, r.value) for r in expected.records[topic]]
        shown = actual.get(topic, [])
        keys = {k for k, v in [*records, *shown] if about(topic, k, v)}  # a tombstone names no one
        want, have = dict(records), dict(shown)
        for key in sorted(keys):
            if want.get(key) != have.get(key):
                found.append(
                    f"{topic} {key}: {_show(have.get(key))}, the log says {_show(want.get(key))}"
                )
    for topic in APPEND_ONLY:
        want_set = {
            (r.key, _text(r.value)) for r in expected.records[topic] if about(topic, r.key, r.value)
        }
        have_set = {(k, _text(v)) for k, v in actual.get(topic, []) if about(topic, k, v)}
        found += [f"{topic} {k}: missing {v}" for k, v in sorted(want_set - have_set)]
        found += [f"{topic} {k}: not in the log {v}" for k, v in sorted(have_set - want_set)]
    if users is None:
        found += _totals_differences(expected.totals(), actual)
    return found


def _totals_differences(
    want: Mapping[str, BaseModel], actual: Mapping[str, list[tuple[str, BaseModel | None]]]
) -> list[str]:
    found = []
    for topic in TOTALS:
        have = dict(actual.get(topic, [])).get(TOTALS_KEY)
        wanted = want.get(topic)
        if _figure(have) != _figure(wanted):
            found.append(f"{topic}: {_show(have)}, the log says {_show(wanted)}")
    return found


def _figure(value: BaseModel | None) -> object:
    """What a totals record says, without its timestamp (the time of the latest payment seen,
    which a copy delivered later may have moved)."""
    if isinstance(value, TotalTransactions):
        return value.total
    if isinstance(value, AverageTransactions):
        return value.average
    return None


def _about(topic: str, key: str, value: BaseModel | None, users: Collection[str]) -> bool:
    if topic == topics.STATEMENTS:
        return key.rsplit("|", 2)[0] in users  # <user id>|<period>|<start>
    if topic in (topics.BALANCES, topics.BALANCE_HISTORIES, topics.USER_ACTIVITIES):
        return key in users
    parties = {getattr(value, name, None) for name in ("from_user_id", "to_user_id")}
    return key in users or bool(parties & set(users))


def _text(value: BaseModel | None) -> str:
    return "" if value is None else codec.encode(value).decode()


def _show(value: BaseModel | None) -> str:
    return "nothing" if value is None else _text(value)


async def rebuild(bootstrap_servers: str, topic: str, say: Callable[[str], None] = print) -> int:
    """Write ``topic`` anew from the log (see the module docstring); how many records."""
    if topic not in (*COMPACTED, *APPEND_ONLY):
        raise ValueError(f"{topic} is not a view; these are: {', '.join(COMPACTED + APPEND_ONLY)}")
    replayed = Replay()
    events, ends = await read_to_end(bootstrap_servers, topics.EVENTS)
    views = replayed.apply_values(keyed(events))
    if topic in COMPACTED:
        pending = list(replayed.latest_records(topic).values())
    else:
        present = set(keyed((await read_to_end(bootstrap_servers, topic))[0]))
        pending = [v for v in views if v.topic == topic and (v.key, _bytes(v.value)) not in present]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    written = 0
    try:
        while True:
            for view in pending:
                headers = [(name, value.encode()) for name, value in view.headers.items()]
                await producer.send(
                    topic, _bytes(view.value), key=view.key.encode(), headers=headers
                )
            await producer.flush()
            written += len(pending)
            say(f"{topic}: {len(pending)} record(s) written, {replayed.events} event(s) replayed")
            events, ends = await read_to_end(bootstrap_servers, topics.EVENTS, start=ends)
            if not events:
                return written
            pending = [v for v in replayed.apply_values(keyed(events)) if v.topic == topic]
    finally:
        await producer.stop()


def _bytes(value: BaseModel | None) -> bytes | None:
    return None if value is None else codec.encode(value)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streampay_streams.replay",
        description="Replay the event log through the projections and write a view topic anew.",
    )
    parser.add_argument(
        "--rebuild", metavar="TOPIC", required=True, choices=COMPACTED + APPEND_ONLY
    )
    topic = parser.parse_args().rebuild
    bootstrap = KafkaSettings().kafka_bootstrap_servers
    written = asyncio.run(rebuild(bootstrap, topic))
    print(f"rebuilt {topic} on {bootstrap}: {written} record(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
