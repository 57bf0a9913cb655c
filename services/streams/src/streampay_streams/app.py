"""The Faust application of the write model; agents, topics and tables live in their modules."""

from __future__ import annotations

import faust

from streampay_streams.config import StreamsSettings


def create_app(settings: StreamsSettings) -> faust.App:
    settings.streams_data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        settings.streams_app_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        datadir=str(settings.streams_data_dir),
        topic_partitions=settings.kafka_partitions,
        # At-least-once delivery; effects are made idempotent by the agents themselves.
        processing_guarantee="at_least_once",
        web_enabled=False,
        autodiscover=False,
    )
