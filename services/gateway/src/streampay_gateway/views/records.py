"""One record of a view topic as the gateway keeps it: raw value bytes plus the decoded model."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError

from streampay_contracts import decode, headers

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Record:
    """A record of one topic partition.

    ``value`` is kept as the bytes on the topic and sent to clients unchanged, so amounts are
    never re-serialised. ``model`` is the decoded value, used only to decide who may see the
    record; on a tombstone (``value is None``) it is the last value of the same key, so that a
    deletion reaches the same users the record did.
    """

    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, str]
    model: BaseModel | None

    @property
    def is_tombstone(self) -> bool:
        return self.value is None

    @property
    def identity(self) -> str | None:
        """The ``zilla:identity`` header: the user the record is addressed to, if any."""
        return self.headers.get(headers.IDENTITY)

    def data(self) -> str:
        """The record value as text, exactly as produced."""
        return (self.value or b"").decode("utf-8")

    def after(self, previous: Record | None) -> Record:
        """This tombstone, carrying the model and identity of the value it deletes."""
        if previous is None or not self.is_tombstone:
            return self
        merged = {**previous.headers, **self.headers}
        return replace(self, model=previous.model, headers=merged)


def from_kafka(message: Any, model: type[BaseModel]) -> Record | None:
    """A record from an aiokafka ``ConsumerRecord``; None (and a warning) if it is unreadable."""
    value: bytes | None = message.value
    try:
        decoded = None if value is None else decode(value, model)
        key = None if message.key is None else bytes(message.key).decode("utf-8")
    except (ValueError, ValidationError, UnicodeDecodeError) as error:
        log.warning(
            "view record skipped: it does not match its contract",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            reason=str(error)[:200],
        )
        return None
    return Record(
        partition=message.partition,
        offset=message.offset,
        key=key,
        value=value,
        headers=headers.from_kafka(message.headers),
        model=decoded,
    )
