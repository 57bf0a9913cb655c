"""A consumed Kafka record as plain data, and the outcomes of reading one.

Agents turn Faust events into :class:`RawRecord` first, so everything after that, parsing
included, is testable without Faust or a broker.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from streampay_contracts import codec, headers
from streampay_streams.domain.effects import Origin

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Emit:
    """One record to publish; ``body`` None is a tombstone."""

    topic: str
    key: str
    body: bytes | None
    headers: Mapping[str, str] = field(default_factory=lambda: _NO_HEADERS)
    partition: int | None = None
    """Set only for the worker's own state records; others go where their key hashes to."""

    @classmethod
    def of(
        cls,
        topic: str,
        key: str,
        value: BaseModel | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Emit:
        body = None if value is None else codec.encode(value)
        return cls(topic, key, body, MappingProxyType(dict(extra_headers or {})))


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


def origin_headers(origin: Origin) -> dict[str, str]:
    """The ``streampay-origin`` headers by which a receiving account applies a record once."""
    position = {headers.ORIGIN: f"{origin.topic}/{origin.partition}/{origin.offset}"}
    return {**position, headers.ORIGIN_BY: origin.decider} if origin.decider else position


def parse_origin(found: Mapping[str, str]) -> Origin | None:
    """The origin in a record's ``streampay-origin`` headers, or None when it has none."""
    topic, _, rest = found.get(headers.ORIGIN, "").rpartition("/")
    name, _, partition = topic.rpartition("/")
    if not (name and partition.isdigit() and rest.isdigit()):
        return None
    return Origin(name, int(partition), int(rest), found.get(headers.ORIGIN_BY, ""))


@dataclass(frozen=True, slots=True)
class Malformed:
    """A command that cannot be decided: answered with a 400 problem and nothing else."""

    reply: Emit
    reason: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record with nothing to do; ``reason`` is logged when it is not routine."""

    reason: str | None = None
