"""A consumed Kafka record as plain data, and the outcomes of reading one.

Agents turn Faust events into :class:`RawRecord` first, so everything after that, parsing
included, is testable without Faust or a broker.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streampay_contracts import headers
from streampay_streams.domain.effects import Emit, Origin


@dataclass(frozen=True, slots=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Mapping[str, str]
    timestamp_ms: int

    @property
    def origin(self) -> Origin:
        return Origin(self.topic, self.partition, self.offset, self.text_key)

    @property
    def text_key(self) -> str:
        return (self.key or b"").decode("utf-8", errors="replace")

    @property
    def moment(self) -> int:
        """When it happened: the record's timestamp, or now when the producer set none."""
        return self.timestamp_ms if self.timestamp_ms > 0 else int(time.time() * 1000)

    @classmethod
    def of(cls, event: Any) -> RawRecord:
        """The record behind a Faust event (raw key and value)."""
        message = event.message
        return cls(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key,
            value=message.value,
            headers=headers.from_kafka(_pairs(message.headers)),
            timestamp_ms=int((message.timestamp or 0) * 1000),
        )

    @classmethod
    def of_kafka(cls, record: Any) -> RawRecord:
        """The same from an aiokafka ``ConsumerRecord`` (timestamp in milliseconds)."""
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=headers.from_kafka(_pairs(record.headers)),
            timestamp_ms=int(record.timestamp or 0),
        )


def _pairs(raw: Any) -> list[tuple[str, bytes | None]]:
    """Faust hands headers over as pairs or, from some drivers, as a mapping."""
    if isinstance(raw, Mapping):
        return list(raw.items())
    return list(raw or ())


@dataclass(frozen=True, slots=True)
class Malformed:
    """A command that cannot be decided: answered with a 400 problem and nothing else."""

    reply: Emit
    reason: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record with nothing to do; ``reason`` is logged when it is not routine."""

    reason: str | None = None
