"""Settings every StreamPay service shares, read from environment variables and ``.env``.

Each service subclasses :class:`KafkaSettings` with its own fields, builds one instance at its
entrypoint and passes it in; nothing else reads the environment. Subclasses keep these
variable names (no ``env_prefix``), so one environment configures the whole system. Every
default works for a local run. A ``.env`` file in the working directory (``.env.example`` at
the repository's root lists every setting) is read too; a variable set in the environment wins
over the same name in the file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streampay_contracts.money import MAX_AMOUNT, Money
from streampay_contracts.topics import DEFAULT_REPLIES_RETENTION_MS

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

ENV_FILE = ".env"
"""The settings file every settings class reads from the working directory, when it exists."""

_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _decimal_from_text(value: object) -> object:
    """Environment values are text; read ``100.00`` exactly, as the JSON codec would."""
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value.strip()):
            raise ValueError("must be a decimal number such as 100.00")
        return Decimal(value.strip())
    return value


class KafkaSettings(BaseSettings):
    """The broker, topic and money settings common to the gateway, streams and simulation."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", env_file=ENV_FILE, env_file_encoding="utf-8"
    )

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    """Comma-separated ``host:port`` list of the Kafka-API broker."""

    kafka_partitions: int = Field(default=3, ge=1)
    """Partitions of every topic; the same for all so that keys co-partition."""

    kafka_replication_factor: int = Field(default=1, ge=1)
    """Copies of every partition the topics are created with: 1 on a single local broker,
    3 on a cluster (so a broker can be lost without losing or pausing a partition)."""

    replies_retention_ms: int = Field(default=DEFAULT_REPLIES_RETENTION_MS, gt=0)
    """How long replies are kept, which is also the idempotency window."""

    signup_grant: Annotated[Money, BeforeValidator(_decimal_from_text)] = Decimal("100.00")
    """Starting balance deposited once when a user first appears; 0 turns it off."""

    log_level: LogLevel = "INFO"

    @field_validator("signup_grant")
    @classmethod
    def _bounded_grant(cls, value: Decimal) -> Decimal:
        if value > MAX_AMOUNT:
            raise ValueError(f"must be at most {MAX_AMOUNT}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
