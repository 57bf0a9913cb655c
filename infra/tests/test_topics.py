"""Against the real broker: every contract topic exists with its partitions and configs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streampay_contracts.kafka import TopicState
from streampay_contracts.topics import topic_specs
from streampay_infra import topics
from streampay_infra.stack import Stack

pytestmark = pytest.mark.integration


async def broker_topics(bootstrap: str) -> dict[str, TopicState]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await topics.describe(admin, [s.name for s in topic_specs()])
    finally:
        await admin.close()


async def test_every_contract_topic_exists_with_its_partitions_and_policy(
    kafka: str, stack: Stack
) -> None:
    states = await broker_topics(kafka)
    assert set(states) == {s.name for s in topic_specs()} and len(states) == 12
    for spec in topic_specs():
        state = states[spec.name]
        assert state.partitions == stack.config.partitions == 3
        for key, value in spec.configs().items():
            assert state.configs[key] == value, (spec.name, key)
    assert states["balances"].configs["cleanup.policy"] == "compact"
    assert states["transactions"].configs["cleanup.policy"] == "delete"
    assert states["replies"].configs["retention.ms"] == str(24 * 3600 * 1000)


async def test_applying_again_changes_nothing(kafka: str, stack: Stack) -> None:
    actions = await topics.apply(kafka, stack.config.partitions, topic_specs())
    assert set(actions.values()) == {"up to date"}


async def test_drifted_config_and_missing_partitions_are_repaired(kafka: str) -> None:
    """A topic created by hand with the wrong settings is brought back to the contract."""
    spec = next(s for s in topic_specs() if s.name == "users")
    wrong = replace(spec, name="users-drifted", cleanup_policy="delete")
    await topics.apply(kafka, 1, (wrong,))
    fixed = replace(spec, name="users-drifted")
    actions = await topics.apply(kafka, 3, (fixed,))
    assert actions["users-drifted"] == "configs updated, partitions 1->3"
    state = await topics_state(kafka, "users-drifted")
    assert (state.partitions, state.configs["cleanup.policy"]) == (3, "compact")


async def topics_state(bootstrap: str, name: str) -> TopicState:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return (await topics.describe(admin, [name]))[name]
    finally:
        await admin.close()
