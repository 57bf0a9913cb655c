"""The whole stack starts from nothing and every service reports in."""

from __future__ import annotations

import httpx
import pytest

from streampay_infra.stack import Stack
from streampay_streams.health import stable_members

pytestmark = pytest.mark.e2e


def test_gateway_answers_healthz_and_readyz(services: Stack) -> None:
    base = services.config.gateway_url
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200 and ready.json()["broker"] == "reachable"


async def test_streams_worker_joined_its_consumer_group(services: Stack) -> None:
    assert await stable_members(services.config.bootstrap_servers, "streampay-streams") == 1


def test_every_process_is_recorded_and_running(services: Stack) -> None:
    assert services.status() == {
        "broker": True,
        "streams": True,
        "projector": True,
        "gateway": True,
        "simulation": False,
    }
