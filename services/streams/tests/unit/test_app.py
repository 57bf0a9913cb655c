"""How the Faust app is configured: what is not left to Faust's defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streampay_streams.app import create_app
from streampay_streams.config import StreamsSettings

pytestmark = pytest.mark.unit


async def test_the_worker_consumer_has_its_fetches_held_only_briefly(tmp_path: Path) -> None:
    for wait_ms in (35, 20):  # a second app re-configures; it does not wrap twice
        settings = StreamsSettings(streams_data_dir=tmp_path, streams_fetch_max_wait_ms=wait_ms)
        consumer = _kafka_consumer(create_app(settings))
        assert consumer._fetch_max_wait_ms == wait_ms  # Faust's own is 1,500 ms
        assert consumer._fetch_min_bytes == 1  # on the command path: the first byte
        assert consumer._group_id == settings.streams_app_id  # still Faust's consumer


async def test_a_projector_fetches_fuller_batches(tmp_path: Path) -> None:
    settings = StreamsSettings(
        streams_data_dir=tmp_path, projector_fetch_max_wait_ms=12, projector_fetch_min_bytes=4096
    ).as_projector()
    consumer = _kafka_consumer(create_app(settings))
    assert (consumer._fetch_max_wait_ms, consumer._fetch_min_bytes) == (12, 4096)
    assert consumer._group_id == settings.group_id != "streampay-streams"


def _kafka_consumer(app: Any) -> Any:
    """The aiokafka consumer Faust's consumer thread would start for ``app``."""
    faust_consumer: Any = app.consumer
    return faust_consumer._thread._create_worker_consumer(app.transport)
