"""Refusals in plain words: the ``detail`` a user reads when a command is not applied."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from streampay_contracts import PaymentRequest, Problem, RequestStatus, is_system_user

if TYPE_CHECKING:
    from streampay_streams.domain.context import Context


def not_enough_money(balance: Decimal, amount: Decimal) -> Problem:
    return Problem.conflict(
        f"Not enough money: balance {balance}, payment {amount}", balance=balance
    )


def stale_version(expected: int, current: int) -> Problem:
    return Problem.precondition_failed(
        f"Your balance changed since you last saw it (version {expected}, now {current}); "
        "check it and try again",
        currentVersion=current,
    )


def unknown_user(user_id: str) -> Problem:
    return Problem.not_found(f"There is no user {user_id}")


def to_yourself(what: str) -> Problem:
    return Problem.bad_request(f"You cannot {what} yourself")


def system_account(user_id: str) -> Problem:
    return Problem.bad_request(f"{user_id} is a StreamPay system account, not a person")


def system_actor() -> Problem:
    return Problem.forbidden("StreamPay system accounts cannot pay or request money")


def bank_only() -> Problem:
    return Problem.forbidden("Only the StreamPay bank (system|bank) can deposit money")


def deposit_key(user_id: str, key: str) -> Problem:
    return Problem.bad_request(
        f"A deposit to {user_id} must be keyed by that account, not by {key}"
    )


def unknown_request(request_id: str, whose: str) -> Problem:
    return Problem.not_found(f"There is no open request {request_id} {whose}")


def request_closed(request_id: str, status: RequestStatus) -> Problem:
    return Problem.conflict(
        f"Request {request_id} is no longer open: it was {status}", requestStatus=str(status)
    )


def request_mismatch(request: PaymentRequest, payee: str, amount: Decimal) -> Problem | None:
    """Why a payment does not settle ``request``, or None when it does."""
    if payee != request.from_user_id:
        return Problem.conflict(
            f"Request {request.id} was made by {request.from_user_id}, not {payee}"
        )
    if amount != request.amount:
        return Problem.conflict(
            f"Request {request.id} is for {request.amount}, not {amount}",
            requestedAmount=request.amount,
        )
    return None


def too_many_sent(limit: int) -> Problem:
    return Problem.conflict(
        f"You already have {limit} open requests; wait for answers or cancel some first"
    )


def too_many_to(name: str, limit: int) -> Problem:
    return Problem.conflict(
        f"You already have {limit} open requests to {name}; wait for answers or cancel some first"
    )


def too_many_received(name: str) -> Problem:
    return Problem.conflict(f"{name} has too many open requests; try again later")


def not_applied() -> Problem:
    return Problem.internal_error(
        "StreamPay could not process this command, so it was not applied; try again later"
    )


def with_counterparty(me: str, other: str, verb: str, ctx: Context) -> Problem | None:
    """Why ``me`` cannot ``verb`` ``other`` at all: oneself, a system account, or nobody."""
    if other == me:
        return to_yourself(verb)
    if is_system_user(other):
        return system_account(other)
    if not ctx.exists(other):
        return unknown_user(other)
    return None
