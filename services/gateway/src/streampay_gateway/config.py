"""Gateway settings, read once from the environment at start-up."""

from __future__ import annotations

from pathlib import Path

from streampay_contracts.settings import KafkaSettings

ROOT = Path(__file__).resolve().parents[4]


class GatewaySettings(KafkaSettings):
    """Everything the gateway can be told; every default works for the local demo."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 9090
    gateway_data_dir: Path = ROOT / ".data" / "gateway"
    frontend_dist: Path = ROOT / "frontend" / "dist"
