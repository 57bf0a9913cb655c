"""Posting one ledger entry to an account, and the views that change with it.

A posting changes the balance and its version, adds the entry to the statement windows, and
yields the records every reader of that account needs: the balance (compacted ``balances``),
the same on ``balance-histories``, and the updated statements.
"""

from __future__ import annotations

from decimal import Decimal

from streampay_contracts import SYSTEM_BANK, Balance, Transaction, TransactionKind, topics
from streampay_streams.domain import statements
from streampay_streams.domain.account import Account
from streampay_streams.domain.effects import Emit


def post(account: Account, amount: Decimal, at: int) -> tuple[Account, list[Emit]]:
    """Apply ``amount`` (negative = out) to the account; the caller checked it stays >= 0."""
    windows, changed = statements.record(account.windows, account.user_id, amount, at)
    posted = account.change(
        balance=account.balance + amount, version=account.version + 1, windows=windows
    )
    balance = Balance(balance=posted.balance, timestamp=at, version=posted.version)
    emits = [
        Emit.of(topics.BALANCES, account.user_id, balance),
        Emit.of(topics.BALANCE_HISTORIES, account.user_id, balance),
        *(Emit.of(topics.STATEMENTS, statements.key_of(s), s) for s in changed),
    ]
    return posted, emits


def leg(
    entry_id: str,
    owner: str,
    counterparty: str,
    amount: Decimal,
    cause: str,
    at: int,
    *,
    notes: str = "",
    request_id: str | None = None,
) -> Transaction:
    """One ledger entry; a deposit when the counterparty is the bank, else a transfer."""
    return Transaction(
        id=entry_id,
        owner_id=owner,
        user_id=counterparty,
        amount=amount,
        kind=TransactionKind.DEPOSIT if counterparty == SYSTEM_BANK else TransactionKind.TRANSFER,
        command_id=cause,
        timestamp=at,
        notes=notes,
        request_id=request_id,
    )
