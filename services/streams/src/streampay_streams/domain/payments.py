"""Payments: the payer's partition debits and decides; the payee's partition credits.

A payment is decided where the payer's account lives, so two payments from one payer can never
both spend the same money. The payee's account lives in another partition and is changed only
there: the decision publishes the credit leg, keyed by the payee, and the payee's partition
applies it (:func:`credit`) when it arrives on ``transactions``.
"""

from __future__ import annotations

from typing import cast

from streampay_contracts import (
    ActivityEvent,
    PayCommand,
    PayReply,
    Problem,
    RequestStatus,
    topics,
)
from streampay_contracts.views import TOTALS_KEY
from streampay_streams.domain import activities, answers, ids, ledger, problems, requests
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import UNCHANGED, Decision, Emit
from streampay_streams.domain.inputs import CREDITS_VIA, CommandInput, CreditInput
from streampay_streams.domain.messages import PaymentRecorded


def pay(account: Account, given: CommandInput, ctx: Context) -> Decision:
    command = cast(PayCommand, given.command)
    problem = _refusal(account, command, ctx)
    if problem is not None:
        return answers.refuse(account, given, problem, ctx)
    return _transfer(account, given, command, ctx)


def credit(account: Account, given: CreditInput) -> Decision:
    """Apply a transfer's credit leg to the payee, once: a leg from an origin at or below the
    account's mark for that origin partition was applied already."""
    source = given.origin.source(CREDITS_VIA)
    if account.applied(source, given.origin.offset):
        return UNCHANGED
    posted, views = ledger.post(account, given.leg.amount, given.leg.timestamp)
    return Decision(posted.marked(source, given.origin.offset), tuple(views))


def _refusal(account: Account, command: PayCommand, ctx: Context) -> Problem | None:
    problem = problems.with_counterparty(account.user_id, command.user_id, "pay", ctx)
    if problem is not None:
        return problem
    if command.request_id is not None:
        pending = account.open_requests.get(command.request_id)
        if pending is None:
            return requests.refusal_for_payment(account, command.request_id)
        mismatch = problems.request_mismatch(pending, command.user_id, command.amount)
        if mismatch is not None:
            return mismatch
    if account.balance < command.amount:
        return problems.not_enough_money(account.balance, command.amount)
    return None


def _transfer(account: Account, given: CommandInput, command: PayCommand, ctx: Context) -> Decision:
    cid, amount, at = given.correlation_id, command.amount, given.at
    posted, views = ledger.post(account, -amount, at)
    posted = posted.change(payments=posted.payments + 1, paid=posted.paid + amount)
    outputs = [*_legs(account.user_id, given, command), *views]
    if command.request_id is not None:
        pending = account.open_requests[command.request_id]
        posted, closing, _ = requests.settle(posted, pending, RequestStatus.PAID, given, ctx)
        outputs += closing
    outputs += _announcements(account.user_id, given, command, posted, ctx)
    reply = PayReply(command_id=cid, amount=amount, balance=posted.balance, version=posted.version)
    return answers.answer(posted, given, 200, reply, ctx, outputs)


def _legs(payer: str, given: CommandInput, command: PayCommand) -> list[Emit]:
    cid, payee, amount, at = given.correlation_id, command.user_id, command.amount, given.at
    notes, request_id = command.notes, command.request_id
    debit = ledger.leg(
        ids.leg_id(cid, "debit"), payer, payee, -amount, cid, at, notes=notes, request_id=request_id
    )
    credit_leg = ledger.leg(
        ids.leg_id(cid, "credit"), payee, payer, amount, cid, at, notes=notes, request_id=request_id
    )
    origin = given.origin.headers()
    return [
        Emit.of(topics.TRANSACTIONS, payer, debit),
        Emit.of(topics.TRANSACTIONS, payee, credit_leg, origin),
    ]


def _announcements(
    payer: str, given: CommandInput, command: PayCommand, posted: Account, ctx: Context
) -> list[Emit]:
    cid, payee, amount, at = given.correlation_id, command.user_id, command.amount, given.at
    lines = [
        activities.transfer(
            event,
            cid,
            amount,
            payer,
            payee,
            at,
            ctx,
            notes=command.notes,
            request_id=command.request_id,
        )
        for event in (ActivityEvent.PAYMENT_SENT, ActivityEvent.PAYMENT_RECEIVED)
    ]
    recorded = PaymentRecorded(
        payment_id=cid,
        payer_id=payer,
        amount=amount,
        payments=posted.payments,
        paid=posted.paid,
        timestamp=at,
    )
    return [
        activities.keyed_by(payer, lines[0]),
        activities.keyed_by(payee, lines[1]),
        Emit.of(ctx.policy.payments_topic, TOTALS_KEY, recorded),
    ]
