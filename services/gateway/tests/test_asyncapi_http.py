"""``GET /asyncapi.json``: the committed AsyncAPI document, valid for the AsyncAPI parser.

The parser is the official one (``@asyncapi/parser``, a development dependency of the web
app), run with Node on the very bytes the gateway serves.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from streampay_infra import frontend

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
VALIDATE = frontend.FRONTEND / "scripts" / "validate_asyncapi.mjs"


def validate(document: Path) -> subprocess.CompletedProcess[str]:
    frontend.install(say=lambda line: None)
    return subprocess.run(
        ["node", str(VALIDATE), str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_gateway_serves_the_committed_document(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    committed = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert response.json() == committed


async def test_the_served_document_is_valid_asyncapi(
    gateway: httpx.AsyncClient, tmp_path: Path
) -> None:
    served = tmp_path / "asyncapi.json"
    served.write_bytes((await gateway.get("/asyncapi.json")).content)
    result = validate(served)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.1.0" in result.stdout


def test_the_parser_refuses_an_invalid_document(tmp_path: Path) -> None:
    document = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
    document["channels"]["balances"]["bindings"]["kafka"]["topicConfiguration"] = {
        "cleanup.policy": ["squash"]
    }
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = validate(broken)
    assert result.returncode == 1
    assert "channels.balances.bindings.kafka" in result.stdout
