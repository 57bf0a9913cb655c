"""New money: deposits by the bank, and the grant every user gets once when they sign up.

Money enters StreamPay only here, always as a single leg credited from ``system|bank``. Both are
applied in the credited user's partition: a deposit command is keyed by that user, and so is
the user's profile on ``users`` that triggers the grant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from streampay_contracts import (
    SYSTEM_BANK,
    DepositCommand,
    DepositReply,
    Problem,
    is_system_user,
)
from streampay_contracts.events import Deposited
from streampay_streams.domain import answers, ids, ledger, problems
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import UNCHANGED, Decision, Leg
from streampay_streams.domain.inputs import CommandInput, SignupInput
from streampay_streams.domain.record import record

WELCOME = "Welcome to StreamPay"


def deposit(account: Account, given: CommandInput, ctx: Context) -> Decision:
    command = cast(DepositCommand, given.command)
    problem = _refusal(account, command, ctx)
    if problem is not None:
        return answers.refuse(account, given, problem, ctx)
    cause = given.correlation_id
    leg_id = ids.leg_id(cause, "deposit")
    posted, event, leg = _credit(
        account, command.amount, leg_id, cause, given.at, ctx, command.notes
    )
    reply = DepositReply(command_id=cause, balance=posted.balance, version=posted.version)
    return answers.answer(posted, given, 200, reply, ctx, events=(event,), legs=(leg,))


def signup(account: Account, given: SignupInput, ctx: Context) -> Decision:
    """The signup grant, the first time this user appears; never again, whatever changes."""
    grant = ctx.policy.signup_grant
    if account.granted or grant <= 0 or is_system_user(account.user_id):
        return UNCHANGED
    cause = ids.signup_id(account.user_id)
    posted, event, leg = _credit(account, grant, cause, cause, given.at, ctx, WELCOME)
    return Decision(posted.change(granted=True), events=(event,), legs=(leg,))


def _refusal(account: Account, command: DepositCommand, ctx: Context) -> Problem | None:
    if command.user_id != account.user_id:
        return problems.deposit_key(command.user_id, account.user_id)
    if is_system_user(command.user_id):
        return problems.system_account(command.user_id)
    if not ctx.exists(command.user_id):
        return problems.unknown_user(command.user_id)
    return None


def _credit(
    account: Account, amount: Decimal, leg_id: str, cause: str, at: int, ctx: Context, notes: str
) -> tuple[Account, Deposited, Leg]:
    user = account.user_id
    entry = ledger.leg(leg_id, user, SYSTEM_BANK, amount, cause, at, notes=notes)
    posted = ledger.post(account, amount)
    posted, event = record(
        posted,
        Deposited,
        cause,
        at,
        amount=amount,
        balance=posted.balance,
        version=posted.version,
        notes=notes,
        user_name=ctx.name(user),
    )
    return posted, event, Leg(entry)
