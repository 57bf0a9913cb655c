"""Every process logs one JSON object per line, the libraries' lines (uvicorn, aiokafka, Faust)
included, each with its time, level and event."""

from __future__ import annotations

import json

import httpx
import pytest

from streampay_infra.stack import Stack

pytestmark = pytest.mark.e2e


def lines_of(services: Stack, name: str) -> list[dict[str, object]]:
    text = services.supervisor.log_path(name).read_text(errors="replace")
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        try:
            parsed = json.loads(line)
        except ValueError:
            pytest.fail(f"{name}.log line {number} is not JSON: {line[:200]!r}")
        assert isinstance(parsed, dict), f"{name}.log line {number}: {line[:200]!r}"
        assert {"timestamp", "level", "event"} <= parsed.keys(), line
        found.append(parsed)
    return found


@pytest.mark.parametrize(
    ("service", "library"),
    [("gateway", "uvicorn"), ("streams", "aiokafka"), ("projector", "aiokafka")],
)
def test_every_line_is_a_json_object(services: Stack, service: str, library: str) -> None:
    assert httpx.get(f"{services.config.gateway_url}/healthz").status_code == 200
    logged = lines_of(services, service)
    assert logged, f"{service} logged nothing"
    loggers = {str(line.get("logger", "")) for line in logged}
    assert any(name.startswith(library) for name in loggers), sorted(loggers)
