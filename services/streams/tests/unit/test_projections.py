"""The projections: every view built from the event log, once per event, and the totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    SYSTEM_BANK,
    Activity,
    ActivityEvent,
    Balance,
    PayCommand,
    PaymentRequest,
    RequestStatus,
    Statement,
    StatementPeriod,
    Visibility,
    headers,
    topics,
)
from streampay_contracts.events import (
    Deposited,
    Event,
    PaymentReceived,
    PaymentSent,
    RequestCancelled,
    RequestDeclined,
    RequestOpened,
    RequestPaid,
    event_id,
)
from streampay_streams.domain.decide import decide
from streampay_streams.domain.inputs import CreditInput
from streampay_streams.projections import (
    activities,
    balances,
    payment_requests,
    project,
    sent_requests,
    statements,
    totals,
)
from streampay_streams.projections.state import Projected, Window
from streampay_streams.projections.totals import PayerTotals, PaymentRecorded, Totals, newer
from streampay_streams.projections.views import ViewRecord

pytestmark = pytest.mark.unit

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"
HOUR = 3_600_000
T0 = 1_795_000_000_000 - 1_795_000_000_000 % (24 * HOUR)  # a midnight, UTC
AT = T0 + 90 * 60_000  # 01:30


def posted(amount: str, balance: str, version: int) -> dict[str, Any]:
    return {"amount": Decimal(amount), "balance": Decimal(balance), "version": version}


def stamp(kind: str, user: str, seq: int, cause: str = "c-1") -> dict[str, Any]:
    return {"id": event_id(cause, kind), "user_id": user, "seq": seq, "at": AT, "cause": cause}


def deposited(seq: int = 1) -> Deposited:
    return Deposited(
        **stamp("Deposited", ALICE, seq, "d-1"),
        **posted("50", "150.00", 3),
        notes="top-up",
        user_name="Alice",
    )


def sent(
    seq: int = 2, request_id: str | None = None, visibility: Visibility = Visibility.PRIVATE
) -> PaymentSent:
    return PaymentSent(
        **stamp("PaymentSent", ALICE, seq),
        **posted("10", "90.00", 4),
        notes="lunch",
        payer_name="Alice",
        payee_id=BOB,
        payee_name="Bob",
        request_id=request_id,
        payments=3,
        paid=Decimal("25.00"),
        visibility=visibility,
    )


def received(seq: int = 1, visibility: Visibility = Visibility.PRIVATE) -> PaymentReceived:
    return PaymentReceived(
        **stamp("PaymentReceived", BOB, seq),
        **posted("10", "110.00", 1),
        notes="lunch",
        payer_id=ALICE,
        payer_name="Alice",
        payee_name="Bob",
        visibility=visibility,
    )


def request(status: RequestStatus = RequestStatus.PENDING) -> PaymentRequest:
    return PaymentRequest(
        id="rq-1",
        from_user_id=CAROL,
        from_user_name="Carol",
        to_user_id=ALICE,
        to_user_name="Alice",
        amount=Decimal("30.00"),
        notes="rent",
        timestamp=1,
        status=status,
    )


def opened(seq: int = 1) -> RequestOpened:
    return RequestOpened(**stamp("RequestOpened", ALICE, seq, "c-r"), request=request())


def declined(seq: int = 2, reason: str | None = "no") -> RequestDeclined:
    return RequestDeclined(
        **stamp("RequestDeclined", ALICE, seq, "c-d"),
        request=request(RequestStatus.DECLINED),
        notes=reason,
    )


def paid(seq: int = 2) -> RequestPaid:
    return RequestPaid(**stamp("RequestPaid", ALICE, seq), request=request(RequestStatus.PAID))


def cancelled(seq: int = 2) -> RequestCancelled:
    return RequestCancelled(
        **stamp("RequestCancelled", ALICE, seq, "c-x"), request=request(RequestStatus.CANCELLED)
    )


POSTINGS: list[Event] = [deposited(), sent(), received()]
ABOUT_REQUESTS: list[Event] = [opened(), paid(), declined(), cancelled()]


def value(record: ViewRecord, model: type[Any]) -> Any:
    assert isinstance(record.value, model), f"{record.value!r} is not a {model.__name__}"
    return record.value


# balances and balance-histories


@pytest.mark.parametrize("event", POSTINGS, ids=lambda e: e.type)
def test_every_posting_shows_the_balance_after_it_on_both_balance_views(event: Any) -> None:
    current, history = balances.project(event)
    expected = Balance(balance=event.balance, timestamp=AT, version=event.version)
    assert (current.topic, history.topic) == (topics.BALANCES, topics.BALANCE_HISTORIES)
    assert current.key == history.key == event.user_id
    assert current.value == history.value == expected


@pytest.mark.parametrize("event", ABOUT_REQUESTS, ids=lambda e: e.type)
def test_request_events_change_no_balance(event: Event) -> None:
    assert balances.project(event) == []


# statements


def test_a_posting_counts_in_its_hour_and_its_day_in_or_out() -> None:
    state, (hour, day) = statements.project(Projected(), sent())
    out = value(hour, Statement)
    assert (hour.topic, day.topic) == (topics.STATEMENTS, topics.STATEMENTS)
    assert (out.period, out.money_out, out.money_in, out.count, out.user_id) == (
        StatementPeriod.HOUR,
        Decimal("10.00"),
        Decimal(0),
        1,
        ALICE,
    )
    assert hour.key == "local|alice|hour|2026-11-18T01:00:00Z"
    assert value(day, Statement).period == StatementPeriod.DAY
    state, (hour, _) = statements.project(state, deposited(3))
    both = value(hour, Statement)
    assert (both.money_in, both.money_out, both.count) == (Decimal("50.00"), Decimal("10.00"), 2)
    assert state.windows[f"hour|{T0 + HOUR}"] == Window(
        money_in=Decimal("50.00"), money_out=Decimal("10.00"), count=2, timestamp=AT
    )
    _, (hour, _) = statements.project(Projected(), received())
    assert (value(hour, Statement).money_in, hour.key) == (
        Decimal("10.00"),
        "local|bob|hour|2026-11-18T01:00:00Z",
    )


@pytest.mark.parametrize("event", ABOUT_REQUESTS, ids=lambda e: e.type)
def test_request_events_are_in_no_statement(event: Event) -> None:
    state = Projected(seq=1)
    assert statements.project(state, event) == (state, [])


def test_an_entry_counts_in_its_hour_and_its_day() -> None:
    windows, changed = statements.record({}, "local|a", Decimal("-5"), T0 + 90 * 60_000)
    hour, day = changed
    assert (hour.start, hour.end) == ("2026-11-18T01:00:00Z", "2026-11-18T02:00:00Z")
    assert (day.start, day.end) == ("2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z")
    assert (hour.money_out, hour.money_in, hour.count) == (Decimal("5.00"), Decimal(0), 1)
    _, changed = statements.record(windows, "local|a", Decimal("7.25"), T0 + 91 * 60_000)
    assert (changed[0].money_in, changed[0].money_out, changed[0].count) == (
        Decimal("7.25"),
        Decimal("5.00"),
        2,
    )
    assert statements.key_of(changed[1]) == "local|a|day|2026-11-18T00:00:00Z"


def test_old_windows_are_dropped_and_a_very_late_entry_does_not_reopen_one() -> None:
    windows, _ = statements.record({}, "local|a", Decimal(1), T0)
    windows, _ = statements.record(windows, "local|a", Decimal(1), T0 + 30 * HOUR)
    assert "hour|" + str(T0) not in windows
    windows, changed = statements.record(windows, "local|a", Decimal(1), T0 + 5 * 60_000)
    assert [s.period for s in changed] == ["day"]  # the hour is gone, the day is still kept
    assert changed[0].count == 2


# activities


def test_a_deposit_is_a_line_from_the_bank_in_the_users_own_feed_only() -> None:
    (line,) = activities.project(deposited())
    activity = value(line, Activity)
    assert (line.topic, line.key) == (topics.USER_ACTIVITIES, ALICE)
    assert (activity.id, activity.event_name, activity.amount, activity.notes) == (
        "d-1:DepositReceived",
        ActivityEvent.DEPOSIT_RECEIVED,
        Decimal("50.00"),
        "top-up",
    )
    assert (activity.from_user_id, activity.from_user_name) == (SYSTEM_BANK, "StreamPay Bank")
    assert (activity.to_user_id, activity.to_user_name, activity.timestamp) == (ALICE, "Alice", AT)


@pytest.mark.parametrize(
    ("event", "owner", "name"),
    [
        (sent(), ALICE, ActivityEvent.PAYMENT_SENT),
        (received(), BOB, ActivityEvent.PAYMENT_RECEIVED),
    ],
    ids=["sent", "received"],
)
def test_a_private_payment_is_a_line_in_each_partys_own_feed_only(
    event: Event, owner: str, name: ActivityEvent
) -> None:
    (line,) = activities.project(event)
    activity = value(line, Activity)
    assert line.topic == topics.USER_ACTIVITIES
    assert activity.visibility is Visibility.PRIVATE
    assert (line.key, activity.event_name, activity.id) == (owner, name, f"c-1:{name}")
    assert (activity.from_user_id, activity.from_user_name) == (ALICE, "Alice")
    assert (activity.to_user_id, activity.to_user_name) == (BOB, "Bob")
    assert (activity.amount, activity.notes, activity.timestamp) == (Decimal("10.00"), "lunch", AT)
    assert activity.request_id is None and activity.status is None


@pytest.mark.parametrize("event", [sent, received], ids=["sent", "received"])
def test_a_public_payment_is_also_on_the_public_feed_with_the_same_line(event: Any) -> None:
    own, public = activities.project(event(visibility=Visibility.PUBLIC))
    assert (own.topic, public.topic) == (topics.USER_ACTIVITIES, topics.ACTIVITIES)
    assert own.key == public.key and own.value == public.value
    assert value(public, Activity).visibility is Visibility.PUBLIC


def test_a_payment_of_a_request_names_the_request() -> None:
    (line,) = activities.project(sent(request_id="rq-1"))
    assert value(line, Activity).request_id == "rq-1"


@pytest.mark.parametrize(
    ("event", "name", "status", "notes"),
    [
        (opened(), ActivityEvent.PAYMENT_REQUESTED, RequestStatus.PENDING, "rent"),
        (paid(), ActivityEvent.PAYMENT_REQUEST_PAID, RequestStatus.PAID, "rent"),
        (declined(), ActivityEvent.PAYMENT_REQUEST_DECLINED, RequestStatus.DECLINED, "no"),
        (declined(reason=None), ActivityEvent.PAYMENT_REQUEST_DECLINED, "declined", "rent"),
        (cancelled(), ActivityEvent.PAYMENT_REQUEST_CANCELLED, RequestStatus.CANCELLED, "rent"),
    ],
    ids=["opened", "paid", "declined", "declined-no-reason", "cancelled"],
)
def test_a_request_event_is_a_line_in_the_own_feed_of_both_parties_never_public(
    event: Any, name: ActivityEvent, status: RequestStatus, notes: str
) -> None:
    line, copy = activities.project(event)
    activity = value(line, Activity)
    assert {line.topic, copy.topic} == {topics.USER_ACTIVITIES}
    assert (line.key, copy.key, copy.value) == (CAROL, ALICE, activity)
    assert (activity.event_name, activity.status, activity.notes) == (name, status, notes)
    assert (activity.id, activity.request_id) == (f"{event.cause}:{name}", "rq-1")
    assert (activity.from_user_id, activity.from_user_name) == (CAROL, "Carol")
    assert (activity.to_user_id, activity.to_user_name) == (ALICE, "Alice")
    assert (activity.amount, activity.timestamp) == (Decimal("30.00"), AT)


# payment-requests


def test_an_opened_request_is_published_marked_with_the_payer() -> None:
    (record,) = payment_requests.project(opened())
    assert (record.topic, record.key, record.value) == (topics.PAYMENT_REQUESTS, "rq-1", request())
    assert record.headers == {headers.IDENTITY: ALICE}


@pytest.mark.parametrize("event", [paid(), declined(), cancelled()], ids=lambda e: e.type)
def test_a_closed_request_is_published_final_then_tombstoned(event: Any) -> None:
    final, tombstone = payment_requests.project(event)
    assert value(final, PaymentRequest) == event.request
    assert event.request.status is not RequestStatus.PENDING
    assert (final.key, tombstone.key, tombstone.value) == ("rq-1", "rq-1", None)
    assert {final.topic, tombstone.topic} == {topics.PAYMENT_REQUESTS}
    assert final.headers == tombstone.headers == {headers.IDENTITY: ALICE}


@pytest.mark.parametrize("event", POSTINGS, ids=lambda e: e.type)
def test_postings_leave_the_requests_alone(event: Event) -> None:
    assert payment_requests.project(event) == []
    assert sent_requests.project(event) == []


# sent-requests


@pytest.mark.parametrize("event", [opened(), paid(), declined(), cancelled()], ids=lambda e: e.type)
def test_a_request_is_published_with_its_status_for_its_requester_and_never_deleted(
    event: Any,
) -> None:
    (record,) = sent_requests.project(event)
    assert (record.topic, record.key, record.value) == (topics.SENT_REQUESTS, "rq-1", event.request)
    assert record.headers == {headers.IDENTITY: CAROL}


# project: all views, once per event


def test_project_applies_an_event_once_to_every_view_in_order() -> None:
    state, views = project(Projected(), sent(seq=1, request_id="rq-1"))
    assert state.seq == 1 and len(state.windows) == 2
    assert [v.topic for v in views] == [
        topics.BALANCES,
        topics.BALANCE_HISTORIES,
        topics.STATEMENTS,
        topics.STATEMENTS,
        topics.USER_ACTIVITIES,
    ]
    state, views = project(state, paid(seq=2))
    assert state.seq == 2 and len(state.windows) == 2
    assert [v.topic for v in views] == [
        topics.USER_ACTIVITIES,
        topics.USER_ACTIVITIES,
        topics.PAYMENT_REQUESTS,
        topics.PAYMENT_REQUESTS,
        topics.SENT_REQUESTS,
    ]


@pytest.mark.parametrize("seq", [1, 2])
def test_an_event_at_or_below_the_applied_seq_is_a_copy_and_changes_nothing(seq: int) -> None:
    state, _ = project(Projected(), deposited(1))
    state, _ = project(state, sent(2))
    again, views = project(state, sent(seq) if seq == 2 else deposited(seq))
    assert again is state and views == []


def test_project_is_a_function_of_state_and_event() -> None:
    """Re-run after a crash from the stored state, an event gives the very same records."""
    start, _ = project(Projected(), deposited(1))
    first_state, first = project(start, sent(2))
    second_state, second = project(start, sent(2))
    assert first == second and first_state == second_state
    assert start.seq == 1 and len(first) == 5


def test_replaying_a_stream_rebuilds_the_same_views() -> None:
    stream: list[Event] = [deposited(1), sent(2), opened(3), declined(4)]

    def replay() -> tuple[Projected, list[ViewRecord]]:
        state, everything = Projected(), []
        for event in stream:
            state, views = project(state, event)
            everything += views
        return state, everything

    assert replay() == replay()
    state, everything = replay()
    assert state.seq == 4
    assert [v.topic for v in everything].count(topics.USER_ACTIVITIES) == 6


def test_the_views_of_a_payment_as_decided_by_both_parties(kit: Any) -> None:
    """The payer's events, and the payee's once the credit leg is applied, build the views
    the payment shows in: the balances, the feed of each party, the statements, the totals."""
    public = PayCommand(user_id=BOB, amount=Decimal("25.50"), visibility=Visibility.PUBLIC)
    given = kit.command(public, ALICE, cid="c-1")
    at_payer = decide(kit.account(ALICE), given, kit.ctx)
    credit = at_payer.legs[1]
    assert credit.origin is not None
    at_payee = decide(kit.account(BOB), CreditInput(BOB, credit.entry, credit.origin), kit.ctx)

    (payer_event,) = kit.events(at_payer, PaymentSent)
    _, payer_views = project(Projected(), payer_event)
    (payee_event,) = kit.events(at_payee, PaymentReceived)
    _, payee_views = project(Projected(), payee_event)
    assert (at_payer.events, at_payee.events) == ((payer_event,), (payee_event,))

    balance = value(payer_views[0], Balance)
    assert balance == Balance(balance=Decimal("74.50"), timestamp=1_795_000_000_000, version=1)
    assert value(payee_views[0], Balance).balance == Decimal("125.50")
    (sent_line,) = [v for v in payer_views if v.topic == topics.ACTIVITIES]
    (received_line,) = [v for v in payee_views if v.topic == topics.ACTIVITIES]
    assert (sent_line.key, received_line.key) == (ALICE, BOB)
    line = value(sent_line, Activity)
    assert (line.event_name, line.from_user_name, line.to_user_name, line.id) == (
        ActivityEvent.PAYMENT_SENT,
        "Alice",
        "Bob",
        "c-1:PaymentSent",
    )
    assert value(received_line, Activity).event_name is ActivityEvent.PAYMENT_RECEIVED
    hour, day = (value(v, Statement) for v in payer_views if v.topic == topics.STATEMENTS)
    assert (hour.period, hour.money_out, hour.money_in, hour.count) == (
        "hour",
        Decimal("25.50"),
        Decimal(0),
        1,
    )
    assert day.period == "day"
    recorded = totals.recorded(payer_event)
    assert recorded is not None and recorded.payments == 1
    assert totals.recorded(payee_event) is None


# totals


def test_only_a_payment_sent_tells_the_totals() -> None:
    assert totals.recorded(sent()) == PaymentRecorded(
        payment_id="c-1",
        payer_id=ALICE,
        amount=Decimal("10.00"),
        payments=3,
        paid=Decimal("25.00"),
        timestamp=AT,
    )
    for event in [deposited(), received(), *ABOUT_REQUESTS]:
        assert totals.recorded(event) is None


def recorded(payer: str, payments: int, paid: str) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=f"{payer}-{payments}",
        payer_id=f"local|{payer}",
        amount=Decimal(1),
        payments=payments,
        paid=Decimal(paid),
        timestamp=payments,
    )


def test_only_a_higher_count_moves_a_payers_totals() -> None:
    row = newer(None, recorded("a", 2, "3.00"))
    assert row == PayerTotals(payments=2, paid=Decimal("3.00"), timestamp=2)
    assert newer(row, recorded("a", 2, "3.00")) is None
    assert newer(row, recorded("a", 1, "1.00")) is None


def test_totals_add_up_payers_and_round_the_average_to_cents() -> None:
    a1 = PayerTotals(payments=1, paid=Decimal("10.00"), timestamp=1)
    b2 = PayerTotals(payments=2, paid=Decimal("0.01"), timestamp=5)
    totals_now = Totals.of([a1, b2])
    views = totals_now.views()
    assert views is not None
    count_view, average_view = views
    assert (count_view.total, average_view.average, average_view.timestamp) == (
        3,
        Decimal("3.34"),
        5,
    )
    a3 = PayerTotals(payments=3, paid=Decimal("30.00"), timestamp=9)
    assert totals_now.replace(a1, a3) == Totals(5, Decimal("30.01"), 9)
    assert Totals().views() is None
