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
    ActivityEvent,
    DepositCommand,
    DepositReply,
    Problem,
    is_system_user,
    topics,
)
from streampay_streams.domain import activities, answers, ids, ledger, problems
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import UNCHANGED, Decision, Emit
from streampay_streams.domain.inputs import CommandInput, SignupInput

WELCOME = "Welcome to StreamPay"


def deposit(account: Account, given: CommandInput, ctx: Context) -> Decision:
    command = cast(DepositCommand, given.command)
    problem = _refusal(account, command, ctx)
    if problem is not None:
        return answers.refuse(account, given, problem, ctx)
    cause = given.correlation_id
    leg_id = ids.leg_id(cause, "deposit")
    posted, outputs = _credit(account, command.amount, leg_id, cause, given.at, ctx, command.notes)
    reply = DepositReply(command_id=cause, balance=posted.balance, version=posted.version)
    return answers.answer(posted, given, 200, reply, ctx, outputs)


def signup(account: Account, given: SignupInput, ctx: Context) -> Decision:
    """The signup grant, the first time this user appears; never again, whatever changes."""
    grant = ctx.policy.signup_grant
    if account.granted or grant <= 0 or is_system_user(account.user_id):
        return UNCHANGED
    cause = ids.signup_id(account.user_id)
    posted, outputs = _credit(account, grant, cause, cause, given.at, ctx, WELCOME)
    return Decision(posted.change(granted=True), tuple(outputs))


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
) -> tuple[Account, list[Emit]]:
    user = account.user_id
    entry = ledger.leg(leg_id, user, SYSTEM_BANK, amount, cause, at, notes=notes)
    posted, views = ledger.post(account, amount, at)
    line = activities.transfer(
        ActivityEvent.DEPOSIT_RECEIVED, cause, amount, SYSTEM_BANK, user, at, ctx, notes=notes
    )
    return posted, [
        Emit.of(topics.TRANSACTIONS, user, entry),
        *views,
        activities.keyed_by(user, line),
    ]
