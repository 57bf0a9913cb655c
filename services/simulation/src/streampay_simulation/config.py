"""Simulation settings, read once from the environment at start-up.

Periods are the average seconds between two runs of a behaviour at speed 1; defaults are close
to the original demo's. `SIMULATION_SPEED` divides every period, so the same scenario runs 10x
or 100x faster for tests and smoke runs.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from streampay_contracts.settings import KafkaSettings


class SimulationSettings(KafkaSettings):
    """Everything the simulation can be told; every default works for the local demo."""

    gateway_url: str = "http://127.0.0.1:9090"
    simulation_seed: int | None = None
    simulation_speed: float = Field(default=1.0, gt=0, le=1000)
    simulation_max_virtual_users: int = Field(default=20, ge=2)

    simulation_new_user_period_s: float = Field(default=8.0, gt=0)
    simulation_topup_virtual_period_s: float = Field(default=10.0, gt=0)
    simulation_topup_real_period_s: float = Field(default=30.0, gt=0)
    simulation_request_virtual_period_s: float = Field(default=12.0, gt=0)
    simulation_request_real_period_s: float = Field(default=36.0, gt=0)
    simulation_pay_virtual_period_s: float = Field(default=15.0, gt=0)

    simulation_topup_min: Decimal = Decimal("1.00")
    simulation_topup_max: Decimal = Decimal("200.00")
    simulation_request_min: Decimal = Decimal("1.00")
    simulation_request_max: Decimal = Decimal("500.00")
    simulation_pay_min: Decimal = Decimal("1.00")
    simulation_pay_max: Decimal = Decimal("50.00")

    simulation_public_share: float = Field(default=0.5, ge=0, le=1)
    """The share of virtual users' payments made public (the rest are private, the default)."""

    simulation_reply_timeout_s: float = Field(default=30.0, gt=0)
    """How long a command may wait for its reply before it counts as unanswered."""
