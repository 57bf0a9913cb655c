"""The worker's start-up check of its topics, against the real broker."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streampay_contracts import topics
from streampay_streams.adapters.store import CHANGELOG_CONFIGS
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


async def test_an_existing_changelog_gets_the_compaction_that_bounds_recovery(kafka: str) -> None:
    """A changelog made before (with Faust's defaults: a segment closes only after 1 GiB or a
    week, so nothing is ever compacted and a restart reads every change ever made) is given
    the small segments new changelogs get, so the broker compacts it."""
    app_id = f"prepare-{uuid.uuid4().hex[:8]}"
    changelog = f"{app_id}-accounts-changelog"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(changelog, 3, 1, topic_configs={"cleanup.policy": "compact"})]
        )
        for _ in range(100):  # an existing changelog: wait until the metadata lists it
            if changelog in await admin.list_topics():
                break
            await asyncio.sleep(0.1)
        await prepare(kafka, 3, app_id)
        resource = ConfigResource(ConfigResourceType.TOPIC, changelog)
        for _ in range(100):  # the broker applies a config change a moment after accepting it
            (response,) = await admin.describe_configs([resource])
            entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
            configs = {name: entries[name] for name in CHANGELOG_CONFIGS}
            if configs == CHANGELOG_CONFIGS:
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    assert configs == CHANGELOG_CONFIGS
