"""New money: deposits by the bank, and the signup grant, once per user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    DepositCommand,
    DepositReply,
    TransactionKind,
    User,
)
from streampay_contracts.events import Deposited
from streampay_streams.domain.context import Context, Policy
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import UNCHANGED
from streampay_streams.domain.inputs import SignupInput

pytestmark = pytest.mark.unit

ALICE, BANK = "local|alice", "system|bank"


def deposit(amount: str = "50", user: str = ALICE) -> DepositCommand:
    return DepositCommand(user_id=user, amount=Decimal(amount), notes="top-up")


def test_the_bank_deposits_into_an_account(kit: Any) -> None:
    given = kit.command(deposit(), BANK, owner=ALICE, cid="d-1")
    decision = decide(kit.account(ALICE, "10.00"), given, kit.ctx)

    assert kit.status(decision) == 200
    assert kit.body(decision, DepositReply) == DepositReply(
        command_id="d-1", balance=Decimal("60.00"), version=1
    )
    (only,) = decision.legs
    assert only.origin is None
    leg = only.entry
    assert (leg.id, leg.owner_id, leg.user_id, leg.kind, leg.amount) == (
        "d-1:deposit",
        ALICE,
        BANK,
        TransactionKind.DEPOSIT,
        Decimal("50.00"),
    )
    (event,) = decision.events
    assert isinstance(event, Deposited)
    assert (event.id, event.user_id, event.seq, event.cause, event.at) == (
        "d-1:Deposited",
        ALICE,
        1,
        "d-1",
        given.at,
    )
    assert (event.amount, event.balance, event.version, event.notes, event.user_name) == (
        Decimal("50.00"),
        Decimal("60.00"),
        1,
        "top-up",
        "Alice",
    )
    assert decision.routed == ()
    assert decision.account is not None and decision.account.events == 1


def test_only_the_bank_may_deposit(kit: Any) -> None:
    decision = decide(kit.account(ALICE), kit.command(deposit(), ALICE), kit.ctx)
    assert kit.status(decision) == 403
    assert kit.problem(decision).detail == (
        "Only the StreamPay bank (system|bank) can deposit money"
    )


def test_a_deposit_is_decided_by_the_account_it_credits(kit: Any) -> None:
    stray = kit.command(deposit(user="local|bob"), BANK, owner=ALICE)
    decision = decide(kit.account(ALICE), stray, kit.ctx)
    assert kit.status(decision) == 400
    assert kit.nothing_recorded(decision)


def test_a_deposit_to_nobody_is_404(kit: Any) -> None:
    decision = decide(
        kit.account("local|zed"),
        kit.command(deposit(user="local|zed"), BANK, owner="local|zed"),
        kit.ctx,
    )
    assert kit.status(decision) == 404


def profile(name: str = "Alice") -> SignupInput:
    return SignupInput(ALICE, User(id=ALICE, name=name, username="alice"), at=5)


def test_a_new_user_gets_the_signup_grant_once(kit: Any) -> None:
    first = decide(kit.account(ALICE, "0"), profile(), kit.ctx)

    assert first.account is not None and first.account.balance == Decimal("100.00")
    assert first.account.granted and first.reply is None
    (leg,) = kit.legs(first)
    assert (leg.id, leg.owner_id, leg.amount) == ("signup:local|alice", ALICE, Decimal("100.00"))
    (granted,) = kit.events(first, Deposited)
    assert (granted.id, granted.cause, granted.seq, granted.balance, granted.at) == (
        "signup:local|alice:Deposited",
        "signup:local|alice",
        1,
        Decimal("100.00"),
        5,
    )
    assert first.events == (granted,)
    assert decide(first.account, profile("Alice Renamed"), kit.ctx) is UNCHANGED


def test_no_grant_when_it_is_switched_off_or_for_system_accounts(kit: Any) -> None:
    off = Context(kit.directory, Policy(signup_grant=Decimal(0)))
    assert decide(kit.account(ALICE, "0"), profile(), off) is UNCHANGED
    bank = SignupInput(BANK, User(id=BANK, name="Bank", username="bank"), at=5)
    assert decide(kit.account(BANK, "0"), bank, kit.ctx) is UNCHANGED
