"""Replies: the one answer to each command, written to ``replies`` and returned over HTTP.

The HTTP status travels in the ``:status`` header; the body is one of the models below.
Success bodies by command:

- ``PayCommand`` → 200 :class:`PayReply` (the payer's new balance and version)
- ``RequestCommand`` → 201 :class:`RequestReply` (the new request's id)
- ``DeclineRequestCommand`` / ``CancelRequestCommand`` → 200, the updated
  :class:`~streampay_contracts.views.PaymentRequest`
- ``DepositCommand`` → 200 :class:`DepositReply`

Every failure is a :class:`Problem` (RFC 9457 ``application/problem+json``) whose ``detail``
tells the user what is wrong.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Self

from pydantic import ConfigDict, Field

from streampay_contracts.base import WireModel
from streampay_contracts.fields import CommandId, Count, RequestId
from streampay_contracts.money import Amount, Money

PROBLEM_TITLES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
"""Fixed titles per status (RFC 9110 wording); the ``detail`` carries the specifics."""


class Problem(WireModel):
    """An RFC 9457 problem: what went wrong, for people (``detail``) and programs (``status``).

    Extension members are allowed and kept, e.g. ``balance`` on insufficient funds or
    ``currentVersion`` on a stale ``If-Match``; pass them with their camelCase wire names.
    """

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None

    @classmethod
    def of(cls, status: int, detail: str | None = None, **extensions: Any) -> Self:
        """A problem with the standard title of ``status``."""
        title = PROBLEM_TITLES.get(status) or HTTPStatus(status).phrase
        body = {"title": title, "status": status, "detail": detail, **extensions}
        return cls.model_validate(body)

    @classmethod
    def bad_request(cls, detail: str, **extensions: Any) -> Self:
        """400: the body is malformed or a field (such as the amount) is invalid."""
        return cls.of(400, detail, **extensions)

    @classmethod
    def unauthorized(cls, detail: str, **extensions: Any) -> Self:
        """401: no token, or one that is invalid or expired."""
        return cls.of(401, detail, **extensions)

    @classmethod
    def forbidden(cls, detail: str, **extensions: Any) -> Self:
        """403: the token lacks the scope, or the caller may not do this."""
        return cls.of(403, detail, **extensions)

    @classmethod
    def not_found(cls, detail: str, **extensions: Any) -> Self:
        """404: unknown payee or payment request."""
        return cls.of(404, detail, **extensions)

    @classmethod
    def conflict(cls, detail: str, **extensions: Any) -> Self:
        """409: insufficient funds, request no longer open, or the same key still in flight."""
        return cls.of(409, detail, **extensions)

    @classmethod
    def precondition_failed(cls, detail: str, **extensions: Any) -> Self:
        """412: the ``If-Match`` balance version is stale."""
        return cls.of(412, detail, **extensions)

    @classmethod
    def content_too_large(cls, detail: str, **extensions: Any) -> Self:
        """413: the body is larger than the gateway accepts."""
        return cls.of(413, detail, **extensions)

    @classmethod
    def key_reused(cls) -> Self:
        """422: an idempotency key reused with a different body (the gateway and the streams
        service both answer it, in these words)."""
        return cls.of(
            422,
            "this Idempotency-Key was already used with a different body; "
            "use a new key for a new command",
        )

    @classmethod
    def gateway_timeout(cls, detail: str, **extensions: Any) -> Self:
        """504: no reply in time; the command may still be applied later."""
        return cls.of(504, detail, **extensions)

    @classmethod
    def internal_error(cls, detail: str, **extensions: Any) -> Self:
        """500: StreamPay failed; the detail must not leak internals."""
        return cls.of(500, detail, **extensions)


class PayReply(WireModel):
    """200 to ``PayCommand``: the payment is made; the payer's balance after it."""

    command_id: CommandId
    amount: Amount
    balance: Money
    version: Count


class RequestReply(WireModel):
    """201 to ``RequestCommand``: the id of the new payment request."""

    id: RequestId


class DepositReply(WireModel):
    """200 to ``DepositCommand``: the credited account's balance after the deposit."""

    command_id: CommandId
    balance: Money
    version: Count
