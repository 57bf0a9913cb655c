"""The topics and consumer groups as the broker has them now, for the System section.

One admin client and one group-less consumer (for the partitions' start and end offsets) per
gateway, connected on first use and again after a failure. A snapshot is taken at most once
a second, however many people look: callers within that second, or waiting while one is
taken, share it, so a watcher refreshing in a loop costs the broker nothing more.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from streampay_contracts.kafka import TopicState as BrokerTopic
from streampay_contracts.kafka import describe
from streampay_gateway.http.problems import unavailable
from streampay_gateway.system.models import (
    GroupLag,
    Groups,
    GroupState,
    GroupTopic,
    PartitionLag,
    PartitionState,
    Topics,
    TopicState,
)

log = structlog.get_logger(__name__)

FRESH_S = 1.0
"""A snapshot younger than this is answered again rather than asked of the broker."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    topics: Topics
    groups: Groups
    taken: float
    """``time.monotonic()`` when it was taken."""


class Cluster:
    def __init__(self, bootstrap_servers: str, timeout_s: float) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._timeout_s = timeout_s
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None
        self._latest: Snapshot | None = None
        self._taking: asyncio.Task[Snapshot] | None = None

    async def stop(self) -> None:
        if self._taking is not None:
            self._taking.cancel()
        await self._disconnect()

    async def snapshot(self) -> Snapshot:
        """The latest snapshot if fresh, else a new one (shared with concurrent callers)."""
        latest = self._latest
        if latest is not None and time.monotonic() - latest.taken < FRESH_S:
            return latest
        if self._taking is None or self._taking.done():
            self._taking = asyncio.create_task(self._take())
        # shield: one caller giving up (a closed connection) does not cancel the others' answer
        return await asyncio.shield(self._taking)

    async def topic_names(self) -> set[str]:
        return {topic.name for topic in (await self.snapshot()).topics.topics}

    async def _take(self) -> Snapshot:
        try:
            async with asyncio.timeout(self._timeout_s):
                snapshot = await self._read()
        except (KafkaError, OSError, TimeoutError) as error:
            log.warning("cluster snapshot failed", error=repr(error))
            await self._disconnect()
            raise unavailable("the broker did not answer; try again shortly", 2) from None
        self._latest = snapshot
        return snapshot

    async def _read(self) -> Snapshot:
        admin, offsets = await self._connect()
        names = sorted(n for n in await admin.list_topics() if not n.startswith("__"))
        states = await describe(admin, names)
        tps = [TopicPartition(n, p) for n, s in states.items() for p in range(s.partitions)]
        starts = await offsets.beginning_offsets(tps) if tps else {}
        ends = await offsets.end_offsets(tps) if tps else {}
        group_ids = sorted({str(listed[0]) for listed in await admin.list_consumer_groups()})
        described = await _describe_groups(admin, group_ids)
        committed = await asyncio.gather(
            *(admin.list_consumer_group_offsets(group) for group in group_ids)
        )
        at = int(time.time() * 1000)
        lags: dict[str, dict[str, list[PartitionLag]]] = defaultdict(lambda: defaultdict(list))
        for group, positions in zip(group_ids, committed, strict=True):
            for tp, position in sorted(positions.items()):
                if tp not in ends:
                    continue
                offset = position.offset if position.offset >= 0 else None
                lag = ends[tp] - (offset if offset is not None else starts[tp])
                lags[group][tp.topic].append(
                    PartitionLag(partition=tp.partition, committed=offset, end=ends[tp], lag=lag)
                )
        known = sorted(states)
        topics = Topics(at=at, topics=[_topic(states[n], starts, ends, lags) for n in known])
        groups = [
            GroupState(
                group=group,
                state=described.get(group, ("Unknown", 0))[0],
                members=described.get(group, ("Unknown", 0))[1],
                lag=sum(_total(partitions) for partitions in lags[group].values()),
                topics=[
                    GroupTopic(
                        topic=topic, lag=sum(p.lag for p in partitions), partitions=partitions
                    )
                    for topic, partitions in sorted(lags[group].items())
                ],
            )
            for group in group_ids
        ]
        return Snapshot(topics, Groups(at=at, groups=groups), time.monotonic())

    async def _connect(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._offsets is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap_servers, request_timeout_ms=5000
            )
            offsets = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers,
                enable_auto_commit=False,
                request_timeout_ms=5000,
            )
            self._admin, self._offsets = admin, offsets
            await admin.start()
            await offsets.start()
        return self._admin, self._offsets

    async def _disconnect(self) -> None:
        admin, offsets = self._admin, self._offsets
        self._admin = self._offsets = None
        if admin is not None:
            await admin.close()
        if offsets is not None:
            await offsets.stop()


async def _describe_groups(
    admin: AIOKafkaAdminClient, group_ids: list[str]
) -> dict[str, tuple[str, int]]:
    """Each group's state and number of members.

    One group a request: aiokafka cannot read a DescribeGroups answer about several groups
    from Apache Kafka 4 (it reports a buffer underrun and drops the connection)."""
    found: dict[str, tuple[str, int]] = {}
    answers = await asyncio.gather(*(admin.describe_consumer_groups([g]) for g in group_ids))
    for responses in answers:
        for response in responses:
            for described in response.groups:
                found[str(described[1])] = (str(described[2]), len(described[5]))
    return found


def _topic(
    state: BrokerTopic,
    starts: dict[TopicPartition, int],
    ends: dict[TopicPartition, int],
    lags: dict[str, dict[str, list[PartitionLag]]],
) -> TopicState:
    tps = [TopicPartition(state.name, p) for p in range(state.partitions)]
    partitions = [
        PartitionState(
            partition=tp.partition, start=starts[tp], end=ends[tp], records=ends[tp] - starts[tp]
        )
        for tp in tps
    ]
    retention = state.configs.get("retention.ms")
    readers = [
        GroupLag(
            group=group,
            lag=sum(p.lag for p in by_topic[state.name]),
            partitions=by_topic[state.name],
        )
        for group, by_topic in sorted(lags.items())
        if state.name in by_topic
    ]
    return TopicState(
        name=state.name,
        cleanup_policy=state.configs.get("cleanup.policy"),
        retention_ms=int(retention) if retention and retention.lstrip("-").isdigit() else None,
        end_offset=sum(p.end for p in partitions),
        records=sum(p.records for p in partitions),
        partitions=partitions,
        groups=readers,
    )


def _total(partitions: list[PartitionLag]) -> int:
    return sum(partition.lag for partition in partitions)
