"""The streams worker and the projector show what they do, and say when they are wedged.

Each serves Prometheus metrics and a liveness check on a port of its own: after a payment the
worker has counted decided records and a 200 decision, the projector projected ones. A worker
whose process is frozen (SIGSTOP) is still a member of its consumer group, yet its health probe
fails; thawed, it passes again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from streampay_infra.process import poll
from streampay_infra.stack import Stack
from streampay_streams.config import StreamsSettings
from streampay_streams.health import check, liveness, stable_members

pytestmark = pytest.mark.e2e


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text page (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def pay_once(services: Stack) -> None:
    with httpx.Client(base_url=services.config.gateway_url, timeout=30) as http:
        tokens = []
        for _ in range(2):
            username = f"o{uuid.uuid4().hex[:10]}"
            token = http.post("/auth/token", json={"username": username, "name": username})
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            saved = http.put(
                "/current-user", json={"username": username, "name": username}, headers=auth
            )
            assert saved.status_code == 204
            tokens.append((f"local|{username}", auth))
        paid = http.post(
            "/pay",
            content=f'{{"userId": "{tokens[1][0]}", "amount": 1.00}}',
            headers={**tokens[0][1], "Content-Type": "application/json", "Prefer": "wait=20"},
        )
        assert paid.status_code == 200, paid.text


def test_worker_and_projector_metrics(services: Stack) -> None:
    config = services.config
    pay_once(services)
    worker = httpx.get(f"http://127.0.0.1:{config.streams_metrics_port}/metrics").text
    assert sample(worker, "streampay_streams_records_total", stage="decide") >= 1
    assert sample(worker, "streampay_streams_decisions_total", status="200") >= 1
    assert sample(worker, "streampay_streams_batch_records_count", stage="decide") >= 1
    assert sample(worker, "streampay_streams_publish_seconds_count", kind="records") >= 1
    assert sample(worker, "streampay_streams_publish_seconds_count", kind="changelog") >= 1
    assert "streampay_streams_consumer_lag{" in worker

    def projected() -> bool:
        page = httpx.get(f"http://127.0.0.1:{config.projector_metrics_port}/metrics").text
        return sample(page, "streampay_streams_records_total", stage="project") >= 1

    assert poll(projected, 20)
    alive = httpx.get(f"http://127.0.0.1:{config.streams_metrics_port}/healthz")
    assert alive.status_code == 200 and alive.json()["alive"] is True


def worker_settings(services: Stack) -> StreamsSettings:
    config = services.config
    return StreamsSettings(
        kafka_bootstrap_servers=config.bootstrap_servers,
        streams_data_dir=config.data_dir / "streams",
        streams_metrics_port=config.streams_metrics_port,
    )


def test_a_frozen_worker_fails_its_health_probe_while_still_in_its_group(
    services: Stack,
) -> None:
    settings = worker_settings(services)
    assert check(settings) == 0
    record = services.supervisor.record("streams")
    assert record is not None
    os.kill(record.pid, signal.SIGSTOP)
    try:
        members = asyncio.run(stable_members(settings.kafka_bootstrap_servers, settings.group_id))
        frozen = check(settings)
        alive, why = liveness(settings)
    finally:
        os.kill(record.pid, signal.SIGCONT)
    assert members == 1, "the frozen worker is still a member of its group"
    assert frozen == 1
    assert not alive and why.startswith("liveness unanswered"), why
    assert poll(lambda: check(settings) == 0, 60)
