"""Create StreamPay's topics, idempotently, on any Kafka-API broker.

The topic list comes from the contracts package (one definition for every service); this module
only applies it. Missing topics are created with their configs; existing ones get their configs
set to the contract's and gain partitions if they have fewer than configured (partitions can
never shrink in Kafka). The same code runs against the local broker and, as the one-shot `topics`
service of docker compose, against Redpanda.

    python -m streampay_infra.topics create     # apply
    python -m streampay_infra.topics describe   # print what the broker has
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streampay_contracts.kafka import TopicState, connect_admin, describe
from streampay_contracts.settings import KafkaSettings
from streampay_contracts.topics import TopicSpec, topic_specs


async def apply(
    bootstrap_servers: str,
    partitions: int,
    specs: tuple[TopicSpec, ...],
    timeout_s: float = 60.0,
    replication: int = 1,
) -> dict[str, str]:
    """Make the broker's topics match `specs`, creating missing ones with `replication`
    copies of each partition; returns what was done per topic."""
    admin = await connect_admin(bootstrap_servers, timeout_s)
    try:
        current = await describe(admin, [s.name for s in specs])
        missing = [s for s in specs if s.name not in current]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(s.name, partitions, replication, topic_configs=s.configs())
                    for s in missing
                ]
            )
            await _until_visible(admin, [s.name for s in missing], timeout_s)
        actions = {s.name: "created" for s in missing}
        for spec in specs:
            state = current.get(spec.name)
            if state is not None:
                actions[spec.name] = await _reconcile(admin, spec, state, partitions)
        return actions
    finally:
        await admin.close()


async def _until_visible(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float) -> None:
    """Topic creation is asynchronous in Kafka: wait until the metadata shows every topic."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while set(names) - set(await admin.list_topics()):
        if loop.time() >= deadline:
            raise TimeoutError(f"topics not visible after {timeout_s:.0f} s: {names}")
        await asyncio.sleep(0.2)


async def _reconcile(
    admin: AIOKafkaAdminClient, spec: TopicSpec, state: TopicState, partitions: int
) -> str:
    done = []
    wanted = spec.configs()
    if any(state.configs.get(k) != v for k, v in wanted.items()):
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, spec.name, wanted)])
        done.append("configs updated")
    if state.partitions < partitions:
        await admin.create_partitions({spec.name: NewPartitions(total_count=partitions)})
        done.append(f"partitions {state.partitions}->{partitions}")
    return ", ".join(done) or "up to date"


async def _describe_cli(settings: KafkaSettings) -> None:
    admin = await connect_admin(settings.kafka_bootstrap_servers, 30.0)
    try:
        states = await describe(admin, [s.name for s in topic_specs()])
    finally:
        await admin.close()
    for spec in topic_specs():
        state = states.get(spec.name)
        if state is None:
            print(f"{spec.name:<22} MISSING")
            continue
        policy = state.configs.get("cleanup.policy", "?")
        retention = state.configs.get("retention.ms", "?")
        print(
            f"{spec.name:<22} partitions={state.partitions} cleanup={policy} "
            f"retention.ms={retention}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streampay_infra.topics")
    parser.add_argument("action", choices=["create", "describe"])
    args = parser.parse_args(argv)
    settings = KafkaSettings()
    if args.action == "describe":
        asyncio.run(_describe_cli(settings))
        return 0
    specs = topic_specs(replies_retention_ms=settings.replies_retention_ms)
    actions = asyncio.run(
        apply(
            settings.kafka_bootstrap_servers,
            settings.kafka_partitions,
            specs,
            replication=settings.kafka_replication_factor,
        )
    )
    for name, action in actions.items():
        print(f"  topic {name:<22} {action}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
