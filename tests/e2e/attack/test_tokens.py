"""Every bad token is refused over HTTP on a command, a read and a live view, and does nothing.

The tokens are forged with the gateway's own signing key where only one claim should be wrong
(expired, not yet valid, wrong issuer or audience, unknown key id), so each refusal is for that
claim and not for a bad signature. Refused commands are checked on Kafka: nothing reached the
``commands`` topic for the would-be caller, and their balance did not move.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from streampay_infra.stack import Stack
from tests.e2e.attack.conftest import Gateway, Person, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROUTES = {
    "command": ("POST", "/pay"),
    "read": ("GET", "/current-payment-requests"),
    "view": ("GET", "/current-balance"),
}
KINDS = [
    "alg-none",
    "hs256-public-key",
    "expired",
    "not-yet-valid",
    "wrong-issuer",
    "wrong-audience",
    "unknown-kid",
    "no-kid",
    "tampered-payload",
    "garbage",
    "three-dots",
    "empty-segments",
    "no-audience",
    "unknown-crit",
    "string-exp",
    "list-nbf",
    "string-iat",
    "future-iat",
    "long-subject",
    "padded-signature",
    "signature-stray-bits",
]


async def call(
    gateway: Gateway,
    route: str,
    payee: Person,
    hdrs: dict[str, str] | None = None,
    query: str = "",
) -> httpx.Response:
    method, path = ROUTES[route]
    body = {"userId": payee.user_id, "amount": 1, "notes": "attack"} if method == "POST" else None
    sent = {"Accept": "text/event-stream"} if route == "view" else {}
    sent.update(hdrs or {})
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=15) as client:
        request = client.build_request(method, path + query, json=body, headers=sent)
        response = await client.send(request, stream=True)
        try:
            await response.aread() if response.status_code != 200 else None
        finally:
            await response.aclose()
        return response


async def no_commands_of(gateway: Gateway, *user_ids: str) -> None:
    await gateway.tap.sync()
    assert gateway.tap.involving(*user_ids) == []


@dataclass(frozen=True)
class Targets:
    victim: Person
    payee: Person
    tokens: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def targets(gateway: Gateway) -> AsyncIterator[Targets]:
    """A would-be victim, a payee, and every bad token aimed at the victim (made once)."""
    victim, payee = await gateway.person(profile=False), await gateway.person(profile=False)
    yield Targets(victim, payee, gateway.forger.bad_tokens(victim.user_id, payee.token))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_bad_token_is_refused(
    gateway: Gateway, targets: Targets, route: str, kind: str
) -> None:
    victim, payee, forged = targets.victim, targets.payee, targets.tokens[kind]
    for how in ("header", "query"):
        if how == "header":
            response = await call(gateway, route, payee, {"Authorization": f"Bearer {forged}"})
        else:
            response = await call(gateway, route, payee, query=f"?access_token={forged}")
        assert_problem(response, 401)
        # Off the live views a token in the URL is refused before it is even looked at.
        error = "invalid_token" if how == "header" or route == "view" else "invalid_request"
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer") and f'error="{error}"' in challenge
    await no_commands_of(gateway, victim.user_id, payee.user_id)


@pytest.mark.parametrize("route", ROUTES)
async def test_no_token_or_an_empty_one_is_refused(gateway: Gateway, route: str) -> None:
    payee = await gateway.person(profile=False)
    for hdrs in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = await call(gateway, route, payee, hdrs)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await call(gateway, route, payee, query="?access_token="), 401)
    await no_commands_of(gateway, payee.user_id)


@pytest.mark.parametrize(
    ("route", "scope"),
    [("command", "write:pay"), ("read", "read:payment-requests"), ("view", "read:balances")],
)
async def test_a_token_without_the_scope_gets_403_naming_it(
    gateway: Gateway, route: str, scope: str
) -> None:
    others = "read:users write:users write:request read:activities"
    caller = await gateway.person(scope=others, profile=False)
    payee = await gateway.person(profile=False)
    response = await call(gateway, route, payee, caller.auth)
    assert_problem(response, 403, scope)
    assert f'scope="{scope}"' in response.headers["www-authenticate"]
    await no_commands_of(gateway, caller.user_id, payee.user_id)


@pytest.mark.parametrize("route", ROUTES)
async def test_a_system_account_cannot_use_the_api(gateway: Gateway, route: str) -> None:
    payee = await gateway.person(profile=False)
    token = gateway.forger.sign(gateway.forger.claims("system|bank"))
    response = await call(gateway, route, payee, {"Authorization": f"Bearer {token}"})
    assert_problem(response, 403, "system")
    await no_commands_of(gateway, "system|bank", payee.user_id)


async def test_the_header_token_wins_over_the_query_token(gateway: Gateway) -> None:
    """On a live view, the only kind of route that takes a token from the URL."""
    route = "view"
    caller, payee = await gateway.person(profile=False), await gateway.person(profile=False)
    forged = gateway.forger.unsigned(caller.user_id)
    genuine_in_query = f"?access_token={caller.token}"
    refused = await call(
        gateway, route, payee, {"Authorization": f"Bearer {forged}"}, genuine_in_query
    )
    assert_problem(refused, 401)
    # The other way round the genuine header token is used and the bad query one ignored.
    kept = await call(
        gateway,
        route,
        payee,
        {**caller.auth, "Prefer": "respond-async"},
        f"?access_token={forged}",
    )
    assert kept.status_code in (200, 202), kept.text


async def test_refused_commands_move_no_money(gateway: Gateway) -> None:
    """Every bad token aimed at a funded user, on /pay: no command, no change of balance."""
    victim, payee = await gateway.person(), await gateway.person()
    before = await gateway.balance(victim)
    tokens = gateway.forger.bad_tokens(victim.user_id, payee.token)
    for token in tokens.values():
        response = await gateway.client.post(
            "/pay",
            json={"userId": payee.user_id, "amount": 50},
            headers={"Authorization": f"Bearer {token}", "Prefer": "wait=5"},
        )
        assert_problem(response, 401)
    await no_commands_of(gateway, victim.user_id)
    after = await gateway.balance(victim)
    assert after == before, (before, after)
    assert [r.key for r in gateway.tap.involving(payee.user_id)] == []


async def test_a_subject_longer_than_a_user_id_is_refused_on_every_write(
    gateway: Gateway,
) -> None:
    """A ``sub`` the contracts would not take as a user id never reaches a route (it once
    made ``PUT /current-user`` fail with 500)."""
    token = gateway.forger.sign(gateway.forger.claims("local|" + "a" * 200))
    auth = {"Authorization": f"Bearer {token}"}
    profile = {"name": "Long Name", "username": "long"}
    assert_problem(await gateway.client.put("/current-user", json=profile, headers=auth), 401)
    assert_problem(await gateway.client.get("/users", headers=auth), 401, "subject")


async def test_a_stream_with_an_expired_token_is_refused_at_connect(gateway: Gateway) -> None:
    """Expired a moment ago (within the clock-skew leeway a command allows): a stream, which
    ends at the token's expiry, is refused with 401 instead of opening and closing at once."""
    someone = await gateway.person(profile=False)
    now = int(time.time())
    token = gateway.forger.sign(gateway.forger.claims(someone.user_id, exp=now - 2))
    response = await call(gateway, "view", someone, {"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "expired")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


# Every route that takes a token, other than the live views: method, path, body.
HEADER_ONLY = [
    ("POST", "/pay", {"userId": "local|nobody", "amount": 1}),
    ("POST", "/request", {"userId": "local|nobody", "amount": 1}),
    ("POST", "/payment-requests/r-1/decline", None),
    ("POST", "/payment-requests/r-1/cancel", None),
    ("GET", "/command-replies/" + "0" * 64, None),
    ("GET", "/users", None),
    ("PUT", "/current-user", {"name": "Url Token", "username": "url"}),
    ("GET", "/current-payment-requests", None),
    ("GET", "/payment-requests/r-1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), HEADER_ONLY)
async def test_a_token_in_the_url_is_refused_off_the_live_views(
    gateway: Gateway, method: str, path: str, body: dict[str, object] | None
) -> None:
    """A genuine token as ``?access_token=`` is refused (401, saying to use the header) on
    every route but the live views, with or without a header token beside it; nothing runs."""
    caller = await gateway.person(profile=False)
    url = f"{path}?access_token={caller.token}"
    for hdrs in ({}, caller.auth):
        response = await gateway.client.request(method, url, json=body, headers=hdrs)
        assert_problem(response, 401, "Authorization: Bearer", "access_token")
        assert 'error="invalid_request"' in response.headers["www-authenticate"]
    await no_commands_of(gateway, caller.user_id)


async def test_a_token_in_the_url_is_never_logged(gateway: Gateway, services: Stack) -> None:
    """Accepted on a live view or refused elsewhere, a URL's token is not in the gateway's log."""
    caller = await gateway.person(profile=False)
    async with gateway.sse(f"/current-balance?access_token={caller.token}") as stream:
        await stream.until("ready", within=15)
    refused = await gateway.client.get(f"/users?access_token={caller.token}")
    assert_problem(refused, 401)
    missing = await gateway.client.get(f"/payment-requests/x/y?access_token={caller.token}")
    assert missing.status_code == 404
    await gateway.healthy()  # the log lines of the requests above are written by now
    log = services.supervisor.log_path("gateway").read_text(errors="replace")
    assert "/current-balance" in log and "/users" in log
    assert caller.token not in log
    assert caller.token.split(".")[2] not in log  # not even the signature on its own
