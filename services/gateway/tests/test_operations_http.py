"""Sign-in, operations, the OpenAPI document, CORS, the web app, and a broker that is down."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import httpx
import pytest
from jose import jwt
from prometheus_client import REGISTRY, generate_latest

from streampay_gateway.app import create_app
from streampay_gateway.auth.security import SCOPES
from streampay_gateway.config import GatewaySettings

pytestmark = pytest.mark.integration


async def test_sign_in_issues_a_verifiable_token(gateway) -> None:
    response = await gateway.post("/auth/token", json={"username": "dev.user-1", "name": "Dev"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == " ".join(SCOPES)
    jwks = (await gateway.get("/.well-known/jwks.json")).json()
    claims = jwt.decode(
        body["access_token"], jwks["keys"][0], algorithms=["RS256"], audience="streampay"
    )
    assert claims["sub"] == "local|dev.user-1" and claims["iss"] == "streampay-dev"
    assert claims["exp"] - claims["iat"] == 3600
    assert "d" not in jwks["keys"][0]  # no private part is ever published


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"username": "system|bank", "name": "Bank"}, "username must be lower-case letters"),
        ({"username": "Alice", "name": "A"}, "username must be lower-case letters"),
        ({"username": "a" * 33, "name": "A"}, "username must be at most 32 characters"),
        ({"username": "alice"}, "name: field required"),
        ({"username": "alice", "name": "A", "scope": "write:pay admin"}, "unknown scope admin"),
    ],
)
async def test_sign_in_refuses_what_it_cannot_issue(gateway, body, reason) -> None:
    response = await gateway.post("/auth/token", json=body)
    assert response.status_code == 400
    assert reason in response.json()["detail"]


async def test_a_narrow_scope_is_honoured(gateway) -> None:
    body = {"username": "narrow", "name": "N", "scope": "read:users read:users"}
    response = await gateway.post("/auth/token", json=body)
    assert response.json()["scope"] == "read:users"


async def test_tokens_survive_a_restart_and_are_shared_by_instances(
    gateway, start_gateway, sign_in
) -> None:
    alice = await sign_in()
    async with start_gateway() as other:
        assert (await other.get("/users", headers=alice.auth)).status_code == 200


async def test_short_lived_tokens_expire(start_gateway) -> None:
    async with start_gateway(auth_token_ttl_seconds=1, auth_leeway_seconds=0) as short:
        token = (await short.post("/auth/token", json={"username": "brief", "name": "B"})).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        assert token["expires_in"] == 1
        deadline = time.monotonic() + 5
        while (response := await short.get("/users", headers=auth)).status_code == 200:
            assert time.monotonic() < deadline, "the token never expired"
        assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_readyz_and_metrics(gateway, sign_in) -> None:
    ready = await gateway.get("/readyz")
    checks = ready.json()["checks"]
    assert checks["broker"] and checks["replies index"] and checks["users table"]
    alice = await sign_in()
    await gateway.get("/users", headers=alice.auth)
    assert (await gateway.get("/metrics")).status_code == 404  # on its own port (__main__)
    metrics = generate_latest(REGISTRY).decode()
    assert (
        'streampay_gateway_http_requests_total{method="GET",route="/users",status="200"}' in metrics
    )
    assert (
        'streampay_gateway_http_request_seconds_bucket{le="0.005",method="POST",route="/auth/token"}'
        in metrics
    )
    for name in (
        "streampay_gateway_reply_wait_seconds",
        'streampay_gateway_index_entries{index="replies"}',
        'streampay_gateway_consumer_lag{topic="replies"}',
    ):
        assert name in metrics


async def test_every_route_documents_its_problems(gateway) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    assert "Problem" in spec["components"]["schemas"]
    assert "PayCommand" in spec["components"]["schemas"]
    secured = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if operation.get("security"):
                secured += 1
                assert {"401", "403"} <= responses.keys() or path.startswith("/command-replies"), (
                    method,
                    path,
                )
                assert "401" in responses, (method, path)
                problem = responses["401"]["content"]["application/problem+json"]
                assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert secured >= 8
    pay = spec["paths"]["/pay"]["post"]
    assert set(pay["responses"]) >= {
        "200",
        "202",
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "413",
        "422",
        "503",
    }
    assert pay["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PayCommand"
    )
    assert (await gateway.get("/docs")).status_code == 200


async def test_cors_allows_any_origin_without_credentials(gateway) -> None:
    preflight = await gateway.options(
        "/pay",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    simple = await gateway.get("/healthz", headers={"Origin": "https://elsewhere.example"})
    assert "Idempotent-Replayed" in simple.headers["access-control-expose-headers"]


async def test_unknown_paths_are_problem_404(gateway) -> None:
    response = await gateway.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_web_app_is_served_behind_the_api(
    gateway_settings, tmp_path: Path, sign_in
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>StreamPay</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    app = create_app(gateway_settings(frontend_dist=dist))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client,
    ):
        assert (await client.get("/")).text == "<html>StreamPay</html>"
        assert (await client.get("/activities-page/42")).text == "<html>StreamPay</html>"
        assert (await client.get("/assets/app.js")).text == "console.log(1)"
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/users")).status_code == 401  # the API wins
        for path in ("/payment-requests/r-1/decline/x", "/users/me", "/.well-known/other"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json", path


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_without_a_broker_the_gateway_answers_503_and_never_hangs(
    gateway_data_dir: Path, sign_in
) -> None:
    settings = GatewaySettings(
        kafka_bootstrap_servers=f"127.0.0.1:{unused_port()}",
        gateway_data_dir=gateway_data_dir,
        frontend_dist=gateway_data_dir / "none",
        command_reply_timeout_seconds=1,
    )
    alice = await sign_in()  # same data folder: the same signing key
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client,
    ):
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["broker"] is False
        started = time.monotonic()
        body = {"userId": "local|bob", "amount": 1}
        response = await client.post("/pay", json=body, headers=alice.auth)
        assert response.status_code == 503 and response.headers["retry-after"]
        assert response.headers["content-type"] == "application/problem+json"
        put = await client.put(
            "/current-user", json={"name": "A", "username": "a"}, headers=alice.auth
        )
        assert put.status_code == 503
        assert time.monotonic() - started < 10


async def test_the_gateway_stops_promptly_however_early_it_is_stopped(gateway_settings) -> None:
    """Stopped while its readers are still connecting or waiting for a topic (``statements``
    appears only when a streams worker starts), the gateway must still stop: aiokafka can
    swallow the cancellation of a client that is connecting."""
    for attempt in range(25):
        app = create_app(gateway_settings())

        async def start_and_stop(pause: float, app=app) -> None:
            async with app.router.lifespan_context(app):
                await asyncio.sleep(pause)

        await asyncio.wait_for(start_and_stop(0.05 * (attempt % 7)), 20)
