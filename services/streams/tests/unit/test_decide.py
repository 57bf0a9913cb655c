"""What every command gets the same way: once-only application, same answers, preconditions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    CancelRequestCommand,
    PayCommand,
    PayReply,
    RequestCommand,
    RequestReply,
)
from streampay_streams.domain import ids
from streampay_streams.domain.context import Context, Policy
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import UNCHANGED, Origin
from streampay_streams.domain.inputs import CommandInput
from streampay_streams.domain.messages import CancelRequest

pytestmark = pytest.mark.unit

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"


def pay(amount: str = "10") -> PayCommand:
    return PayCommand(user_id=BOB, amount=Decimal(amount))


def redelivered(given: CommandInput) -> CommandInput:
    return given


def copied(given: CommandInput, offset: int) -> CommandInput:
    """The same command produced again: same correlation id, another record."""
    origin = Origin(given.origin.topic, given.origin.partition, offset)
    return CommandInput(
        given.owner, given.actor, given.command, given.address, given.at, origin, given.if_match
    )


def test_a_record_delivered_again_changes_nothing_and_publishes_nothing(kit: Any) -> None:
    given = kit.command(pay(), ALICE)
    first = decide(kit.account(ALICE), given, kit.ctx)
    assert first.account is not None
    assert decide(first.account, redelivered(given), kit.ctx) is UNCHANGED


def test_a_copy_of_a_command_gets_the_identical_reply_and_no_effect(kit: Any) -> None:
    given = kit.command(pay(), ALICE)
    first = decide(kit.account(ALICE), given, kit.ctx)
    assert first.account is not None
    again = decide(first.account, copied(given, given.origin.offset + 50), kit.ctx)

    assert again.account is None and kit.nothing_recorded(again)
    assert again.reply is not None and first.reply is not None
    assert (again.reply.address, again.reply.status) == (first.reply.address, 200)
    assert kit.body(again, PayReply) == kit.body(first, PayReply)


def test_the_same_key_with_another_body_is_422_for_that_attempt_and_changes_nothing(
    kit: Any,
) -> None:
    first_body, other_body = "a" * 64, "b" * 64
    given = kit.command(pay("10"), ALICE, cid="c-9", fingerprint=first_body)
    first = decide(kit.account(ALICE), given, kit.ctx)
    assert first.account is not None
    other = kit.command(pay("20"), ALICE, cid="c-9", fingerprint=other_body)
    refused = decide(first.account, other, kit.ctx)
    assert kit.status(refused) == 422 and refused.account is None
    assert kit.nothing_recorded(refused) and refused.routed == ()
    assert refused.reply is not None and refused.reply.address.fingerprint == other_body
    copy = kit.command(pay("10"), ALICE, cid="c-9", fingerprint=first_body)
    assert kit.status(decide(first.account, copy, kit.ctx)) == 200


def test_a_copy_of_a_refused_command_is_refused_the_same_way_even_if_money_came(
    kit: Any,
) -> None:
    given = kit.command(pay("500"), ALICE)
    refused = decide(kit.account(ALICE), given, kit.ctx)
    assert refused.account is not None
    richer = refused.account.change(balance=Decimal("1000.00"))
    again = decide(richer, copied(given, given.origin.offset + 1), kit.ctx)
    assert kit.status(again) == 409 and again.account is None
    assert kit.problem(again) == kit.problem(refused)


def test_a_copy_of_a_request_gets_201_with_the_same_id(kit: Any) -> None:
    given = kit.command(RequestCommand(user_id=ALICE, amount=Decimal(5)), CAROL, cid="c-7")
    first = decide(kit.account(CAROL), given, kit.ctx)
    again = decide(first.account, copied(given, 999), kit.ctx)
    assert kit.status(again) == 201
    assert kit.body(again, RequestReply).id == ids.request_id("c-7")
    assert again.account is None and kit.nothing_recorded(again)


def test_a_copy_of_a_routed_cancel_is_routed_again_for_the_payer_to_answer(kit: Any) -> None:
    account = kit.account(CAROL, sent_requests={"rq-1": ALICE})
    given = kit.command(CancelRequestCommand(request_id="rq-1"), CAROL)
    first = decide(account, given, kit.ctx)
    again = decide(first.account, copied(given, 999), kit.ctx)
    route = kit.routed(again)
    assert route.owner == ALICE and again.reply is None and again.events == ()
    assert isinstance(route.message, CancelRequest) and route.message.request_id == "rq-1"
    assert route.origin == Origin("commands", 0, 999)


def test_a_stale_if_match_is_412_with_the_current_version(kit: Any) -> None:
    account = kit.account(ALICE, version=9)
    decision = decide(account, kit.command(pay(), ALICE, if_match=7), kit.ctx)
    assert kit.status(decision) == 412
    refusal = kit.problem(decision)
    assert refusal.model_extra == {"currentVersion": 9}
    assert "version 7, now 9" in str(refusal.detail)
    current = decide(account, kit.command(pay(), ALICE, if_match=9), kit.ctx)
    assert kit.status(current) == 200


def test_system_accounts_cannot_pay_or_request(kit: Any) -> None:
    decision = decide(kit.account("system|bank"), kit.command(pay(), "system|bank"), kit.ctx)
    assert kit.status(decision) == 403


def test_answers_are_remembered_for_the_idempotency_window_and_up_to_a_limit(kit: Any) -> None:
    ctx = Context(kit.directory, Policy(recent_limit=3, recent_ttl_ms=1000))
    account = kit.account(ALICE, "1000")
    for n in range(5):
        account = decide(account, kit.command(pay("1"), ALICE, cid=f"c-{n}", at=n), ctx).account
    assert list(account.recent) == ["c-2", "c-3", "c-4"]
    later = decide(account, kit.command(pay("1"), ALICE, cid="c-9", at=2000), ctx).account
    assert list(later.recent) == ["c-9"]
