"""The write model's events: ids derived from their cause, one decoder for every type."""

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import PaymentRequest, RequestStatus, codec, encode
from streampay_contracts.events import (
    EVENT_SCHEMA_VERSION,
    Deposited,
    EventBase,
    PaymentReceived,
    PaymentSent,
    RequestCancelled,
    RequestDeclined,
    RequestOpened,
    RequestPaid,
    decode_event,
    event_id,
)

pytestmark = pytest.mark.unit

ALICE, BOB = "local|alice", "local|bob"


def stamp(kind: str, seq: int = 1, cause: str = "c-1") -> dict[str, Any]:
    return {"id": event_id(cause, kind), "user_id": ALICE, "seq": seq, "at": 5, "cause": cause}


def posted() -> dict[str, Any]:
    return {"amount": Decimal("10"), "balance": Decimal("90"), "version": 2, "notes": "tea"}


REQUEST = PaymentRequest(
    id="rq-1",
    from_user_id=BOB,
    from_user_name="Bob",
    to_user_id=ALICE,
    to_user_name="Alice",
    amount=Decimal("3"),
    timestamp=1,
)

EVENTS: list[EventBase] = [
    Deposited(**stamp("Deposited"), **posted(), user_name="Alice"),
    PaymentSent(
        **stamp("PaymentSent"),
        **posted(),
        payer_name="Alice",
        payee_id=BOB,
        payee_name="Bob",
        request_id="rq-1",
        payments=1,
        paid=Decimal("10"),
    ),
    PaymentReceived(
        **stamp("PaymentReceived"), **posted(), payer_id=BOB, payer_name="Bob", payee_name="Alice"
    ),
    RequestOpened(**stamp("RequestOpened"), request=REQUEST),
    RequestPaid(
        **stamp("RequestPaid"), request=REQUEST.model_copy(update={"status": RequestStatus.PAID})
    ),
    RequestDeclined(
        **stamp("RequestDeclined"),
        request=REQUEST.model_copy(update={"status": RequestStatus.DECLINED}),
        notes="no",
    ),
    RequestCancelled(
        **stamp("RequestCancelled"),
        request=REQUEST.model_copy(update={"status": RequestStatus.CANCELLED}),
    ),
]


def test_an_events_id_is_derived_from_its_cause_and_type() -> None:
    assert event_id("c-1", "PaymentSent") == "c-1:PaymentSent"
    for event in EVENTS:
        assert event.id == f"c-1:{event.type}"  # type: ignore[attr-defined]
        assert event.v == EVENT_SCHEMA_VERSION == 1


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.type)
def test_every_event_decodes_to_its_own_type(event: EventBase) -> None:
    decoded = decode_event(encode(event))
    assert type(decoded) is type(event) and decoded == event


def test_events_travel_with_camel_case_names_and_their_type() -> None:
    wire = codec.loads(encode(EVENTS[1]))
    assert wire["type"] == "PaymentSent"
    assert (wire["userId"], wire["seq"], wire["cause"], wire["v"]) == (ALICE, 1, "c-1", 1)
    assert (wire["payerName"], wire["payeeId"], wire["requestId"]) == ("Alice", BOB, "rq-1")
    assert wire["balance"] == Decimal("90.00") and wire["amount"] == Decimal("10.00")
    assert "user_id" not in wire
    opened = codec.loads(encode(EVENTS[3]))
    assert opened["request"]["toUserId"] == ALICE


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"not json", "not valid JSON"),
        (
            b'{"type":"Nothing","id":"c:x","userId":"local|alice","seq":1,"at":1,"cause":"c"}',
            "does not match any of the expected tags",
        ),
        (b'{"id":"c:x","userId":"local|alice","seq":1,"at":1,"cause":"c"}', "extract tag"),
    ],
    ids=["garbage", "unknown-type", "no-type"],
)
def test_what_is_not_an_event_is_a_value_error(value: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        decode_event(value)


def test_the_schema_version_is_read_as_written() -> None:
    wire = codec.loads(encode(EVENTS[0]))
    wire["v"] = 2
    decoded = decode_event(codec.dumps(wire))
    assert decoded.v == 2 and isinstance(decoded, Deposited)
