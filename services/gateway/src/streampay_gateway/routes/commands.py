"""Commands: pay, request money, decline or cancel a request.

Each route verifies the token and its scope, reads the body (at most 16 KiB), validates it with
the contracts, refuses what is wrong without looking at any state (paying yourself), and sends
the command to the streams service, which decides and replies. The answer is that reply (its
status and body), or ``202 Accepted`` with a ``Location`` when it takes longer than the wait.

Idempotency: send an ``Idempotency-Key`` (a fresh one per intended command, reused on every
retry of it). A retry, on any instance and even after a restart, is answered with the first
attempt's reply and ``Idempotent-Replayed: true``, and the command is not applied twice. The
same key with a different body is a 422; the same key while the first attempt is still waiting
on this instance is a 409. Without a key every request is a new command.

Scopes: paying needs ``write:pay`` and requesting ``write:request``, as in the original.
Declining a request is the payer's answer to it, so it needs ``write:pay`` (a token that may
only ask for money cannot refuse requests addressed to its user); cancelling is the
requester withdrawing their own request, so it needs ``write:request``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from streampay_contracts import (
    CancelRequestCommand,
    Command,
    DeclineRequestCommand,
    InboundModel,
    PayCommand,
    PaymentRequest,
    PayReply,
    Problem,
    RequestCommand,
    RequestReply,
    is_system_user,
)
from streampay_contracts.fields import REQUEST_ID_PATTERN, Notes
from streampay_contracts.headers import parse_version
from streampay_gateway.auth.security import Principal, WritePay, WriteRequest
from streampay_gateway.commands.correlation import check_idempotency_key
from streampay_gateway.commands.dispatch import CommandDispatcher, Submission
from streampay_gateway.commands.outcomes import Accepted, accepted_response, reply_response
from streampay_gateway.commands.prefer import Preferences
from streampay_gateway.deps import Dispatcher, Prefer, Settings
from streampay_gateway.http.bodies import decode_body, read_body, validate_fields
from streampay_gateway.http.openapi import json_body, json_response
from streampay_gateway.http.problems import ProblemError, problem_responses

router = APIRouter(tags=["commands"])

IDEMPOTENCY_DOC = "One key per intended command, reused on its retries (1-255 printable ASCII)"
IF_MATCH_DOC = 'Make the payment conditional on your balance version, e.g. "7" (412 if stale)'


def bad_request(detail: str) -> ProblemError:
    return ProblemError(Problem.bad_request(detail))


@dataclass(frozen=True, slots=True)
class CommandSender:
    """What every command route shares: the dispatcher, the wait, the idempotency key."""

    dispatcher: CommandDispatcher
    wait_s: float
    prefer: Preferences
    idempotency_key: str | None
    body_limit: int

    async def send(
        self, principal: Principal, route: str, command: Command, if_match: str | None = None
    ) -> Response:
        try:
            key = check_idempotency_key(self.idempotency_key)
            version = None if if_match is None else parse_version(if_match)
        except ValueError as error:
            raise bad_request(str(error)) from None
        submission = Submission(
            principal.user_id, route, command, key, self.wait_s, if_match, version
        )
        outcome = await self.dispatcher.submit(submission)
        if outcome.reply is None:
            return accepted_response(outcome.correlation_id, self.prefer)
        return reply_response(outcome.reply, outcome.correlation_id, replayed=outcome.replayed)


async def command_sender(
    dispatcher: Dispatcher,
    settings: Settings,
    prefer: Prefer,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY_DOC)
    ] = None,
) -> CommandSender:
    wait_s = settings.command_reply_timeout_seconds if prefer.wait_s is None else prefer.wait_s
    if prefer.respond_async:
        wait_s = 0
    return CommandSender(dispatcher, wait_s, prefer, idempotency_key, settings.max_body_bytes)


Sender = Annotated[CommandSender, Depends(command_sender)]
RequestIdPath = Annotated[str, Path(pattern=f"^{REQUEST_ID_PATTERN}$", max_length=64)]


def _responses(success: int, model: type[Any], description: str, *problems: int) -> Any:
    return {
        success: json_response(model, description),
        202: json_response(Accepted, "Accepted; the reply will be at `Location`"),
        **problem_responses(400, 401, 403, 404, 409, *problems, 413, 415, 422, 503),
    }


def _not_a_counterparty(user_id: str, caller: str, yourself: str) -> None:
    if user_id == caller:
        raise bad_request(yourself)
    if is_system_user(user_id):
        raise bad_request("StreamPay's own accounts cannot be paid or asked for money")


@router.post(
    "/pay",
    summary="Send money to a user",
    openapi_extra=json_body(PayCommand),
    responses=_responses(200, PayReply, "Paid; the payer's balance after it", 412),
)
async def pay(
    request: Request,
    principal: WritePay,
    sender: Sender,
    if_match: Annotated[str | None, Header(alias="If-Match", description=IF_MATCH_DOC)] = None,
) -> Response:
    """Move ``amount`` from the caller to ``userId``; with ``requestId``, pay that request.

    404 unknown payee or request; 409 not enough money or the request is no longer open.
    """
    command = decode_body(await read_body(request, sender.body_limit), PayCommand)
    _not_a_counterparty(command.user_id, principal.user_id, "you cannot pay yourself")
    return await sender.send(principal, "POST /pay", command, if_match)


@router.post(
    "/request",
    summary="Ask a user for money",
    status_code=201,
    openapi_extra=json_body(RequestCommand),
    responses=_responses(201, RequestReply, "Requested; the new request's id"),
)
async def request_money(request: Request, principal: WriteRequest, sender: Sender) -> Response:
    """Ask ``userId`` to pay the caller ``amount``; 404 if there is no such user."""
    command = decode_body(await read_body(request, sender.body_limit), RequestCommand)
    _not_a_counterparty(command.user_id, principal.user_id, "you cannot ask yourself for money")
    return await sender.send(principal, "POST /request", command)


class DeclineBody(InboundModel):
    """Optional body of a decline."""

    reason: Notes = ""
    """Why, shown to the requester."""


class CancelBody(InboundModel):
    """A cancel takes no fields; an empty body or ``{}``."""


async def _optional_body(request: Request, limit: int) -> bytes:
    body = await read_body(request, limit)
    return body if body.strip() else b"{}"


@router.post(
    "/payment-requests/{id}/decline",
    summary="Decline a request addressed to you",
    openapi_extra=json_body(DeclineBody, required=False),
    responses=_responses(200, PaymentRequest, "Declined; the request as it now stands"),
)
async def decline(
    request: Request, id: RequestIdPath, principal: WritePay, sender: Sender
) -> Response:
    """The payer refuses the request. 404 if it is not addressed to the caller; 409 if closed."""
    body = decode_body(await _optional_body(request, sender.body_limit), DeclineBody)
    command = validate_fields({"requestId": id, "reason": body.reason}, DeclineRequestCommand)
    return await sender.send(principal, "POST /payment-requests/{id}/decline", command)


@router.post(
    "/payment-requests/{id}/cancel",
    summary="Cancel a request you made",
    openapi_extra=json_body(CancelBody, required=False),
    responses=_responses(200, PaymentRequest, "Cancelled; the request as it now stands"),
)
async def cancel(
    request: Request, id: RequestIdPath, principal: WriteRequest, sender: Sender
) -> Response:
    """The requester withdraws the request. 404 if the caller did not make it; 409 if closed."""
    decode_body(await _optional_body(request, sender.body_limit), CancelBody)
    command = validate_fields({"requestId": id}, CancelRequestCommand)
    return await sender.send(principal, "POST /payment-requests/{id}/cancel", command)
