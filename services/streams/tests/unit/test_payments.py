"""Paying: the payer's partition debits and answers; the payee's partition credits, once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    Activity,
    ActivityEvent,
    Balance,
    PayCommand,
    PaymentRequest,
    PayReply,
    RequestStatus,
    Statement,
    Transaction,
    TransactionKind,
    headers,
    topics,
)
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import UNCHANGED, Origin
from streampay_streams.domain.inputs import CreditInput
from streampay_streams.domain.messages import PaymentRecorded, Routed

pytestmark = pytest.mark.unit

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"


def pay(kit: Any, amount: str, payee: str = BOB, **fields: Any) -> Any:
    return PayCommand(user_id=payee, amount=Decimal(amount), **fields)


def test_a_payment_debits_the_payer_and_sends_the_credit_leg_to_the_payee(kit: Any) -> None:
    given = kit.command(pay(kit, "25.50", notes="lunch"), ALICE, cid="c-1", partition=2)
    decision = decide(kit.account(ALICE), given, kit.ctx)

    debit, credit = (kit.value(e, Transaction) for e in kit.on(decision, topics.TRANSACTIONS))
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
    credit_record = kit.on(decision, topics.TRANSACTIONS)[1]
    assert credit_record.key == BOB
    assert credit_record.headers[headers.ORIGIN] == f"commands/2/{given.origin.offset}"
    assert decision.account is not None and decision.account.balance == Decimal("74.50")


def test_the_payer_gets_the_new_balance_in_the_reply_and_on_the_balance_views(kit: Any) -> None:
    decision = decide(kit.account(ALICE), kit.command(pay(kit, "25.50"), ALICE, cid="c-1"), kit.ctx)

    assert kit.status(decision) == 200
    assert kit.body(decision, PayReply) == PayReply(
        command_id="c-1", amount=Decimal("25.50"), balance=Decimal("74.50"), version=1
    )
    for topic in (topics.BALANCES, topics.BALANCE_HISTORIES):
        (record,) = kit.on(decision, topic)
        assert record.key == ALICE
        assert kit.value(record, Balance) == Balance(
            balance=Decimal("74.50"), timestamp=1_795_000_000_000, version=1
        )
    assert decision.reply is not None and decision.records[-1] is decision.reply


def test_the_payment_shows_in_the_feed_statements_and_totals(kit: Any) -> None:
    decision = decide(kit.account(ALICE), kit.command(pay(kit, "10"), ALICE, cid="c-1"), kit.ctx)

    sent, received = kit.on(decision, topics.ACTIVITIES)
    assert (sent.key, received.key) == (ALICE, BOB)
    line = kit.value(sent, Activity)
    assert (line.event_name, line.from_user_name, line.to_user_name, line.id) == (
        ActivityEvent.PAYMENT_SENT,
        "Alice",
        "Bob",
        "c-1:PaymentSent",
    )
    assert kit.value(received, Activity).event_name is ActivityEvent.PAYMENT_RECEIVED
    hour, day = (kit.value(e, Statement) for e in kit.on(decision, topics.STATEMENTS))
    assert (hour.period, hour.money_out, hour.money_in, hour.count) == (
        "hour",
        Decimal("10.00"),
        Decimal(0),
        1,
    )
    assert day.period == "day"
    (totals,) = kit.on(decision, "payments")
    assert kit.value(totals, PaymentRecorded).payments == 1


def test_not_enough_money_is_409_with_the_balance_and_changes_no_money(kit: Any) -> None:
    account = kit.account(ALICE, "12.00")
    decision = decide(account, kit.command(pay(kit, "25"), ALICE), kit.ctx)

    assert kit.status(decision) == 409
    refusal = kit.problem(decision)
    assert refusal.detail == "Not enough money: balance 12.00, payment 25.00"
    assert refusal.model_extra == {"balance": Decimal("12.00")}
    assert decision.outputs == ()
    assert decision.account is not None and decision.account.balance == Decimal("12.00")


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
    assert decision.outputs == ()


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
    assert first.reply is None
    assert [e.topic for e in first.outputs] == [
        topics.BALANCES,
        topics.BALANCE_HISTORIES,
        topics.STATEMENTS,
        topics.STATEMENTS,
    ]
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
    paid, tombstone = kit.on(decision, topics.PAYMENT_REQUESTS)
    assert kit.value(paid, PaymentRequest).status is RequestStatus.PAID
    assert tombstone.body is None and tombstone.key == "rq-1"
    assert {paid.headers[headers.IDENTITY], tombstone.headers[headers.IDENTITY]} == {ALICE}
    lines = [kit.value(e, Activity) for e in kit.on(decision, topics.ACTIVITIES)]
    assert [a.event_name for a in lines] == [
        ActivityEvent.PAYMENT_REQUEST_PAID,
        ActivityEvent.PAYMENT_SENT,
        ActivityEvent.PAYMENT_RECEIVED,
    ]
    (back,) = kit.on(decision, "requests")
    assert back.key == CAROL and kit.value(back, Routed).message.kind == "closed"
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
        record = kit.on(decision, topics.TRANSACTIONS)[1]
        origin = Origin.parse(record.headers)
        assert origin == Origin("commands", 1, offset, payer)
        return CreditInput(BOB, kit.value(record, Transaction), origin)

    from_carol, from_alice = credit_input(CAROL, 9, "7.00"), credit_input(ALICE, 5, "3.00")
    bob = kit.account(BOB)
    for given in (from_carol, from_alice, from_carol, from_alice):
        decision = decide(bob, given, kit.ctx)
        bob = decision.account or bob
    assert bob.balance == Decimal("110.00")
