"""Paying: the payer's partition debits and answers; the payee's partition credits, once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    PayCommand,
    PaymentRequest,
    PayReply,
    RequestStatus,
    Transaction,
    TransactionKind,
)
from streampay_contracts.events import PaymentReceived, PaymentSent, RequestPaid
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import UNCHANGED, Origin
from streampay_streams.domain.inputs import CreditInput
from streampay_streams.domain.messages import RequestClosed
from streampay_streams.projections import totals

pytestmark = pytest.mark.unit

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"


def pay(kit: Any, amount: str, payee: str = BOB, **fields: Any) -> Any:
    return PayCommand(user_id=payee, amount=Decimal(amount), **fields)


def test_a_payment_debits_the_payer_and_sends_the_credit_leg_to_the_payee(kit: Any) -> None:
    given = kit.command(pay(kit, "25.50", notes="lunch"), ALICE, cid="c-1", partition=2)
    decision = decide(kit.account(ALICE), given, kit.ctx)

    debit, credit = kit.legs(decision)
    assert (debit.id, debit.owner_id, debit.user_id, debit.amount) == (
        "c-1:debit",
        ALICE,
        BOB,
        Decimal("-25.50"),
    )
    assert (credit.id, credit.owner_id, credit.user_id, credit.amount) == (
        "c-1:credit",
        BOB,
        ALICE,
        Decimal("25.50"),
    )
    assert {debit.kind, credit.kind} == {TransactionKind.TRANSFER}
    assert debit.command_id == credit.command_id == "c-1" and debit.notes == "lunch"
    debit_leg, credit_leg = decision.legs
    assert debit_leg.origin is None
    assert credit_leg.origin == Origin("commands", 2, given.origin.offset)
    assert decision.account is not None and decision.account.balance == Decimal("74.50")


def test_the_payer_gets_the_new_balance_in_the_reply_and_in_the_event(kit: Any) -> None:
    decision = decide(kit.account(ALICE), kit.command(pay(kit, "25.50"), ALICE, cid="c-1"), kit.ctx)

    assert kit.status(decision) == 200
    assert kit.body(decision, PayReply) == PayReply(
        command_id="c-1", amount=Decimal("25.50"), balance=Decimal("74.50"), version=1
    )
    (sent,) = decision.events
    assert isinstance(sent, PaymentSent)
    assert (sent.user_id, sent.balance, sent.at, sent.version) == (
        ALICE,
        Decimal("74.50"),
        1_795_000_000_000,
        1,
    )
    assert decision.reply is not None and decision.reply.address.correlation_id == "c-1"


def test_the_payment_event_names_the_parties_and_carries_the_payers_totals(kit: Any) -> None:
    """What the feed, the statements and the totals are projected from (test_projections)."""
    account = kit.account(ALICE, payments=2, paid=Decimal("7.00"), events=4)
    given = kit.command(pay(kit, "10", notes="tea"), ALICE, cid="c-1")
    decision = decide(account, given, kit.ctx)

    (sent,) = kit.events(decision, PaymentSent)
    assert (sent.id, sent.cause, sent.seq, sent.at) == ("c-1:PaymentSent", "c-1", 5, given.at)
    assert (sent.payer_name, sent.payee_id, sent.payee_name, sent.notes) == (
        "Alice",
        BOB,
        "Bob",
        "tea",
    )
    assert (sent.amount, sent.request_id, sent.payments, sent.paid) == (
        Decimal("10.00"),
        None,
        3,
        Decimal("17.00"),
    )
    assert decision.account is not None and decision.account.events == 5
    assert (decision.account.payments, decision.account.paid) == (3, Decimal("17.00"))
    recorded = totals.recorded(sent)
    assert recorded is not None
    assert (recorded.payment_id, recorded.payer_id, recorded.payments) == ("c-1", ALICE, 3)


def test_not_enough_money_is_409_with_the_balance_and_changes_no_money(kit: Any) -> None:
    account = kit.account(ALICE, "12.00")
    decision = decide(account, kit.command(pay(kit, "25"), ALICE), kit.ctx)

    assert kit.status(decision) == 409
    refusal = kit.problem(decision)
    assert refusal.detail == "Not enough money: balance 12.00, payment 25.00"
    assert refusal.model_extra == {"balance": Decimal("12.00")}
    assert kit.nothing_recorded(decision)
    assert decision.account is not None and decision.account.balance == Decimal("12.00")
    assert (decision.account.events, decision.account.version) == (0, account.version)


def test_the_whole_balance_can_be_spent(kit: Any) -> None:
    decision = decide(kit.account(ALICE, "25.00"), kit.command(pay(kit, "25"), ALICE), kit.ctx)
    assert kit.status(decision) == 200
    assert decision.account is not None and decision.account.balance == Decimal("0.00")


@pytest.mark.parametrize(
    ("payee", "code", "detail"),
    [
        ("local|zed", 404, "There is no user local|zed"),
        (ALICE, 400, "You cannot pay yourself"),
        ("system|bank", 400, "system|bank is a StreamPay system account, not a person"),
    ],
)
def test_a_payee_must_be_someone_else_who_exists(
    kit: Any, payee: str, code: int, detail: str
) -> None:
    decision = decide(kit.account(ALICE), kit.command(pay(kit, "1", payee), ALICE), kit.ctx)
    assert (kit.status(decision), kit.problem(decision).detail) == (code, detail)
    assert kit.nothing_recorded(decision)


def test_a_credit_leg_is_applied_to_the_payee_once(kit: Any) -> None:
    leg = Transaction(
        id="c-1:credit",
        owner_id=BOB,
        user_id=ALICE,
        amount=Decimal("5"),
        kind=TransactionKind.TRANSFER,
        command_id="c-1",
        timestamp=1,
    )
    credit = CreditInput(BOB, leg, Origin("commands", 1, 40))
    first = decide(kit.account(BOB), credit, kit.ctx)

    assert first.account is not None and first.account.balance == Decimal("105.00")
    assert first.reply is None and first.legs == () and first.routed == ()
    (received,) = first.events
    assert isinstance(received, PaymentReceived)
    assert (received.id, received.user_id, received.seq, received.cause, received.at) == (
        "c-1:PaymentReceived",
        BOB,
        1,
        "c-1",
        1,
    )
    assert (received.amount, received.balance, received.version) == (
        Decimal("5.00"),
        Decimal("105.00"),
        1,
    )
    assert (received.payer_id, received.payer_name, received.payee_name) == (ALICE, "Alice", "Bob")
    assert decide(first.account, credit, kit.ctx) is UNCHANGED
    older = CreditInput(BOB, leg, Origin("commands", 1, 39))
    assert decide(first.account, older, kit.ctx) is UNCHANGED
    elsewhere = decide(first.account, CreditInput(BOB, leg, Origin("commands", 0, 39)), kit.ctx)
    assert elsewhere.account is not None and elsewhere.account.balance == Decimal("110.00")


def open_request(kit: Any, amount: str = "30.00", requester: str = CAROL) -> Any:
    request = PaymentRequest(
        id="rq-1",
        from_user_id=requester,
        from_user_name="Carol",
        to_user_id=ALICE,
        to_user_name="Alice",
        amount=Decimal(amount),
        timestamp=1,
    )
    return kit.account(ALICE, open_requests={"rq-1": request})


def test_paying_a_request_closes_it_and_tells_the_requester(kit: Any) -> None:
    command = pay(kit, "30", CAROL, request_id="rq-1")
    decision = decide(open_request(kit), kit.command(command, ALICE, cid="c-9"), kit.ctx)

    assert kit.status(decision) == 200
    sent, paid = decision.events
    assert isinstance(sent, PaymentSent) and isinstance(paid, RequestPaid)
    assert (sent.request_id, sent.payee_id, sent.seq) == ("rq-1", CAROL, 1)
    assert (paid.id, paid.seq, paid.cause, paid.user_id) == ("c-9:RequestPaid", 2, "c-9", ALICE)
    assert (paid.request.id, paid.request.status) == ("rq-1", RequestStatus.PAID)
    assert paid.request.to_user_id == ALICE
    debit, credit = kit.legs(decision)
    assert debit.request_id == credit.request_id == "rq-1"
    back = kit.routed(decision)
    assert back.owner == CAROL
    assert back.message == RequestClosed(request_id="rq-1", status=RequestStatus.PAID)
    assert decision.account is not None and decision.account.open_requests == {}
    assert decision.account.closed_requests == {"rq-1": RequestStatus.PAID}


def test_a_request_paid_already_cannot_be_paid_again(kit: Any) -> None:
    command = pay(kit, "30", CAROL, request_id="rq-1")
    first = decide(open_request(kit), kit.command(command, ALICE), kit.ctx)
    assert first.account is not None
    second = decide(first.account, kit.command(command, ALICE), kit.ctx)

    assert kit.status(second) == 409
    assert kit.problem(second).detail == "Request rq-1 is no longer open: it was paid"
    assert second.account is not None and second.account.balance == Decimal("70.00")


@pytest.mark.parametrize(
    ("command", "code", "detail"),
    [
        (
            PayCommand(user_id=CAROL, amount=Decimal(30), request_id="rq-2"),
            404,
            "There is no open request rq-2 addressed to you",
        ),
        (
            PayCommand(user_id=CAROL, amount=Decimal(29), request_id="rq-1"),
            409,
            "Request rq-1 is for 30.00, not 29.00",
        ),
        (
            PayCommand(user_id=BOB, amount=Decimal(30), request_id="rq-1"),
            409,
            "Request rq-1 was made by local|carol, not local|bob",
        ),
    ],
)
def test_a_payment_settles_only_the_open_request_it_matches(
    kit: Any, command: PayCommand, code: int, detail: str
) -> None:
    decision = decide(open_request(kit), kit.command(command, ALICE), kit.ctx)
    assert (kit.status(decision), kit.problem(decision).detail) == (code, detail)
    assert decision.account is not None and "rq-1" in decision.account.open_requests


def test_credits_from_two_payers_of_one_partition_apply_in_either_order(kit: Any) -> None:
    """After a crash, Carol's stored payment (offset 9) is re-sent before Alice's, which is
    decided again (offset 5): both reach Bob, and each exactly once."""

    def credit_input(payer: str, offset: int, amount: str) -> CreditInput:
        given = kit.command(pay(kit, amount), payer, cid=f"c-{payer}", partition=1)
        given = replace(given, origin=Origin("commands", 1, offset, payer))
        decision = decide(kit.account(payer), given, kit.ctx)
        credit_leg = decision.legs[1]
        assert credit_leg.origin == Origin("commands", 1, offset, payer)
        return CreditInput(BOB, credit_leg.entry, credit_leg.origin)

    from_carol, from_alice = credit_input(CAROL, 9, "7.00"), credit_input(ALICE, 5, "3.00")
    bob = kit.account(BOB)
    for given in (from_carol, from_alice, from_carol, from_alice):
        decision = decide(bob, given, kit.ctx)
        bob = decision.account or bob
    assert bob.balance == Decimal("110.00")
