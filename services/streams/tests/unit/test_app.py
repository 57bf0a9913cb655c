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
        app = create_app(settings)
        faust_consumer: Any = app.consumer
        consumer = faust_consumer._thread._create_worker_consumer(app.transport)
        assert consumer._fetch_max_wait_ms == wait_ms  # Faust's own is 1,500 ms
        assert consumer._group_id == settings.streams_app_id  # still Faust's consumer
