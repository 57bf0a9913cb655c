"""The whole stack starts from nothing and every service reports in."""

from __future__ import annotations

import time

import httpx
import pytest

from streampay_infra.stack import Stack
from streampay_streams.health import stable_members

pytestmark = pytest.mark.e2e


def test_gateway_answers_healthz_and_readyz(services: Stack) -> None:
    base = services.config.gateway_url
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    # Ready once its caches have caught up: right after an earlier test's load, that can take a
    # moment (bounded here), and the answer says which check is still false.
    deadline = time.monotonic() + 30
    ready = httpx.get(f"{base}/readyz")
    while ready.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["broker"] == "reachable"


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
