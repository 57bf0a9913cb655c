"""Payments: the payer's partition debits and decides; the payee's partition credits.

A payment is decided where the payer's account lives, so two payments from one payer can never
both spend the same money. The payee's account lives in another partition and is changed only
there: the decision records the credit leg, keyed by the payee, and the payee's partition
applies it (:func:`credit`) when it arrives on the ledger.
"""

from __future__ import annotations

from typing import cast

from streampay_contracts import PayCommand, PayReply, Problem, RequestStatus
from streampay_contracts.events import EventBase, PaymentReceived, PaymentSent
from streampay_streams.domain import answers, ids, ledger, problems, requests
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import UNCHANGED, Decision, Leg, Route
from streampay_streams.domain.inputs import CREDITS_VIA, CommandInput, CreditInput
from streampay_streams.domain.record import record


def pay(account: Account, given: CommandInput, ctx: Context) -> Decision:
    command = cast(PayCommand, given.command)
    problem = _refusal(account, command, ctx)
    if problem is not None:
        return answers.refuse(account, given, problem, ctx)
    return _transfer(account, given, command, ctx)


def credit(account: Account, given: CreditInput, ctx: Context) -> Decision:
    """Apply a transfer's credit leg to the payee, once: a leg from an origin at or below the
    account's mark for that origin partition was applied already."""
    source = given.origin.source(CREDITS_VIA)
    if account.applied(source, given.origin.offset):
        return UNCHANGED
    leg = given.leg
    posted = ledger.post(account, leg.amount)
    posted, received = record(
        posted,
        PaymentReceived,
        leg.command_id,
        leg.timestamp,
        amount=leg.amount,
        balance=posted.balance,
        version=posted.version,
        notes=leg.notes,
        payer_id=leg.user_id,
        payer_name=ctx.name(leg.user_id),
        payee_name=ctx.name(account.user_id),
        request_id=leg.request_id,
        visibility=leg.visibility,
    )
    return Decision(posted.marked(source, given.origin.offset), events=(received,))


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
    cid, payer, payee, amount = (
        given.correlation_id,
        account.user_id,
        command.user_id,
        command.amount,
    )
    posted = ledger.post(account, -amount)
    posted = posted.change(payments=posted.payments + 1, paid=posted.paid + amount)
    posted, sent = record(
        posted,
        PaymentSent,
        cid,
        given.at,
        amount=amount,
        balance=posted.balance,
        version=posted.version,
        notes=command.notes,
        payer_name=ctx.name(payer),
        payee_id=payee,
        payee_name=ctx.name(payee),
        request_id=command.request_id,
        payments=posted.payments,
        paid=posted.paid,
        visibility=command.visibility,
    )
    events: tuple[EventBase, ...] = (sent,)
    routed: tuple[Route, ...] = ()
    if command.request_id is not None:
        pending = account.open_requests[command.request_id]
        posted, closing, back = requests.settle(posted, pending, RequestStatus.PAID, given, ctx)
        events, routed = (sent, closing), (back,)
    reply = PayReply(command_id=cid, amount=amount, balance=posted.balance, version=posted.version)
    legs = _legs(payer, given, command)
    return answers.answer(posted, given, 200, reply, ctx, events=events, legs=legs, routed=routed)


def _legs(payer: str, given: CommandInput, command: PayCommand) -> tuple[Leg, Leg]:
    cid, payee, amount, at = given.correlation_id, command.user_id, command.amount, given.at
    notes, request_id, visibility = command.notes, command.request_id, command.visibility
    debit, credit_leg = (
        ledger.leg(
            ids.leg_id(cid, side),
            owner,
            other,
            signed,
            cid,
            at,
            notes=notes,
            request_id=request_id,
            visibility=visibility,
        )
        for side, owner, other, signed in (
            ("debit", payer, payee, -amount),
            ("credit", payee, payer, amount),
        )
    )
    return Leg(debit), Leg(credit_leg, given.origin)
