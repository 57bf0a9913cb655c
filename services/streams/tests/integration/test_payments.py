"""Payments through Kafka only: what a command gets, and what it does to the views."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    ActivityEvent,
    AverageTransactions,
    DepositCommand,
    DepositReply,
    PayCommand,
    PayReply,
    TotalTransactions,
    codec,
    headers,
    topics,
)
from streampay_contracts.envelopes import FINGERPRINT

pytestmark = pytest.mark.integration

BOB_GETS = Decimal("125.50")


def pay(payee: str, amount: str, **fields: Any) -> PayCommand:
    return PayCommand(user_id=payee, amount=Decimal(amount), **fields)


async def test_a_payment_moves_money_from_payer_to_payee(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    cid = await bus.send(pay(bob, "25.50", notes="lunch"), alice)

    reply = await bus.reply(cid)
    assert reply.status == 200
    assert reply.value(PayReply) == PayReply(
        command_id=cid, amount=Decimal("25.50"), balance=Decimal("74.50"), version=2
    )
    assert reply.headers[headers.CORRELATION_ID] == cid
    assert reply.headers[headers.IDENTITY] == alice
    assert reply.headers[headers.IDEMPOTENCY_KEY] == f"k-{cid}"
    assert reply.headers[headers.CONTENT_TYPE] == headers.JSON_CONTENT_TYPE
    await bus.until(lambda: bus.balance(bob).balance == BOB_GETS, 20, "bob's credit")
    assert sorted(leg.amount for leg in bus.legs[cid]) == [Decimal("-25.50"), Decimal("25.50")]
    # Each user's view follows on its own: nothing orders Alice's after Bob's.
    await bus.until(lambda: bus.balance(alice).balance == Decimal("74.50"), 20, "alice's debit")
    events = {(key, a.event_name) for key, a in bus.activities if a.id and a.id.startswith(cid)}
    assert events == {(alice, ActivityEvent.PAYMENT_SENT), (bob, ActivityEvent.PAYMENT_RECEIVED)}
    assert any(
        s.user_id == alice and s.money_out == Decimal("25.50") for s in bus.statements.values()
    )


async def test_the_totals_count_the_payment_and_average_as_json(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    await bus.reply(await bus.send(pay(bob, "3"), alice))

    def counted() -> bool:
        total = bus.latest.get(topics.TOTAL_TRANSACTIONS)
        return total is not None and codec.decode(total, TotalTransactions).total >= 1

    await bus.until(counted, 20, "total-transactions")
    average = codec.decode(bus.latest[topics.AVERAGE_TRANSACTIONS], AverageTransactions)
    assert average.average > 0


async def test_not_enough_money_is_409_and_moves_nothing(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    reply = await bus.reply(await bus.send(pay(bob, "100.01"), alice))
    assert reply.status == 409
    assert reply.problem.detail == "Not enough money: balance 100.00, payment 100.01"
    assert reply.problem.model_extra == {"balance": Decimal("100.00")}
    assert reply.headers[headers.CONTENT_TYPE] == headers.PROBLEM_CONTENT_TYPE
    assert bus.balance(alice).balance == Decimal("100.00")


@pytest.mark.parametrize(
    ("payee", "status", "detail"),
    [
        ("local|nobody-here", 404, "There is no user local|nobody-here"),
        ("self", 400, "You cannot pay yourself"),
    ],
)
async def test_unknown_payee_is_404_and_self_payment_is_400(
    bus: Any, payee: str, status: int, detail: str
) -> None:
    alice = await bus.user("alice")
    reply = await bus.reply(await bus.send(pay(alice if payee == "self" else payee, "1"), alice))
    assert (reply.status, reply.problem.detail) == (status, detail)


@pytest.mark.parametrize(
    ("amount", "detail"),
    [
        (
            b"1e2",
            "amount: amount must be a plain decimal number; "
            "exponent notation like 1e2 is not allowed",
        ),
        (b"-5", "amount: amount must be greater than 0"),
        (b"0", "amount: amount must be greater than 0"),
        (b"1.005", "amount: amount must have at most 2 decimal places"),
        (b'"NaN"', "amount: amount must be a JSON number, not a string"),
    ],
)
async def test_bad_amounts_are_400(bus: Any, amount: bytes, detail: str) -> None:
    alice = await bus.user("alice", grant=False)
    body = b'{"userId":"local|bob","amount":' + amount + b"}"
    reply = await bus.reply(await bus.send(body, alice, model="PayCommand"))
    assert (reply.status, reply.problem.detail) == (400, detail)


async def test_a_stale_if_match_is_412_and_the_current_one_passes(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    stale = await bus.reply(await bus.send(pay(bob, "1"), alice, **{headers.IF_MATCH: '"0"'}))
    assert stale.status == 412 and stale.problem.model_extra == {"currentVersion": 1}
    fresh = await bus.reply(await bus.send(pay(bob, "1"), alice, **{headers.IF_MATCH: "1"}))
    assert fresh.status == 200


async def test_the_same_command_twice_has_one_effect_and_identical_replies(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    cid = await bus.send(pay(bob, "10"), alice)
    await bus.send(pay(bob, "10"), alice, cid=cid)

    await bus.until(lambda: len(bus.replies[cid]) == 2, 30, "both replies")
    first, second = bus.replies[cid]
    assert (first.status, first.body, first.headers) == (second.status, second.body, second.headers)
    await bus.until(lambda: bus.balance(bob).balance == Decimal("110.00"), 20, "bob's credit")
    assert len(bus.legs[cid]) == 2 and bus.balance(alice).balance == Decimal("90.00")


async def test_the_same_key_with_another_body_is_422_and_moves_nothing(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    first_body, other_body = {FINGERPRINT: "a" * 64}, {FINGERPRINT: "b" * 64}
    cid = await bus.send(pay(bob, "10"), alice, **first_body)
    await bus.send(pay(bob, "70"), alice, cid=cid, **other_body)
    await bus.send(pay(bob, "10"), alice, cid=cid, **first_body)

    await bus.until(lambda: len(bus.replies[cid]) == 3, 30, "three replies")
    first, refused, copy = bus.replies[cid]
    assert (first.status, refused.status, copy.status) == (200, 422, 200)
    assert "different body" in refused.problem.detail
    assert [reply.headers[FINGERPRINT] for reply in bus.replies[cid]] == [
        "a" * 64,
        "b" * 64,
        "a" * 64,
    ]
    assert copy.body == first.body
    await bus.until(lambda: bus.balance(bob).balance == Decimal("110.00"), 20, "bob's credit")
    assert len(bus.legs[cid]) == 2 and bus.balance(alice).balance == Decimal("90.00")


async def test_malformed_records_get_400_and_the_worker_keeps_going(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    broken = [
        await bus.send(b'{"userId": ', alice, model="PayCommand"),
        await bus.send(pay(bob, "1"), alice, model="StealCommand"),
        await bus.send(pay(bob, "1"), None, key=alice),
        await bus.send(b"\xff\xfe", alice, model="PayCommand"),
    ]
    details = [(await bus.reply(cid)).problem.detail for cid in broken]
    assert [(await bus.reply(cid)).status for cid in broken] == [400, 400, 400, 400]
    assert details[0].startswith("Body is not valid JSON")
    assert details[1].startswith("Unknown domain model 'StealCommand'")
    assert details[2] == "The command has no zilla:identity header, so nobody sent it"
    assert details[3] == "Body is not valid UTF-8 text"
    await bus.send(pay(bob, "1"), alice, cid="")  # no correlation id: skipped, never answered
    assert (await bus.reply(await bus.send(pay(bob, "2"), alice))).status == 200


async def test_the_bank_deposits_and_nobody_else_can(bus: Any) -> None:
    alice = await bus.user("alice")
    deposit = DepositCommand(user_id=alice, amount=Decimal("20"))
    reply = await bus.reply(await bus.send(deposit, "system|bank", key=alice))
    assert reply.value(DepositReply).balance == Decimal("120.00")
    refused = await bus.reply(await bus.send(deposit, alice))
    assert refused.status == 403


async def test_without_reply_to_the_answer_goes_to_replies(bus: Any) -> None:
    alice, bob = await bus.user("alice"), await bus.user("bob")
    cid = await bus.send(pay(bob, "12.34"), alice, reply_to=None)
    expected = PayReply(
        command_id=cid, amount=Decimal("12.34"), balance=Decimal("87.66"), version=2
    )

    def answered() -> bool:
        return any(r.body == codec.encode(expected) for r in bus.default_replies.get(cid, []))

    await bus.until(answered, 30, "the worker's reply on replies")
