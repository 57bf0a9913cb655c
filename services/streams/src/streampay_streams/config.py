"""Streams worker settings, read once from the environment at start-up."""

from __future__ import annotations

from pathlib import Path

from streampay_contracts.settings import KafkaSettings

ROOT = Path(__file__).resolve().parents[4]


class StreamsSettings(KafkaSettings):
    """Everything the streams worker can be told; every default works for the local demo."""

    streams_app_id: str = "streampay-streams"
    streams_data_dir: Path = ROOT / ".data" / "streams"
