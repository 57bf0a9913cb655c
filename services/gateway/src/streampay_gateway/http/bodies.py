"""Request bodies: read raw, bounded in size, and decoded with the contracts codec.

The size is checked before anything is parsed: a declared ``Content-Length`` over the limit is
refused without reading, and a body streamed without one is read only up to the limit. A body
that is not declared ``application/json`` is refused with 415 before it is read (a form post or
``text/plain`` from another site's page is not JSON to this API, whatever it holds). Bodies
are then decoded into the contracts' models, so a bad amount gets the contracts' own sentence
(``amount: amount must be greater than 0``) in a 400 problem.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from streampay_contracts import MalformedMessage, Problem, decode, describe_validation_error
from streampay_gateway.http.problems import ProblemError

ModelT = TypeVar("ModelT", bound=BaseModel)


def too_large(limit: int) -> ProblemError:
    return ProblemError(Problem.content_too_large(f"the body must be at most {limit} bytes"))


JSON_MEDIA_TYPE = "application/json"


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, or 413 as soon as it is known to be larger than ``limit`` bytes, or 415
    when there is one that is not declared as JSON."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    has_body = declared.strip("0") != "" or "transfer-encoding" in request.headers
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if has_body and media_type != JSON_MEDIA_TYPE:
        detail = f"the body must be JSON sent as 'Content-Type: {JSON_MEDIA_TYPE}'"
        raise ProblemError(Problem.of(415, detail))
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise too_large(limit)
    except ClientDisconnect:
        # Gone before the body was complete; when the server's body deadline closed the
        # connection, it has answered the 408 itself (see serving.py). This is for the log.
        raise ProblemError(Problem.of(408, "the request body did not arrive")) from None
    return bytes(body)


def validate_fields(data: dict[str, Any], model: type[ModelT]) -> ModelT:
    """``data`` (e.g. from the path and the body together) as ``model``, or 400 saying why."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ProblemError(Problem.bad_request(describe_validation_error(error))) from None


def decode_body(body: bytes | str, model: type[ModelT]) -> ModelT:
    """``body`` as ``model``, or 400 saying what is wrong with it."""
    try:
        return decode(body, model)
    except MalformedMessage as error:
        raise ProblemError(Problem.bad_request(str(error))) from None
    except ValidationError as error:
        raise ProblemError(Problem.bad_request(describe_validation_error(error))) from None
