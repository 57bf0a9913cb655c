"""Payment requests: made in the requester's partition, decided in the payer's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    CancelRequestCommand,
    DeclineRequestCommand,
    PaymentRequest,
    RequestCommand,
    RequestReply,
    RequestStatus,
)
from streampay_contracts.events import RequestCancelled, RequestDeclined, RequestOpened
from streampay_streams.domain import ids
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import Decision, Origin
from streampay_streams.domain.inputs import RoutedInput
from streampay_streams.domain.messages import CancelRequest, OpenRequest, RequestClosed

pytestmark = pytest.mark.unit

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"

HERE = Origin("requests", 0, 0)
"""Where a routed message is: what a request decides causes nothing routed from it."""


def routed(kit: Any, decision: Decision) -> tuple[str, Any, Origin]:
    """The one message a decision routes to another partition: (owner, message, origin)."""
    route = kit.routed(decision)
    return route.owner, route.message, route.origin


def deliver(kit: Any, account: Any, decision: Decision) -> Decision:
    """Apply the record ``decision`` routed, in its owner's account."""
    owner, message, origin = routed(kit, decision)
    assert owner == account.user_id
    return decide(account, RoutedInput(owner, message, origin, HERE), kit.ctx)


def requested(kit: Any, amount: str = "40.00", cid: str = "c-r") -> tuple[Decision, Decision]:
    """Carol asks Alice for ``amount``: the decision at Carol's, then the one at Alice's."""
    command = RequestCommand(user_id=ALICE, amount=Decimal(amount), notes="rent")
    at_requester = decide(kit.account(CAROL), kit.command(command, CAROL, cid=cid), kit.ctx)
    return at_requester, deliver(kit, kit.account(ALICE), at_requester)


def test_a_request_is_routed_to_the_payer_and_remembered_by_the_requester(kit: Any) -> None:
    at_requester, _ = requested(kit)

    assert at_requester.reply is None and at_requester.events == () and at_requester.legs == ()
    owner, message, origin = routed(kit, at_requester)
    assert origin.topic == "commands"
    assert owner == ALICE and isinstance(message, OpenRequest)
    assert (message.request.from_user_name, message.request.to_user_name) == ("Carol", "Alice")
    assert message.request.id == ids.request_id("c-r")
    assert (message.request.amount, message.request.notes) == (Decimal("40.00"), "rent")
    assert message.reply_to.correlation_id == "c-r"
    assert at_requester.account is not None
    assert at_requester.account.sent_requests == {message.request.id: ALICE}


def test_the_payer_records_it_publishes_it_and_answers_201(kit: Any) -> None:
    _, at_payer = requested(kit)

    assert kit.status(at_payer) == 201
    assert at_payer.reply is not None and at_payer.reply.address.key == CAROL
    assert at_payer.reply.address.correlation_id == "c-r"
    created = kit.body(at_payer, RequestReply)
    (opened,) = at_payer.events
    assert isinstance(opened, RequestOpened)
    assert (opened.id, opened.user_id, opened.seq, opened.cause) == (
        "c-r:RequestOpened",
        ALICE,
        1,
        "c-r",
    )
    assert opened.request.id == created.id and opened.request.to_user_id == ALICE
    assert opened.request.status is RequestStatus.PENDING
    assert at_payer.legs == () and at_payer.routed == ()
    assert at_payer.account is not None and created.id in at_payer.account.open_requests


@pytest.mark.parametrize(
    ("payer", "code", "detail"),
    [
        ("local|zed", 404, "There is no user local|zed"),
        (CAROL, 400, "You cannot request money from yourself"),
    ],
)
def test_a_request_needs_another_existing_payer(
    kit: Any, payer: str, code: int, detail: str
) -> None:
    command = RequestCommand(user_id=payer, amount=Decimal(1))
    decision = decide(kit.account(CAROL), kit.command(command, CAROL), kit.ctx)
    assert (kit.status(decision), kit.problem(decision).detail) == (code, detail)


def test_a_requester_has_a_limited_number_of_open_requests(kit: Any) -> None:
    full = kit.account(CAROL, sent_requests={f"rq-{n}": ALICE for n in range(100)})
    command = RequestCommand(user_id=ALICE, amount=Decimal(1))
    decision = decide(full, kit.command(command, CAROL), kit.ctx)
    assert kit.status(decision) == 409
    assert "100 open requests" in str(kit.problem(decision).detail)


def open_from(requester: str, count: int, first: int = 0) -> dict[str, PaymentRequest]:
    """``count`` pending requests of ``requester`` to Alice, by id."""
    return {
        f"rq-{n}": PaymentRequest(
            id=f"rq-{n}",
            from_user_id=requester,
            from_user_name=requester,
            to_user_id=ALICE,
            to_user_name="Alice",
            amount=Decimal(1),
            timestamp=1,
        )
        for n in range(first, first + count)
    }


def test_a_payer_with_too_many_requests_refuses_and_the_requester_forgets_it(kit: Any) -> None:
    at_requester, _ = requested(kit)
    pending = {
        rid: request
        for n in range(10)
        for rid, request in open_from(f"local|user{n}", 10, first=10 * n).items()
    }
    busy = kit.account(ALICE).change(open_requests=pending)
    refused = deliver(kit, busy, at_requester)

    assert kit.status(refused) == 409
    assert kit.problem(refused).detail == "Alice has too many open requests; try again later"
    assert refused.events == ()
    assert at_requester.account is not None
    forgotten = deliver(kit, at_requester.account, refused)
    assert forgotten.account is not None and forgotten.account.sent_requests == {}
    assert forgotten.account.sent_closed == {}


def test_one_requester_cannot_fill_a_payers_requests(kit: Any) -> None:
    at_requester, _ = requested(kit)
    busy = kit.account(ALICE).change(open_requests=open_from(CAROL, 10))
    refused = deliver(kit, busy, at_requester)
    assert kit.status(refused) == 409
    assert kit.problem(refused).detail == (
        "You already have 10 open requests to Alice; wait for answers or cancel some first"
    )
    others = kit.account(ALICE).change(open_requests=open_from(BOB, 10))
    assert kit.status(deliver(kit, others, at_requester)) == 201


def test_the_payer_declines_an_open_request(kit: Any) -> None:
    _, at_payer = requested(kit)
    request_id = kit.body(at_payer, RequestReply).id
    decline = kit.command(DeclineRequestCommand(request_id=request_id, reason="no"), ALICE)
    decision = decide(at_payer.account, decline, kit.ctx)

    assert kit.status(decision) == 200
    assert kit.body(decision, PaymentRequest).status is RequestStatus.DECLINED
    (declined,) = decision.events
    assert isinstance(declined, RequestDeclined)
    assert (declined.request.id, declined.request.status) == (request_id, RequestStatus.DECLINED)
    assert (declined.notes, declined.seq, declined.user_id) == ("no", 2, ALICE)
    assert decision.legs == ()
    owner, message, _ = routed(kit, decision)
    assert owner == CAROL and message == RequestClosed(
        request_id=request_id, status=RequestStatus.DECLINED
    )


def test_declining_twice_or_what_is_not_yours_is_refused(kit: Any) -> None:
    _, at_payer = requested(kit)
    request_id = kit.body(at_payer, RequestReply).id
    decline = DeclineRequestCommand(request_id=request_id)
    first = decide(at_payer.account, kit.command(decline, ALICE), kit.ctx)
    again = decide(first.account, kit.command(decline, ALICE), kit.ctx)
    assert kit.status(again) == 409
    assert kit.problem(again).detail == f"Request {request_id} is no longer open: it was declined"
    elsewhere = decide(kit.account(BOB), kit.command(decline, BOB), kit.ctx)
    assert kit.status(elsewhere) == 404


def test_a_cancel_goes_to_the_payer_who_withdraws_the_request(kit: Any) -> None:
    at_requester, at_payer = requested(kit)
    request_id = kit.body(at_payer, RequestReply).id
    cancel = kit.command(CancelRequestCommand(request_id=request_id), CAROL, cid="c-x")
    routed_cancel = decide(at_requester.account, cancel, kit.ctx)

    assert routed_cancel.reply is None
    owner, message, _ = routed(kit, routed_cancel)
    assert owner == ALICE and isinstance(message, CancelRequest)
    decision = deliver(kit, at_payer.account, routed_cancel)
    assert kit.status(decision) == 200
    assert decision.reply is not None and decision.reply.address.key == CAROL
    assert decision.reply.address.correlation_id == "c-x"
    assert kit.body(decision, PaymentRequest).status is RequestStatus.CANCELLED
    (cancelled,) = decision.events
    assert isinstance(cancelled, RequestCancelled)
    assert (cancelled.id, cancelled.request.status) == (
        "c-x:RequestCancelled",
        RequestStatus.CANCELLED,
    )
    assert decision.account is not None and decision.account.open_requests == {}
    closed = deliver(kit, routed_cancel.account, decision)
    assert closed.account is not None and closed.account.sent_requests == {}
    assert closed.account.sent_closed == {request_id: RequestStatus.CANCELLED}


def test_only_the_requester_cancels_and_only_an_open_request(kit: Any) -> None:
    _, at_payer = requested(kit)
    request_id = kit.body(at_payer, RequestReply).id
    stranger = decide(
        kit.account(BOB), kit.command(CancelRequestCommand(request_id=request_id), BOB), kit.ctx
    )
    assert kit.status(stranger) == 404
    assert kit.problem(stranger).detail == f"There is no open request {request_id} from you"
    done = kit.account(CAROL, sent_closed={request_id: RequestStatus.PAID})
    late = decide(done, kit.command(CancelRequestCommand(request_id=request_id), CAROL), kit.ctx)
    assert kit.status(late) == 409


def test_a_cancel_routed_for_another_requester_is_refused_at_the_payer(kit: Any) -> None:
    _, at_payer = requested(kit)
    request_id = kit.body(at_payer, RequestReply).id
    forged = CancelRequest(
        request_id=request_id,
        requester=BOB,
        at=1,
        reply_to=kit.command(CancelRequestCommand(request_id=request_id), BOB).address,
    )
    routed_in = RoutedInput(ALICE, forged, Origin("c", 0, 9), HERE)
    decision = decide(at_payer.account, routed_in, kit.ctx)
    assert kit.status(decision) == 404
    assert decision.account is not None and request_id in decision.account.open_requests
    assert decision.events == ()
