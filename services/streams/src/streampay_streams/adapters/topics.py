"""The topics the worker needs, checked (and its own ones created) before it starts.

Co-partitioning is what makes the worker correct: a user's account, commands, ledger legs and
routed records must all be in the same partition number. So every topic the worker reads must
have the configured partition count; the worker refuses to start otherwise rather than decide
in the wrong place. The topics the architecture defines are created by ``make topics`` (or the
compose ``topics`` service); the worker creates ``statements`` and its internal topics itself.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from streampay_contracts import topics
from streampay_contracts.kafka import connect_admin
from streampay_streams.adapters.store import CHANGELOG_CONFIGS

log = structlog.get_logger(__name__)

READ = (topics.COMMANDS, topics.TRANSACTIONS, topics.USERS)


class TopicsMismatchError(RuntimeError):
    """A topic is missing or has the wrong number of partitions."""


async def prepare(
    bootstrap_servers: str,
    partitions: int,
    app_id: str,
    timeout_s: float = 60,
    replication: int = 1,
) -> None:
    admin = await connect_admin(bootstrap_servers, timeout_s, retry_s=1)
    try:
        own = topics.streams_topic_specs(app_id)
        await _create_missing(admin, own, partitions, replication)
        await _configure_changelogs(admin, app_id)
        counts = await _partition_counts(admin, [*READ, *(spec.name for spec in own)])
    finally:
        await admin.close()
    wrong = {name: count for name, count in counts.items() if count != partitions}
    if wrong:
        raise TopicsMismatchError(f"these topics need {partitions} partitions each: {wrong}")


async def _create_missing(
    admin: AIOKafkaAdminClient,
    specs: tuple[topics.TopicSpec, ...],
    partitions: int,
    replication: int,
) -> None:
    existing = set(await admin.list_topics())
    missing = [spec for spec in specs if spec.name not in existing]
    if not missing:
        return
    new = [
        NewTopic(spec.name, partitions, replication, topic_configs=spec.configs())
        for spec in missing
    ]
    with contextlib.suppress(TopicAlreadyExistsError):  # another worker was first
        await admin.create_topics(new)
    log.info("created topics", topics=[spec.name for spec in missing], partitions=partitions)


async def _configure_changelogs(admin: AIOKafkaAdminClient, app_id: str) -> None:
    """Give the tables' existing changelogs the configs new ones are created with (Faust
    creates a changelog once and never updates it), so an upgrade compacts them too."""
    changelogs = [
        name
        for name in await admin.list_topics()
        if name.startswith(f"{app_id}-") and name.endswith("-changelog")
    ]
    if not changelogs:
        return
    responses = await admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, n, CHANGELOG_CONFIGS) for n in changelogs]
    )
    for response in responses:
        for error_code, message, _, name in response.resources:
            if error_code:  # the worker still runs; only its restarts stay slow
                log.warning("changelog configs not applied", topic=name, error=message)


async def _partition_counts(
    admin: AIOKafkaAdminClient, names: list[str], patience_s: float = 15
) -> dict[str, int]:
    """Partitions of each topic. Topics created a moment ago may take a little while to show
    in the metadata, so a missing one is looked for again for up to ``patience_s``."""
    deadline = asyncio.get_running_loop().time() + patience_s
    while True:
        existing = set(await admin.list_topics())
        absent = [name for name in names if name not in existing]
        if not absent:
            break
        if asyncio.get_running_loop().time() >= deadline:
            raise TopicsMismatchError(f"missing topics {absent}; create them with `make topics`")
        await asyncio.sleep(0.2)
    described = await admin.describe_topics(names)
    return {item["topic"]: len(item["partitions"]) for item in described}
