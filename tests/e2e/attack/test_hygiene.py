"""HTTP hygiene: bodies that are not declared JSON, HEAD, the headers a browser relies on, and
metrics kept off the API's port.

A form post or a ``text/plain`` body (what another site's page can send without a preflight) is
refused with 415 and has no effect; ``HEAD`` answers wherever ``GET`` does, live views too,
without a body; every answer carries ``nosniff`` and a ``Referrer-Policy``, and the web app a
Content-Security-Policy that forbids framing; ``/metrics`` is not on the API's port.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from streampay_infra.stack import Stack
from tests.e2e.attack.conftest import Gateway, another_gateway, assert_problem
from tests.e2e.attack.test_bodies import WRITE_ROUTES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

NOT_JSON = [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
async def test_a_body_not_declared_json_is_refused_with_415(
    gateway: Gateway, method: str, path: str
) -> None:
    attacker, payee = await gateway.person(), await gateway.person(profile=False)
    body = json.dumps({"userId": payee.user_id, "amount": 1, "username": "x", "name": "X"})
    for content_type in NOT_JSON:
        hdrs = {**attacker.auth, "Prefer": "wait=5"}
        if content_type:
            hdrs["Content-Type"] = content_type
        response = await gateway.client.request(method, path, content=body, headers=hdrs)
        assert_problem(response, 415, "Content-Type: application/json")
    await gateway.tap.sync()
    assert gateway.tap.involving(attacker.user_id, payee.user_id) == []


async def test_head_answers_wherever_get_does_without_a_body(gateway: Gateway) -> None:
    someone = await gateway.person()
    stream = {**someone.auth, "Accept": "text/event-stream"}
    for path, hdrs in [
        ("/healthz", {}),
        ("/.well-known/jwks.json", {}),
        ("/users", someone.auth),
        ("/current-payment-requests", someone.auth),
        ("/current-balance", stream),
        ("/activities", stream),
    ]:
        got = await gateway.client.request("HEAD", path, headers=hdrs)
        assert got.status_code == 200, (path, got.status_code, got.text)
        assert got.content == b"", path
        media_type = got.headers["content-type"].split(";")[0]
        if path in ("/current-balance", "/activities"):
            assert media_type == "text/event-stream", path
        else:
            full = await gateway.client.get(path, headers=hdrs)
            assert media_type == full.headers["content-type"].split(";")[0], path
            assert got.headers.get("etag") == full.headers.get("etag"), path
    refused = await gateway.client.head("/users")  # the GET's status and headers, no body
    assert refused.status_code == 401 and refused.content == b""
    assert refused.headers["www-authenticate"].startswith("Bearer")
    await gateway.healthy()


async def test_every_answer_says_nosniff_and_no_referrer(gateway: Gateway) -> None:
    someone = await gateway.person(profile=False)
    answers = [
        await gateway.client.get("/healthz"),
        await gateway.client.get("/users", headers=someone.auth),
        await gateway.client.get("/payment-requests/nope/x"),
        await gateway.client.post("/pay", json={}),
    ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["referrer-policy"] == "no-referrer", response.url


async def test_metrics_are_not_on_the_api_port(gateway: Gateway) -> None:
    assert_problem(await gateway.client.get("/metrics"), 404)
    assert "streampay_gateway_http_requests_total" in await gateway.metrics()


@pytest.fixture(scope="module")
def web_app(services: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second gateway of the stack serving a web app (the test stack builds none)."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>StreamPay</title>")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with another_gateway(services, "gateway-web-app", {"FRONTEND_DIST": str(dist)}) as url:
        yield url


async def test_the_web_app_is_served_with_a_content_security_policy(web_app: str) -> None:
    async with httpx.AsyncClient(base_url=web_app, timeout=10) as client:
        for path in ("/", "/favicon.svg", "/some/client/route"):
            response = await client.get(path)
            assert response.status_code == 200, path
            policy = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, policy
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
        head = await client.head("/")
        assert head.status_code == 200 and head.content == b""
        assert "frame-ancestors 'none'" in head.headers["content-security-policy"]
