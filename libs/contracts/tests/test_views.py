"""Views: the records streamed to browsers, with camelCase names and exact amounts."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    Activity,
    ActivityEvent,
    AverageTransactions,
    Balance,
    PaymentRequest,
    RequestStatus,
    TotalTransactions,
    User,
    decode,
    encode,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"balance": -1, "timestamp": 1, "version": 0}, "balance: amount must not be negative"),
        (
            {"balance": 1, "timestamp": 1, "version": -1},
            "version: Input should be greater than or equal to 0",
        ),
        (
            {"balance": 1, "timestamp": "1", "version": 0},
            "timestamp: Input should be a valid integer",
        ),
        (
            {"balance": 1, "timestamp": True, "version": 0},
            "timestamp: Input should be a valid integer",
        ),
    ],
)
def test_balances_are_never_negative_and_counts_are_exact_integers(
    refusal: Callable[..., str], body: dict[str, Any], message: str
) -> None:
    assert refusal(Balance, body) == message


def test_views_ignore_fields_added_by_newer_producers() -> None:
    balance = decode(b'{"balance":10.5,"timestamp":1,"version":2,"currency":"EUR"}', Balance)
    assert encode(balance) == b'{"balance":10.50,"timestamp":1,"version":2}'


def test_user_view_is_id_name_and_username() -> None:
    user = User(id="local|alice", name="Alice Doe", username="alice")
    assert encode(user) == b'{"id":"local|alice","name":"Alice Doe","username":"alice"}'


def test_a_payment_request_is_pending_until_answered() -> None:
    request = PaymentRequest(
        id="r-1",
        from_user_id="local|alice",
        from_user_name="Alice",
        to_user_id="local|bob",
        to_user_name="Bob",
        amount=Decimal("12.3"),
        notes="lunch",
        timestamp=5,
    )
    assert request.status is RequestStatus.PENDING
    assert encode(request) == (
        b'{"id":"r-1","fromUserId":"local|alice","fromUserName":"Alice","toUserId":"local|bob",'
        b'"toUserName":"Bob","amount":12.30,"notes":"lunch","timestamp":5,"status":"pending"}'
    )


def test_an_activity_leaves_out_what_does_not_apply() -> None:
    activity = Activity(
        event_name=ActivityEvent.PAYMENT_SENT,
        amount=Decimal(5),
        from_user_id="local|alice",
        from_user_name="Alice",
        to_user_id="local|bob",
        to_user_name="Bob",
        timestamp=7,
    )
    assert encode(activity) == (
        b'{"eventName":"PaymentSent","amount":5.00,"fromUserId":"local|alice",'
        b'"fromUserName":"Alice","toUserId":"local|bob","toUserName":"Bob","timestamp":7,'
        b'"notes":""}'
    )


def test_an_activity_may_carry_an_id_so_a_line_delivered_twice_shows_once() -> None:
    activity = Activity(
        id="c-1:sent",
        event_name=ActivityEvent.PAYMENT_SENT,
        amount=Decimal(5),
        from_user_id="local|alice",
        from_user_name="Alice",
        to_user_id="local|bob",
        to_user_name="Bob",
        timestamp=7,
    )
    assert encode(activity).endswith(b'"notes":"","id":"c-1:sent"}')
    assert decode(encode(activity), Activity) == activity


def test_activity_events_are_past_tense_names() -> None:
    assert [str(event) for event in ActivityEvent] == [
        "PaymentSent",
        "PaymentReceived",
        "PaymentRequested",
        "PaymentRequestPaid",
        "PaymentRequestDeclined",
        "PaymentRequestCancelled",
        "DepositReceived",
    ]


def test_statistics_are_json_objects() -> None:
    assert encode(TotalTransactions(total=3, timestamp=9)) == b'{"total":3,"timestamp":9}'
    average = AverageTransactions(average=Decimal("8.25"), timestamp=9)
    assert encode(average) == b'{"average":8.25,"timestamp":9}'
