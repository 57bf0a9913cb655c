"""Payment requests: made by the requester, decided in the payer's partition.

Everything about one request is decided in the payer's partition: opening it, paying it,
declining it and cancelling it. A request therefore reaches that partition as a routed record,
and so does a cancel; the payer's partition writes the reply with the original correlation id
and tells the requester's partition when the request closes, so the requester's account knows
which of its requests are still open (and where to send a cancel).
"""

from __future__ import annotations

from typing import cast

from streampay_contracts import (
    CancelRequestCommand,
    DeclineRequestCommand,
    PaymentRequest,
    Problem,
    RequestCommand,
    RequestReply,
    RequestStatus,
)
from streampay_contracts.events import (
    RequestCancelled,
    RequestClosing,
    RequestDeclined,
    RequestOpened,
    RequestPaid,
)
from streampay_streams.domain import answers, ids, problems, routing
from streampay_streams.domain.account import Account, bounded
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import Decision, Origin, Reply, Route
from streampay_streams.domain.inputs import Asking, CommandInput, RoutedCancel
from streampay_streams.domain.messages import OpenRequest, RequestClosed
from streampay_streams.domain.record import record

_CLOSING_EVENTS: dict[RequestStatus, type[RequestClosing]] = {
    RequestStatus.PAID: RequestPaid,
    RequestStatus.DECLINED: RequestDeclined,
    RequestStatus.CANCELLED: RequestCancelled,
}


def request(account: Account, given: CommandInput, ctx: Context) -> Decision:
    """In the requester's partition: check the request and route it to the payer."""
    command = cast(RequestCommand, given.command)
    problem = _request_refusal(account, command, ctx)
    if problem is not None:
        return answers.refuse(account, given, problem, ctx)
    new = PaymentRequest(
        id=ids.request_id(given.correlation_id),
        from_user_id=account.user_id,
        from_user_name=ctx.name(account.user_id),
        to_user_id=command.user_id,
        to_user_name=ctx.name(command.user_id),
        amount=command.amount,
        notes=command.notes,
        timestamp=given.at,
    )
    sent = account.change(sent_requests={**account.sent_requests, new.id: command.user_id})
    message = OpenRequest(request=new, reply_to=given.address)
    output = Route(command.user_id, message, given.origin)
    return answers.route(sent, given, command.user_id, output, ctx)


def _request_refusal(account: Account, command: RequestCommand, ctx: Context) -> Problem | None:
    verb = "request money from"
    problem = problems.with_counterparty(account.user_id, command.user_id, verb, ctx)
    if problem is not None:
        return problem
    if len(account.sent_requests) >= ctx.policy.open_request_limit:
        return problems.too_many_sent(ctx.policy.open_request_limit)
    return None


def open_request(account: Account, message: OpenRequest, origin: Origin, ctx: Context) -> Decision:
    """In the payer's partition: record the request, publish it, answer the requester."""
    new = message.request
    created = Reply(message.reply_to, 201, RequestReply(id=new.id))
    if new.id in account.open_requests or new.id in account.closed_requests:
        return Decision(reply=created)
    problem = _too_many_open(account, new.from_user_id, ctx)
    if problem is not None:
        back = Route(new.from_user_id, RequestClosed(request_id=new.id), origin)
        return Decision(account, routed=(back,), reply=Reply(message.reply_to, 409, problem))
    opened = account.change(open_requests={**account.open_requests, new.id: new})
    cause = message.reply_to.correlation_id
    opened, event = record(opened, RequestOpened, cause, new.timestamp, request=new)
    return Decision(opened, events=(event,), reply=created)


def _too_many_open(account: Account, requester: str, ctx: Context) -> Problem | None:
    """Whether the payer can take one more request from ``requester``: at most
    ``open_requests_per_pair`` from any one requester, so no requester can fill the payer's
    ``open_request_limit`` and shut everyone else out."""
    policy, name = ctx.policy, account_name(account, ctx)
    mine = sum(1 for r in account.open_requests.values() if r.from_user_id == requester)
    if mine >= policy.open_requests_per_pair:
        return problems.too_many_to(name, policy.open_requests_per_pair)
    if len(account.open_requests) >= policy.open_request_limit:
        return problems.too_many_received(name)
    return None


def decline(account: Account, given: CommandInput, ctx: Context) -> Decision:
    """In the payer's partition: the payer refuses an open request addressed to them."""
    command = cast(DeclineRequestCommand, given.command)
    pending = account.open_requests.get(command.request_id)
    if pending is None:
        return answers.refuse(account, given, _not_open(account, command.request_id), ctx)
    closed, event, back = settle(
        account, pending, RequestStatus.DECLINED, given, ctx, notes=command.reason or None
    )
    final = event.request
    return answers.answer(closed, given, 200, final, ctx, events=(event,), routed=(back,))


def cancel(account: Account, given: CommandInput, ctx: Context) -> Decision:
    """In the requester's partition: send the cancel to where the request is decided."""
    command = cast(CancelRequestCommand, given.command)
    payer = account.sent_requests.get(command.request_id)
    if payer is not None:
        return answers.route(account, given, payer, routing.cancel(given, command, payer), ctx)
    status = account.sent_closed.get(command.request_id)
    if status is not None:
        return answers.refuse(
            account, given, problems.request_closed(command.request_id, status), ctx
        )
    problem = problems.unknown_request(command.request_id, "from you")
    return answers.refuse(account, given, problem, ctx)


def cancel_at_payer(account: Account, given: RoutedCancel, ctx: Context) -> Decision:
    """In the payer's partition: withdraw the request if it is open and the requester's."""
    message = given.message
    earlier = account.recent.get(given.correlation_id)
    if earlier is not None:
        return answers.again(given, earlier, ctx)
    pending = account.open_requests.get(message.request_id)
    if pending is None or pending.from_user_id != message.requester:
        return answers.refuse(account, given, _not_open(account, message.request_id), ctx)
    closed, event, back = settle(account, pending, RequestStatus.CANCELLED, given, ctx)
    return answers.answer(closed, given, 200, event.request, ctx, events=(event,), routed=(back,))


def closed(account: Account, message: RequestClosed, ctx: Context) -> Account:
    """In the requester's partition: one of its requests is no longer open."""
    sent = {rid: payer for rid, payer in account.sent_requests.items() if rid != message.request_id}
    if message.status is None:
        return account.change(sent_requests=sent)
    done = bounded(
        {**account.sent_closed, message.request_id: message.status}, ctx.policy.closed_request_limit
    )
    return account.change(sent_requests=sent, sent_closed=done)


def settle(
    account: Account,
    pending: PaymentRequest,
    status: RequestStatus,
    given: Asking,
    ctx: Context,
    notes: str | None = None,
) -> tuple[Account, RequestClosing, Route]:
    """Close an open request in the payer's account: its event, and the word to the requester."""
    final = pending.model_copy(update={"status": status})
    remaining = {rid: r for rid, r in account.open_requests.items() if rid != pending.id}
    done = bounded({**account.closed_requests, pending.id: status}, ctx.policy.closed_request_limit)
    closed = account.change(open_requests=remaining, closed_requests=done)
    closed, event = record(
        closed, _CLOSING_EVENTS[status], given.correlation_id, given.at, request=final, notes=notes
    )
    back = Route(
        pending.from_user_id, RequestClosed(request_id=pending.id, status=status), given.origin
    )
    return closed, event, back


def refusal_for_payment(account: Account, request_id: str) -> Problem:
    return _not_open(account, request_id)


def _not_open(account: Account, request_id: str) -> Problem:
    status = account.closed_requests.get(request_id)
    if status is not None:
        return problems.request_closed(request_id, status)
    return problems.unknown_request(request_id, "addressed to you")


def account_name(account: Account, ctx: Context) -> str:
    return ctx.name(account.user_id)
