"""The one entry of the functional core: an account and an input in, a decision out.

Before any command is decided, three things are settled the same way for all of them: a record
delivered again is recognised by its mark and changes nothing; a copy of a command already
answered gets that answer again; and the preconditions (who may send it, ``If-Match``) hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from streampay_contracts import (
    SYSTEM_BANK,
    CancelRequestCommand,
    Command,
    DeclineRequestCommand,
    DepositCommand,
    PayCommand,
    Problem,
    RequestCommand,
    UserProfile,
    is_system_user,
)
from streampay_streams.domain import answers, deposits, payments, problems, profiles, requests
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import UNCHANGED, Decision
from streampay_streams.domain.inputs import (
    ROUTED_VIA,
    CommandInput,
    CreditInput,
    Input,
    RoutedCancel,
    RoutedInput,
    SignupInput,
)
from streampay_streams.domain.messages import (
    CancelRequest,
    ClaimUsername,
    OpenRequest,
    RequestClosed,
    UsernameGranted,
)

Decider = Callable[[Account, CommandInput, Context], Decision]

DECIDERS: dict[type[Command], Decider] = {
    PayCommand: payments.pay,
    RequestCommand: requests.request,
    DeclineRequestCommand: requests.decline,
    CancelRequestCommand: requests.cancel,
    DepositCommand: deposits.deposit,
    UserProfile: profiles.change,
}


def decide(account: Account, given: Input, ctx: Context) -> Decision:
    """What ``given`` does to ``account`` (the owner's account) and what it announces."""
    if isinstance(given, CommandInput):
        return _command(account, given, ctx)
    if isinstance(given, CreditInput):
        return payments.credit(account, given, ctx)
    if isinstance(given, SignupInput):
        return deposits.signup(account, given, ctx)
    return _routed(account, given, ctx)


def _command(account: Account, given: CommandInput, ctx: Context) -> Decision:
    if account.applied(given.origin.source(given.via), given.origin.offset):
        return UNCHANGED
    earlier = account.recent.get(given.correlation_id)
    if earlier is not None and (refused := answers.reused(given, earlier)) is not None:
        return refused
    # A profile command handed to a username's entry is decided again: the entry answers a
    # copy of the claim as it answered the first.
    reclaim = earlier is not None and earlier.routed_to and isinstance(given.command, UserProfile)
    if earlier is not None and not reclaim:
        return answers.again(given, earlier, ctx)
    problem = _precondition(account, given)
    if problem is not None:
        return answers.refuse(account, given, problem, ctx)
    return DECIDERS[type(given.command)](account, given, ctx)


def _precondition(account: Account, given: CommandInput) -> Problem | None:
    """Who may send the command, and whether the balance is the version the sender saw."""
    if isinstance(given.command, DepositCommand):
        return None if given.actor == SYSTEM_BANK else problems.bank_only()
    if is_system_user(given.actor):
        return problems.system_actor()
    if given.if_match is not None and given.if_match != account.version:
        return problems.stale_version(given.if_match, account.version)
    return None


def _routed(account: Account, given: RoutedInput, ctx: Context) -> Decision:
    source = given.origin.source(ROUTED_VIA)
    if account.applied(source, given.origin.offset):
        return UNCHANGED
    message = given.message
    if isinstance(message, OpenRequest):
        decision = requests.open_request(account, message, given.origin, ctx)
    elif isinstance(message, CancelRequest):
        decision = requests.cancel_at_payer(account, RoutedCancel(message, given.origin), ctx)
    elif isinstance(message, RequestClosed):
        decision = Decision(requests.closed(account, message, ctx))
    elif isinstance(message, ClaimUsername):
        decision = profiles.claim(account, message, given.position, ctx)
    elif isinstance(message, UsernameGranted):
        decision = profiles.save(account, message, given.position, ctx)
    else:
        decision = Decision(profiles.release(account, message))
    if decision.account is None:
        return decision
    return replace(decision, account=decision.account.marked(source, given.origin.offset))
