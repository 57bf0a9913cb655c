"""The typed API client: each route's request built from the contract models, answers read back."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from streampay_contracts import (
    CancelRequestCommand,
    DeclineRequestCommand,
    DepositCommand,
    PayCommand,
    RequestCommand,
    UserProfile,
    codec,
)
from streampay_contracts.client import (
    Answer,
    ApiClient,
    ApiError,
    Session,
    command_call,
    reply_call,
    session_of,
    sign_in_call,
)

pytestmark = pytest.mark.unit

REQUEST_ID = "01JABCDEFGHJKMNPQRSTVWXYZ0"


def test_a_payment_travels_with_an_exact_amount_never_a_float() -> None:
    call = command_call("tok", PayCommand(user_id="local|bob", amount=Decimal("0.10")), "k1")
    assert (call.method, call.path) == ("POST", "/pay")
    assert call.headers == {
        "Authorization": "Bearer tok",
        "Content-Type": "application/json",
        "Idempotency-Key": "k1",
    }
    assert call.content == b'{"userId":"local|bob","amount":0.10,"notes":""}'


def test_every_command_a_user_sends_has_its_route_and_body() -> None:
    asked = RequestCommand(user_id="local|ann", amount=Decimal("12.30"), notes="lunch")
    assert (
        command_call("t", asked).path,
        codec.loads(command_call("t", asked).content or b""),
    ) == (
        "/request",
        {"userId": "local|ann", "amount": Decimal("12.30"), "notes": "lunch"},
    )
    decline = command_call("t", DeclineRequestCommand(request_id=REQUEST_ID, reason="no"))
    assert decline.path == f"/payment-requests/{REQUEST_ID}/decline"
    assert decline.content == b'{"reason":"no"}'
    cancel = command_call("t", CancelRequestCommand(request_id=REQUEST_ID))
    assert (cancel.path, cancel.content) == (f"/payment-requests/{REQUEST_ID}/cancel", b"{}")


def test_each_send_gets_a_new_key_unless_one_is_given() -> None:
    pay = PayCommand(user_id="local|bob", amount=Decimal("1.00"))
    keys = {command_call("t", pay).headers["Idempotency-Key"] for _ in range(3)}
    assert len(keys) == 3


def test_a_deposit_has_no_route() -> None:
    with pytest.raises(ValueError, match="trusted service"):
        command_call("t", DepositCommand(user_id="local|bob", amount=Decimal("1.00")))


def test_sign_in_and_its_session() -> None:
    profile = UserProfile(username="ann", name="Ann")
    call = sign_in_call(profile, scope="pay")
    assert (call.path, codec.loads(call.content or b"")) == (
        "/auth/token",
        {"name": "Ann", "username": "ann", "scope": "pay"},
    )
    granted = Answer.of(200, {}, b'{"access_token":"abc","token_type":"Bearer","expires_in":3600}')
    session = session_of(granted, profile)
    assert (session.user_id, session.token, session.expiring) == ("local|ann", "abc", False)
    with pytest.raises(ApiError, match="429"):
        session_of(Answer.of(429, {}, b'{"title":"Too Many Requests","status":429}'), profile)


@pytest.mark.parametrize(
    ("status", "headers", "final"),
    [
        (200, {}, True),
        (201, {}, True),
        (400, {}, True),
        (409, {}, True),
        (409, {"Retry-After": "1"}, False),
        (202, {}, False),
        (503, {"Retry-After": "2"}, False),
        (500, {}, False),
    ],
)
def test_which_answers_are_final(status: int, headers: dict[str, str], final: bool) -> None:
    assert Answer.of(status, headers, b"").final is final


def test_an_answer_says_where_its_reply_is_whether_replayed_and_why_refused() -> None:
    accepted = Answer.of(202, {"Location": "/command-replies/abc"}, b"")
    assert (accepted.location, accepted.correlation_id) == ("/command-replies/abc", "abc")
    replayed = Answer.of(
        200, {"Content-Location": "/command-replies/x", "Idempotent-Replayed": "true"}, b""
    )
    assert (replayed.correlation_id, replayed.replayed, replayed.detail) == ("x", True, "")
    refused = Answer.of(
        422,
        {},
        b'{"title":"Unprocessable Content","status":422,"detail":"insufficient funds"}',
    )
    assert (refused.problem and refused.problem.status, refused.detail) == (
        422,
        "insufficient funds",
    )
    assert Answer.of(502, {}, b"<html>bad gateway</html>").detail == "<html>bad gateway</html>"


async def test_an_accepted_command_is_followed_to_its_reply() -> None:
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/pay":
            return httpx.Response(202, headers={"Location": "/command-replies/c1"})
        if len(seen) < 3:
            return httpx.Response(202, headers={"Location": "/command-replies/c1"})
        return httpx.Response(200, content=b'{"balance":99.90}')

    session = Session("local|ann", "ann", "Ann", "tok", 1e12)
    async with httpx.AsyncClient(
        base_url="http://gw", transport=httpx.MockTransport(gateway)
    ) as http:
        api = ApiClient(http)
        first = await api.send(session, PayCommand(user_id="local|bob", amount=Decimal("0.10")))
        answer = await api.until_replied(session, first, timeout_s=10)
    assert answer.status == 200
    assert codec.loads(answer.body) == {"balance": Decimal("99.90")}
    assert [r.url.path for r in seen] == ["/pay", "/command-replies/c1", "/command-replies/c1"]
    assert seen[1].headers["prefer"] == "wait=5"
    assert seen[1].headers["authorization"] == "Bearer tok"
    assert reply_call("tok", "/command-replies/c1", 2).headers["Prefer"] == "wait=2"


def test_a_call_sent_again_as_a_new_command_keeps_its_body_and_changes_only_its_key() -> None:
    call = command_call("t", PayCommand(user_id="local|bob", amount=Decimal("0.01")), "k1")
    again = call.again()
    assert again.headers["Idempotency-Key"] not in ("k1", call.again().headers["Idempotency-Key"])
    assert (again.path, again.content) == (call.path, call.content)
    assert {**again.headers, "Idempotency-Key": "k1"} == call.headers
    assert call.again("k2").headers["Idempotency-Key"] == "k2"
