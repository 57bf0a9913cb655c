"""Comparing the view topics with the replayed log, for every user or for some."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streampay_contracts import PaymentRequest, RequestStatus, topics
from streampay_streams.projections.views import ViewRecord
from streampay_streams.replay import Replay, differences

pytestmark = pytest.mark.unit

ALICE, BOB = "local|alice", "local|bob"
REQUEST = PaymentRequest(
    id="rq-1",
    from_user_id=ALICE,
    from_user_name="Alice",
    to_user_id=BOB,
    to_user_name="Bob",
    amount=Decimal("5.00"),
    timestamp=1,
    status=RequestStatus.PAID,
)


def replayed() -> Replay:
    expected = Replay()
    expected.records[topics.PAYMENT_REQUESTS] += [
        ViewRecord(topics.PAYMENT_REQUESTS, REQUEST.id, REQUEST),
        ViewRecord(topics.PAYMENT_REQUESTS, REQUEST.id, None),
    ]
    return expected


@pytest.mark.parametrize("users", [None, {BOB}])
def test_a_closed_request_ends_in_a_tombstone_on_both_sides(users: set[str] | None) -> None:
    shown = {topics.PAYMENT_REQUESTS: [(REQUEST.id, REQUEST), (REQUEST.id, None)]}
    assert differences(replayed(), shown, users) == []


@pytest.mark.parametrize("users", [None, {BOB}])
def test_a_missing_tombstone_is_a_difference(users: set[str] | None) -> None:
    shown = {topics.PAYMENT_REQUESTS: [(REQUEST.id, REQUEST)]}
    (found,) = differences(replayed(), shown, users)
    assert found.startswith(f"{topics.PAYMENT_REQUESTS} rq-1:") and "the log says nothing" in found


def test_records_about_other_users_are_not_compared() -> None:
    shown = {topics.PAYMENT_REQUESTS: [(REQUEST.id, REQUEST)]}
    assert differences(replayed(), shown, {"local|carol"}) == []
