"""Simulation settings, read once from the environment at start-up."""

from __future__ import annotations

from streampay_contracts.settings import KafkaSettings


class SimulationSettings(KafkaSettings):
    """Everything the simulation can be told; every default works for the local demo."""

    gateway_url: str = "http://127.0.0.1:9090"
    simulation_seed: int | None = None
    simulation_speed: float = 1.0
