"""Errors as RFC 9457 ``application/problem+json``: every failure tells the caller what is wrong.

Raise :class:`ProblemError` anywhere in the gateway; the handlers installed by :func:`install`
turn it, and FastAPI's own errors (unknown route, wrong method, a malformed query parameter),
into a problem response. Bodies are written by the contracts codec, like every other message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from streampay_contracts import Problem, encode
from streampay_contracts.headers import PROBLEM_CONTENT_TYPE

log = structlog.get_logger(__name__)

PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"

_DESCRIPTIONS = {
    400: "The request is malformed; `detail` says which field and why",
    401: "No bearer token, or one that is invalid or expired (see `WWW-Authenticate`)",
    403: "The token lacks the scope this route needs",
    404: "No such resource, or not one the caller may see",
    409: "Conflict; `detail` says which",
    412: "The `If-Match` balance version is stale",
    413: "The body is larger than 16 KiB",
    415: "The body is not declared `Content-Type: application/json`",
    422: "The idempotency key was already used with a different body",
    429: "Too many from this client address; `Retry-After` says when to try again",
    503: "The broker or the gateway's caches are not available yet; retry shortly",
}


class ProblemError(Exception):
    """Stops a request with ``problem`` as the response, plus optional extra headers."""

    def __init__(self, problem: Problem, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(problem.detail or problem.title)
        self.problem = problem
        self.headers = dict(headers or {})


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> Response:
    """``problem`` as an ``application/problem+json`` response with its own status."""
    return Response(
        encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=dict(headers or {}),
    )


def unavailable(detail: str, retry_after_s: int = 1) -> ProblemError:
    """503 with ``Retry-After``: a transient condition such as the broker being down."""
    return ProblemError(Problem.of(503, detail), {"Retry-After": str(retry_after_s)})


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problems a route can answer with."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, Problem.of(status).title),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        }
        for status in statuses
    }


async def _on_problem(_: Request, error: Exception) -> Response:
    assert isinstance(error, ProblemError)
    return problem_response(error.problem, error.headers)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else None
    if error.status_code == 404:
        detail = f"there is nothing at {request.url.path}"
    return problem_response(Problem.of(error.status_code, detail), error.headers)


async def _on_validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    reasons = "; ".join(_describe(item) for item in error.errors())
    return problem_response(Problem.bad_request(reasons or "the request is malformed"))


async def _on_unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path, error=type(error).__name__)
    return problem_response(Problem.internal_error("the gateway failed; this has been logged"))


def _describe(item: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in item.get("loc", ()))
    return f"{location}: {item.get('msg', 'invalid')}"


def install(app: FastAPI) -> None:
    """Render every error of ``app`` as problem+json."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
