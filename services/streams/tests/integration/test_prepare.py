"""The worker's start-up check of its topics, against the real broker."""

from __future__ import annotations

import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streampay_contracts import topics
from streampay_streams.adapters.topics import prepare

pytestmark = pytest.mark.integration


async def test_a_first_worker_creates_its_own_topics_and_starts(kafka: str) -> None:
    """Just-created topics may be missing from the metadata for a moment; that is no reason to
    refuse to start. (``statements`` exists or not, depending on earlier tests.)"""
    app_id = f"prepare-{uuid.uuid4().hex[:8]}"
    await prepare(kafka, 3, app_id)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        names = [topics.streams_requests_topic(app_id), topics.streams_payments_topic(app_id)]
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    assert {item["topic"]: len(item["partitions"]) for item in described} == dict.fromkeys(names, 3)
