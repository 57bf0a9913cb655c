"""The Faust application of the write model; agents, topics and tables live in their modules.

Delivery is at-least-once (Faust's exactly_once mode has open defects that lose or duplicate
records on rebalance); the agents make every effect idempotent themselves. Table state is kept in
memory and rebuilt from the changelog at start (see the README for why).
"""

from __future__ import annotations

import faust

from streampay_streams.config import StreamsSettings


def create_app(settings: StreamsSettings) -> faust.App:
    settings.streams_data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        settings.streams_app_id,
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
    )
