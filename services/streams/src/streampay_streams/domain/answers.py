"""Answering a command once: the reply is recorded with the decision, and repeated on request.

A command's answer is remembered in the deciding account together with the mark of the record
it came in on, in the same write as its events. A record delivered again is recognised by the
mark and changes nothing; a copy of the command produced again (same correlation id, another
record) is recognised by the remembered answer and gets that same answer once more.
"""

from __future__ import annotations

from pydantic import BaseModel

from streampay_contracts import CancelRequestCommand, Problem, RequestReply
from streampay_contracts.events import EventBase
from streampay_streams.domain import ids, routing
from streampay_streams.domain.account import Account, Answered, remember
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import Decision, Leg, Reply, Route
from streampay_streams.domain.inputs import Asking, CommandInput


def answer(
    account: Account,
    given: Asking,
    status: int,
    body: BaseModel,
    ctx: Context,
    *,
    events: tuple[EventBase, ...] = (),
    legs: tuple[Leg, ...] = (),
    routed: tuple[Route, ...] = (),
) -> Decision:
    """Reply to ``given`` and record the reply, and the record's mark, in ``account``."""
    answered = Answered(
        at=given.at, status=status, body=body, fingerprint=_short(given.address.fingerprint)
    )
    return Decision(
        _remember(account, given, answered, ctx),
        events,
        legs,
        routed,
        reply=Reply(given.address, status, body),
    )


def refuse(account: Account, given: Asking, problem: Problem, ctx: Context) -> Decision:
    return answer(account, given, problem.status, problem, ctx)


def route(
    account: Account, given: CommandInput, payer: str, output: Route, ctx: Context
) -> Decision:
    """Hand the command to the payer's partition, which decides and replies."""
    answered = Answered(at=given.at, routed_to=payer, fingerprint=_short(given.address.fingerprint))
    return Decision(_remember(account, given, answered, ctx), routed=(output,))


def reused(given: Asking, earlier: Answered) -> Decision | None:
    """422 to a command under a decided command's correlation id that asks for something else
    (the same idempotency key with another body); None for a true copy. Nothing changes, and
    the reply answers this attempt only."""
    asked, first = _short(given.address.fingerprint), earlier.fingerprint
    if asked is None or first is None or asked == first:
        return None
    return Decision(reply=Reply(given.address, 422, Problem.key_reused()))


def again(given: Asking, earlier: Answered, ctx: Context) -> Decision:
    """The same answer to a copy of a command already decided; nothing changes.

    A copy of a routed cancel goes to the payer again, who answers it from their own record;
    a request always got 201 with the id derived from its correlation id.
    """
    if earlier.routed_to is None:
        return Decision(reply=Reply(given.address, earlier.status, earlier.body))
    if isinstance(given, CommandInput) and isinstance(given.command, CancelRequestCommand):
        return Decision(routed=(routing.cancel(given, given.command, earlier.routed_to),))
    created = RequestReply(id=ids.request_id(given.correlation_id))
    return Decision(reply=Reply(given.address, 201, created))


FINGERPRINT_CHARS = 16
"""How much of a fingerprint an account remembers: 64 bits tell two bodies apart, and every
answer remembered is written again with each change of the account, so it is kept short."""


def _short(fingerprint: str | None) -> str | None:
    return None if fingerprint is None else fingerprint[:FINGERPRINT_CHARS]


def _remember(account: Account, given: Asking, answered: Answered, ctx: Context) -> Account:
    policy = ctx.policy
    updated = remember(
        account, given.correlation_id, answered, policy.recent_limit, policy.recent_ttl_ms
    )
    return updated.marked(given.origin.source(given.via), given.origin.offset)
