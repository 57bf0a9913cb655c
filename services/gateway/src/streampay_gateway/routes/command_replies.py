"""The replies to commands that were answered ``202 Accepted``.

``GET /command-replies/{correlationId}`` answers with the reply, exactly as the command route
would have (its status and body), once the streams service has written it; ``202`` while the
command is accepted but not answered yet; ``404`` for an id that is not a command of the
caller's in the idempotency window. ``Prefer: wait=N`` holds the request up to N seconds
(capped) for the reply to come. Any instance answers, whichever one accepted the command.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from streampay_gateway.auth.security import Authenticated
from streampay_gateway.commands.outcomes import Accepted, accepted_response, reply_response
from streampay_gateway.deps import Dispatcher, Prefer
from streampay_gateway.http.openapi import json_response
from streampay_gateway.http.problems import problem_responses

router = APIRouter(tags=["commands"])

CorrelationId = Annotated[
    str,
    Path(alias="correlationId", pattern="^[0-9a-f]{64}$", description="From the `Location`"),
]


@router.get(
    "/command-replies/{correlationId}",
    summary="The reply to an accepted command",
    responses={
        200: {"description": "The reply: the command's own status and body (also 201, 4xx)"},
        202: json_response(Accepted, "Accepted, not answered yet; retry or use `Prefer: wait`"),
        **problem_responses(400, 401, 404, 503),
    },
)
async def command_reply(
    correlation_id: CorrelationId, principal: Authenticated, dispatcher: Dispatcher, prefer: Prefer
) -> Response:
    """The reply to one of the caller's commands, waiting for it with ``Prefer: wait=N``."""
    reply = await dispatcher.result(correlation_id, principal.user_id, prefer.wait_s or 0)
    if reply is None:
        return accepted_response(correlation_id, prefer)
    return reply_response(reply, correlation_id)
