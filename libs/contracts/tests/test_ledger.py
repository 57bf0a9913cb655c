"""Ledger entries: exact signed legs, and refusal of entries that would break the ledger."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import SYSTEM_BANK, Transaction, encode

pytestmark = pytest.mark.unit


def leg(**changes: Any) -> dict[str, Any]:
    entry = {
        "id": "c-1:debit",
        "ownerId": "local|alice",
        "userId": "local|bob",
        "amount": Decimal("-25.50"),
        "kind": "transfer",
        "commandId": "c-1",
        "timestamp": 1_700_000_000_000,
    }
    return {**entry, **changes}


def test_a_ledger_leg_is_written_with_its_wire_names() -> None:
    entry = Transaction.model_validate(leg(requestId="r-1"))
    assert encode(entry) == (
        b'{"id":"c-1:debit","ownerId":"local|alice","userId":"local|bob","amount":-25.50,'
        b'"kind":"transfer","commandId":"c-1","timestamp":1700000000000,"requestId":"r-1",'
        b'"notes":"","visibility":"private"}'
    )


def test_a_deposit_credits_a_user_from_the_bank() -> None:
    deposit = Transaction.model_validate(leg(kind="deposit", userId=SYSTEM_BANK, amount=100))
    assert deposit.amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ownerId": SYSTEM_BANK}, "a ledger entry cannot belong to a system account"),
        (
            {"userId": "local|alice"},
            "a ledger entry cannot move money between an account and itself",
        ),
        ({"kind": "deposit"}, "a deposit must come from system|bank"),
        ({"kind": "deposit", "userId": SYSTEM_BANK}, "a deposit must credit the account"),
        ({"userId": SYSTEM_BANK}, "a transfer must be between two user accounts"),
        ({"amount": 0}, "amount must not be zero"),
        ({"kind": "refund"}, "Input should be 'deposit' or 'transfer'"),
    ],
)
def test_ledger_entries_that_break_the_ledger_are_refused(
    refusal: Callable[..., str], changes: dict[str, Any], message: str
) -> None:
    assert message in refusal(Transaction, leg(**changes))


def test_a_broken_ledger_entry_is_described_without_python_jargon(
    refusal: Callable[..., str],
) -> None:
    assert refusal(Transaction, leg(kind="deposit")) == "body: a deposit must come from system|bank"
