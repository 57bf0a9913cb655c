"""Pure edge rules: body size and validation, Prefer, entity tags, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import Request
from pydantic import ValidationError

from streampay_contracts import PayCommand
from streampay_gateway.commands.prefer import parse_prefer
from streampay_gateway.config import GatewaySettings
from streampay_gateway.http.bodies import decode_body, read_body
from streampay_gateway.http.conditional import etag_of, none_match
from streampay_gateway.http.problems import ProblemError
from streampay_gateway.routes.auth import requested_scopes

pytestmark = pytest.mark.unit

LIMIT = 16 * 1024


def request_with(
    body: bytes, content_length: str | None, chunk: int = 1000, media_type: str = "application/json"
) -> Request:
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]

    async def receive() -> dict[str, object]:
        part = chunks.pop(0)
        return {"type": "http.request", "body": part, "more_body": bool(chunks)}

    headers = [(b"content-type", media_type.encode())]
    if content_length is not None:
        headers.append((b"content-length", content_length.encode()))
    return Request({"type": "http", "method": "POST", "headers": headers}, receive)


async def status_of(coroutine: object) -> int:
    with pytest.raises(ProblemError) as caught:
        await coroutine  # type: ignore[misc]
    return caught.value.problem.status


async def test_a_body_up_to_the_limit_is_read() -> None:
    body = b"x" * LIMIT
    assert await read_body(request_with(body, str(LIMIT)), LIMIT) == body


@pytest.mark.parametrize("media_type", ["", "text/plain", "application/jsonx"])
async def test_a_body_not_declared_json_is_415(media_type: str) -> None:
    body = b'{"amount": 1}'
    assert await status_of(read_body(request_with(body, "13", media_type=media_type), LIMIT)) == 415
    charset = request_with(body, "13", media_type="Application/JSON; charset=utf-8")
    assert await read_body(charset, LIMIT) == body


async def test_a_declared_length_over_the_limit_is_413_without_reading() -> None:
    async def never() -> AsyncIterator[dict[str, object]]:
        raise AssertionError("the body must not be read")

    request = Request(
        {"type": "http", "method": "POST", "headers": [(b"content-length", b"16385")]}, never
    )
    assert await status_of(read_body(request, LIMIT)) == 413


async def test_a_streamed_body_over_the_limit_is_413() -> None:
    assert await status_of(read_body(request_with(b"x" * (LIMIT + 1), None), LIMIT)) == 413


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"userId":"local|bob","amount":-5}', "amount: amount must be greater than 0"),
        (b'{"userId":"local|bob","amount":0}', "amount: amount must be greater than 0"),
        (
            b'{"userId":"local|bob","amount":1.005}',
            "amount: amount must have at most 2 decimal places",
        ),
        (b'{"userId":"local|bob","amount":1e2}', "exponent notation like 1e2 is not allowed"),
        (b'{"userId":"local|bob","amount":NaN}', "amount: amount must be a finite number"),
        (
            b'{"userId":"local|bob","amount":"5"}',
            "amount: amount must be a JSON number, not a string",
        ),
        (
            b'{"userId":"local|bob","amount":1000000.01}',
            "amount: amount must be at most 1000000.00",
        ),
        (b'{"userId":"local|bob"}', "amount: field required"),
        (b'{"userId":"local|bob","amount":1,"fromUserId":"x|y"}', "fromUserId: unknown field"),
        (b'{"userId":"bob","amount":1}', "userId: user id must be of the form provider|name"),
        (b"{not json", "body is not valid JSON"),
    ],
)
def test_a_bad_body_is_400_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ProblemError) as caught:
        decode_body(body, PayCommand)
    assert caught.value.problem.status == 400
    assert reason in (caught.value.problem.detail or "")


def test_prefer_is_parsed_leniently_and_capped() -> None:
    assert parse_prefer(["respond-async, wait=10"], 30).respond_async
    assert parse_prefer(["respond-async, wait=10"], 30).wait_s == 10
    assert parse_prefer(["wait=100"], 30).wait_s == 30
    assert parse_prefer(['wait="5"', "handling=lenient"], 30).wait_s == 5
    assert parse_prefer(["wait=-1", "wait=abc", "wait="], 30).wait_s is None
    assert parse_prefer([], 30).applied() is None


def test_entity_tags_match_weakly_and_by_list() -> None:
    tag = etag_of(b"[]")
    assert tag == etag_of(b"[]") != etag_of(b"[1]")
    assert none_match(f'"other", W/{tag}', tag)
    assert none_match("*", tag)
    assert not none_match(None, tag) and not none_match('"other"', tag)


def test_unknown_scopes_are_refused_and_order_is_canonical() -> None:
    assert requested_scopes("write:pay read:users") == ["read:users", "write:pay"]
    for bad in ("write:everything", "", "read:users admin"):
        with pytest.raises(ProblemError) as caught:
            requested_scopes(bad)
        assert caught.value.problem.status == 400


def test_production_settings_refuse_the_development_provider(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="AUTH_JWKS_URL"):
        GatewaySettings(auth_dev_provider=False)
    with pytest.raises(ValidationError, match="AUTH_ISSUER"):
        GatewaySettings(auth_dev_provider=False, auth_jwks_url="https://idp.example/jwks")
    with pytest.raises(ValidationError, match="AUTH_DEV_PROVIDER=false"):
        GatewaySettings(auth_jwks_url="https://idp.example/jwks")
    production = GatewaySettings(
        auth_dev_provider=False,
        auth_jwks_url="https://idp.example/jwks",
        auth_issuer="https://idp.example/",
        cors_allow_origins="https://pay.example, https://admin.example",
    )
    assert production.cors_origins == ["https://pay.example", "https://admin.example"]
