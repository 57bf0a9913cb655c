"""The Faust application of the write model; agents, topics and tables live in their modules.

Delivery is at-least-once (Faust's exactly_once mode has open defects that lose or duplicate
records on rebalance); the agents make every effect idempotent themselves. Table state is kept in
memory and rebuilt from the changelog at start (see the README for why).
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from streampay_contracts import logs
from streampay_streams.adapters.patching import replace_method
from streampay_streams.config import StreamsSettings


def create_app(settings: StreamsSettings) -> faust.App:
    settings.streams_data_dir.mkdir(parents=True, exist_ok=True)
    answer_fetches_within(settings.streams_fetch_max_wait_ms, settings.streams_fetch_min_bytes)
    return faust.App(
        settings.group_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        datadir=str(settings.streams_data_dir),
        store="memory://",
        topic_partitions=settings.kafka_partitions,
        topic_replication_factor=settings.kafka_replication_factor,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        # aiokafka keeps one produce request in flight per broker, and a record that does not
        # fit the open batch waits until that batch is sent. With Faust's 16 KiB default, every
        # account record (several KiB with its recent answers and outbox) past the first took a
        # broker round trip of its own; one batch now carries a whole store round.
        producer_max_batch_size=512 * 1024,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=1,
        broker_session_timeout=settings.streams_session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.streams_session_timeout_ms / 1000 / 5,
        web_enabled=False,
        autodiscover=False,
        # Faust replaces the root's log handlers as the worker starts: with these, its lines
        # (and aiokafka's) are JSON objects like every other line of the log.
        logging_config=logs.stdlib_config(settings.log_level),
    )


def answer_fetches_within(wait_ms: int, min_bytes: int) -> None:
    """Have the broker answer the worker's fetches within ``wait_ms``, even with nothing new,
    or as soon as it holds ``min_bytes`` for them (Faust fixes both).

    aiokafka leaves a partition out of its next fetch while records fetched for it are still
    waiting to be handed over, and cannot fetch from a broker again until the fetch it has in
    flight is answered. Under load the busy partitions were left out, the fetch asked only for
    quiet ones, and the broker held it for the whole of Faust's fixed 1,500 ms: commands then
    reached the worker in 1.5 s bursts, behind a backlog that never cleared, while the worker
    sat idle most of the time. A short hold bounds that gap; an idle worker pays one empty
    fetch per ``wait_ms``.
    """

    def wrap(create: Any) -> Any:
        def create_worker_consumer(self: AIOKafkaConsumerThread, transport: Any) -> Any:
            consumer = create(self, transport)
            # Both are read when the consumer starts its fetcher.
            consumer._fetch_max_wait_ms = wait_ms
            consumer._fetch_min_bytes = min_bytes
            return consumer

        return create_worker_consumer

    replace_method(AIOKafkaConsumerThread, "_create_worker_consumer", wrap)
