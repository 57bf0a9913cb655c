"""Payment requests as JSON: the open ones addressed to the caller, and one by id.

Only a request's two parties may read it: anyone else gets 404, exactly as for a request that
does not exist, so ids cannot be probed. Closed requests (paid, declined, cancelled) are no
longer in the ``payment-requests`` view, and are 404 too; their outcome is in the reply to the
command that closed them and in the activity feed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from streampay_contracts import PaymentRequest, Problem, RequestStatus, encode
from streampay_contracts.fields import REQUEST_ID_PATTERN
from streampay_gateway.auth.security import ReadPaymentRequests
from streampay_gateway.deps import PaymentRequestsTable, Prefer
from streampay_gateway.http.conditional import conditional_json
from streampay_gateway.http.openapi import json_response
from streampay_gateway.http.problems import ProblemError, problem_responses

router = APIRouter(tags=["payment requests"])

NOT_MODIFIED = {"description": "Not modified since the `If-None-Match` entity tag"}


def open_for(requests: list[PaymentRequest], payer: str) -> list[PaymentRequest]:
    """The pending requests ``payer`` is asked to pay, oldest first."""
    mine = [r for r in requests if r.to_user_id == payer and r.status is RequestStatus.PENDING]
    return sorted(mine, key=lambda r: (r.timestamp, r.id))


@router.get(
    "/current-payment-requests",
    summary="Open requests addressed to you",
    responses={
        200: json_response(PaymentRequest, "Pending requests you are asked to pay", array=True),
        304: NOT_MODIFIED,
        **problem_responses(401, 403),
    },
)
async def current_payment_requests(
    request: Request, principal: ReadPaymentRequests, table: PaymentRequestsTable, prefer: Prefer
) -> Response:
    """The caller's open requests, oldest first, with ``ETag`` and ``Prefer: wait``."""

    def render() -> bytes:
        found = open_for(table.values(), principal.user_id)
        return b"[" + b",".join(encode(r) for r in found) + b"]"

    return await conditional_json(request, render, table, prefer)


@router.get(
    "/payment-requests/{id}",
    summary="One open request, to its requester or payer",
    responses={
        200: json_response(PaymentRequest, "The request"),
        304: NOT_MODIFIED,
        **problem_responses(400, 401, 403, 404),
    },
)
async def payment_request(
    request: Request,
    id: Annotated[str, Path(pattern=f"^{REQUEST_ID_PATTERN}$", max_length=64)],
    principal: ReadPaymentRequests,
    table: PaymentRequestsTable,
    prefer: Prefer,
) -> Response:
    """An open request, if the caller made it or is asked to pay it; 404 otherwise."""

    def render() -> bytes:
        found = table.value(id)
        parties = (found.from_user_id, found.to_user_id) if found else ()
        if (
            found is None
            or found.status is not RequestStatus.PENDING
            or principal.user_id not in parties
        ):
            raise ProblemError(Problem.not_found(f"there is no open payment request {id} of yours"))
        return encode(found)

    return await conditional_json(request, render, table, prefer)
