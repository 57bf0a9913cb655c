"""Who may open which live view, and what a client gets for a bad request."""

from __future__ import annotations

import httpx
import pytest

from streampay_contracts.headers import PROBLEM_CONTENT_TYPE
from tests.e2e.gateway.conftest import LiveKit

pytestmark = pytest.mark.e2e

VIEW_SCOPES = {
    "/activities": "read:activities",
    "/my-activities": "read:activities",
    "/payment-requests": "read:payment-requests",
    "/sent-requests": "read:payment-requests",
    "/current-balance": "read:balances",
    "/balance-histories": "read:balances",
    "/total-transactions": "read:balances",
    "/average-transactions": "read:balances",
    "/statements": "read:balances",
}


async def get(live: LiveKit, path: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=live.base_url, timeout=15) as client:
        return await client.get(path, headers=headers)


def assert_problem(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    detail = response.json()["detail"]
    assert all(word in detail for word in words), detail


@pytest.mark.parametrize("path", [*VIEW_SCOPES, "/streams?views=activities"])
async def test_every_view_needs_a_token(live: LiveKit, path: str) -> None:
    response = await get(live, path)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("path", "scope"), VIEW_SCOPES.items())
async def test_every_view_needs_its_scope(live: LiveKit, path: str, scope: str) -> None:
    others = " ".join(s for s in set(VIEW_SCOPES.values()) | {"read:users"} if s != scope)
    caller = await live.sign_in(scope=others)
    response = await get(live, path, caller.token)
    assert_problem(response, 403, scope)
    assert f'scope="{scope}"' in response.headers["www-authenticate"]


async def test_the_token_may_come_as_a_query_parameter(live: LiveKit) -> None:
    caller = await live.sign_in()
    async with live.sse(f"/total-transactions?access_token={caller.token}", "") as stream:
        assert (await stream.until("ready"))[-1].data == "{}"


async def test_a_multiplexed_stream_needs_the_scope_of_each_view(live: LiveKit) -> None:
    caller = await live.sign_in(scope="read:balances")
    response = await get(live, "/streams?views=current-balance,activities", caller.token)
    assert_problem(response, 403, "activities", "read:activities")


@pytest.mark.parametrize("views", ["", "nope", "current-balance,nope", ","])
async def test_a_multiplexed_stream_needs_known_views(live: LiveKit, views: str) -> None:
    caller = await live.sign_in()
    response = await get(live, f"/streams?views={views}", caller.token)
    assert_problem(response, 400, "views must name one or more of")


@pytest.mark.parametrize(
    "last_event_id",
    ["garbage", "current-balance@0=x", "activities@0=1,1=1,2=1", "current-balance@0=1;x@0=1"],
)
async def test_a_foreign_or_garbled_last_event_id_is_refused(
    live: LiveKit, last_event_id: str
) -> None:
    caller = await live.sign_in()
    response = await get(live, "/current-balance", caller.token, **{"Last-Event-ID": last_event_id})
    assert_problem(response, 400, "Last-Event-ID", "reconnect without it")
