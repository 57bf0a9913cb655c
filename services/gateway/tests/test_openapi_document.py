"""The OpenAPI document says what the gateway does: its refusals, its answers' schemas, the data
of every live view's events, readable operation ids, and an example for every request body."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import BaseModel

from streampay_contracts import PayCommand, RequestCommand, UserProfile, decode
from streampay_gateway.app import create_app
from streampay_gateway.config import GatewaySettings
from streampay_gateway.routes.auth import SignIn
from streampay_gateway.routes.commands import CancelBody, DeclineBody
from streampay_gateway.views.catalog import VIEWS

pytestmark = pytest.mark.unit

SCHEMAS = "#/components/schemas/"
BODIES: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (SignIn, PayCommand, RequestCommand, DeclineBody, CancelBody, UserProfile)
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scratch = tmp_path_factory.mktemp("openapi")
    settings = GatewaySettings(frontend_dist=scratch / "no-dist", gateway_data_dir=scratch)
    document: dict[str, Any] = create_app(settings).openapi()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_malformed_parameters_are_documented_as_the_400_problem_they_are(
    spec: dict[str, Any],
) -> None:
    assert "HTTPValidationError" not in json.dumps(spec)
    for method, path, operation in operations(spec):
        answer = operation["responses"].get("422")
        if answer is not None:  # only the idempotency key reused with another body
            assert answer["content"] == {
                "application/problem+json": {"schema": {"$ref": f"{SCHEMAS}Problem"}}
            }, (method, path)
        constrained = [p for p in operation.get("parameters", []) if "pattern" in p["schema"]]
        if constrained:
            assert "400" in operation["responses"], (method, path)


def test_operation_ids_are_the_routes_names(spec: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for method, path, op in operations(spec)}
    assert ids[("POST", "/pay")] == "pay"
    assert ids[("POST", "/request")] == "requestMoney"
    assert ids[("PUT", "/current-user")] == "putCurrentUser"
    assert ids[("GET", "/command-replies/{correlationId}")] == "commandReply"
    assert all(re.fullmatch("[a-z][A-Za-z]*", name) for name in ids.values()), ids
    assert len(set(ids.values())) == len(ids)


def test_readiness_and_command_replies_have_their_schemas(spec: dict[str, Any]) -> None:
    readyz = spec["paths"]["/readyz"]["get"]["responses"]
    for status in ("200", "503"):
        schema = readyz[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"{SCHEMAS}Readiness"}
    readiness = spec["components"]["schemas"]["Readiness"]
    assert set(readiness["required"]) == {"status", "broker", "checks"}
    replies = spec["paths"]["/command-replies/{correlationId}"]["get"]["responses"]
    one_of = replies["200"]["content"]["application/json"]["schema"]["oneOf"]
    assert {ref["$ref"] for ref in one_of} == {
        f"{SCHEMAS}PayReply",
        f"{SCHEMAS}PaymentRequest",
        f"{SCHEMAS}User",
    }
    assert replies["201"]["content"]["application/json"]["schema"] == {
        "$ref": f"{SCHEMAS}RequestReply"
    }


def test_every_live_view_documents_the_model_of_its_events(spec: dict[str, Any]) -> None:
    for name, view in VIEWS.items():
        answer = spec["paths"][f"/{name}"]["get"]["responses"]["200"]
        events = answer["content"]["text/event-stream"]["schema"]["items"]["oneOf"]
        records = [e for e in events if "event" not in e["properties"]]
        assert [e["properties"]["data"] for e in records] == [
            {"$ref": f"{SCHEMAS}{view.model.__name__}"}
        ], name
        named = {e["properties"]["event"]["const"] for e in events if "event" in e["properties"]}
        assert {"ready", "token-expiring"} <= named
        assert ("delete" in named) is (not view.is_log), name
        assert view.model.__name__ in spec["components"]["schemas"]
    multiplexed = spec["paths"]["/streams"]["get"]["responses"]["200"]
    items = multiplexed["content"]["text/event-stream"]["schema"]["items"]["oneOf"]
    named = {e["properties"]["event"]["const"] for e in items}
    assert set(VIEWS) | {"payment-requests.delete", "ready", "token-expiring"} <= named


def test_every_request_body_has_examples_the_gateway_accepts(spec: dict[str, Any]) -> None:
    bodies = 0
    for method, path, operation in operations(spec):
        if "requestBody" not in operation:
            continue
        bodies += 1
        media = operation["requestBody"]["content"]["application/json"]
        model = BODIES[media["schema"]["$ref"].removeprefix(SCHEMAS)]
        examples = [example["value"] for example in media["examples"].values()]
        assert examples, (method, path)
        for example in examples:
            decode(json.dumps(example), model)
    assert bodies == len(BODIES)
