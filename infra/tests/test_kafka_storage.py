"""Formatting the local broker's storage, with the real Kafka storage tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from streampay_infra import kafka
from streampay_infra.stack import Stack

pytestmark = pytest.mark.integration


def test_a_cluster_id_that_starts_with_a_dash_formats(tmp_path: Path, stack: Stack) -> None:
    """One random id in 64 starts with "-", which the tool must not read as an option."""
    libs = kafka.ensure_jars(stack.config.cache_dir)
    config = kafka.BrokerConfig(data_dir=tmp_path / "broker")
    assert kafka.ensure_formatted(config, libs, cluster_id="-7Qu_O3zT2CaOtA6KSL85A")
    meta = (config.data_dir / "logs" / "meta.properties").read_text()
    assert "cluster.id=-7Qu_O3zT2CaOtA6KSL85A" in meta
    assert not kafka.ensure_formatted(config, libs)  # formatted once; its data is kept
