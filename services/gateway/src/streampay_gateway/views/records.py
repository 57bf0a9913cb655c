"""One record of a view topic as the gateway keeps it: the raw value bytes, decoded on demand.

A record's value goes to clients as the bytes that came in, so amounts are never re-serialised,
and it is decoded into its contract's model only when something asks for the model: a filter
that looks inside the value, a JSON read, a tombstone taking its last value's model. Records
that every client may see, or that are selected by key or by the ``zilla:identity`` header,
are never decoded at all, however many of them pass through. Decoding happens at most once
per record; a value that does not match its contract is logged and reads as no model, so no
filter that looks inside it selects it.
"""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import BaseModel, ValidationError

from streampay_contracts import decode, headers

log = structlog.get_logger(__name__)


class Record:
    """A record of one topic partition.

    ``model`` is the decoded value; on a tombstone (``value is None``) it is the last value of
    the same key, so that a deletion reaches the same users the record did.
    """

    __slots__ = ("_decoded", "_schema", "headers", "key", "offset", "partition", "topic", "value")

    def __init__(
        self,
        partition: int,
        offset: int,
        key: str | None,
        value: bytes | None,
        headers: dict[str, str],
        model: BaseModel | None = None,
        *,
        schema: type[BaseModel] | None = None,
        topic: str = "",
    ) -> None:
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.topic = topic
        self._decoded = model
        self._schema = schema if value is not None and model is None else None
        """The model to decode ``value`` with on first use; None once decoded (or nothing to)."""

    @property
    def model(self) -> BaseModel | None:
        schema = self._schema
        if schema is not None:
            self._schema = None
            self._decoded = _decoded(self, schema)
        return self._decoded

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
        return Record(
            self.partition,
            self.offset,
            self.key,
            None,
            merged,
            previous.model,
            topic=self.topic,
        )

    def __repr__(self) -> str:
        return f"Record({self.topic}[{self.partition}]@{self.offset} key={self.key!r})"


def from_kafka(message: Any, model: type[BaseModel]) -> Record | None:
    """A record from an aiokafka ``ConsumerRecord``, its value not yet decoded; None (and a
    warning) if its key is not text."""
    try:
        key = None if message.key is None else bytes(message.key).decode("utf-8")
    except UnicodeDecodeError as error:
        _skipped(message.topic, message.partition, message.offset, str(error))
        return None
    return Record(
        message.partition,
        message.offset,
        key,
        message.value,
        headers.from_kafka(message.headers),
        schema=model,
        topic=message.topic,
    )


def _decoded(record: Record, schema: type[BaseModel]) -> BaseModel | None:
    try:
        return decode(record.value or b"", schema)
    except (ValueError, ValidationError) as error:
        _skipped(record.topic, record.partition, record.offset, str(error))
        return None


def _skipped(topic: str, partition: int, offset: int, reason: str) -> None:
    log.warning(
        "view record not shown: it does not match its contract",
        topic=topic,
        partition=partition,
        offset=offset,
        reason=reason[:200],
    )
