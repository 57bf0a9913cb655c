"""The System section's parts without a broker: reader slots, record filters, how a record is
shown, and how a trace orders records and withholds other users' ones."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from streampay_gateway.http.problems import ProblemError
from streampay_gateway.system.limits import ReaderSlots
from streampay_gateway.system.records import VALUE_LIMIT, RecordFilter, topic_record
from streampay_gateway.system.trace import assemble

pytestmark = pytest.mark.unit

CID = "c" * 64


@dataclass
class Record:
    topic: str
    offset: int
    timestamp: int
    key: bytes | None = b"local|ann"
    value: bytes | None = b"{}"
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    partition: int = 0


def test_reader_slots_per_user_then_in_all() -> None:
    slots = ReaderSlots(total=3, per_user=2)
    first, _ = slots.take("ann"), slots.take("ann")
    with pytest.raises(ProblemError) as refused:
        slots.take("ann")
    assert refused.value.problem.status == 429 and refused.value.headers["Retry-After"]
    slots.take("bob")
    with pytest.raises(ProblemError) as full:
        slots.take("cy")
    assert full.value.problem.status == 503
    first()
    first()  # giving a slot back twice gives back one
    assert slots.open == 2
    slots.take("cy")


def test_a_filter_matches_the_key_and_any_headers_value() -> None:
    record = Record("replies", 1, 0, headers=[("zilla:correlation-id", CID.encode())])
    assert RecordFilter().matches(record)
    assert RecordFilter(key="local|ann").matches(record)
    assert not RecordFilter(key="local|bob").matches(record)
    assert RecordFilter(header=CID).matches(record)
    assert not RecordFilter(key="local|ann", header="other").matches(record)


def test_a_record_shows_json_exactly_text_as_text_and_cuts_long_values() -> None:
    shown = topic_record(Record("balances", 3, 7, value=b'{"balance":25.50}'))
    assert shown.format == "json" and shown.value == '{\n  "balance": 25.50\n}'
    assert topic_record(Record("x", 0, 0, value=b"not json")).value == "not json"
    assert topic_record(Record("x", 0, 0, value=None)).value is None
    long = topic_record(Record("x", 0, 0, value=b"[" + b"1," * VALUE_LIMIT + b"1]"))
    assert long.truncated and long.format == "text" and len(long.value or "") == VALUE_LIMIT


def test_a_trace_is_in_written_order_and_withholds_other_users_records() -> None:
    caused = [("streampay-cause", CID.encode())]
    records = [
        Record("balances", 9, 1040, key=b"local|bob", headers=caused),
        Record("replies", 4, 1010, headers=[("zilla:correlation-id", CID.encode())]),
        Record("transactions", 5, 1010, key=b"local|bob", headers=caused),
        Record("transactions", 4, 1010, headers=caused),
        Record("commands", 2, 1000, headers=[("zilla:correlation-id", CID.encode())]),
    ]
    mine = assemble(CID, 1000, 2000, records, viewer="local|ann")
    assert [(s.kind, s.key) for s in mine.steps] == [
        ("command", "local|ann"),
        ("ledger leg", "local|ann"),
        ("ledger leg", None),
        ("reply", "local|ann"),
        ("view", None),
    ]
    assert [s.since_command_ms for s in mine.steps] == [0, 10, 10, 10, 40]
    withheld = [s for s in mine.steps if s.withheld]
    assert all(s.value is None and s.headers == {} for s in withheld) and len(withheld) == 2
    everything = assemble(CID, 1000, 2000, records, viewer=None)
    assert not any(s.withheld for s in everything.steps)
    assert everything.steps[-1].key == "local|bob"
