"""What a decision produces: records to publish, the reply, and where each input came from.

The functional core never talks to Kafka. It returns :class:`Emit` values (topic, key, encoded
body, headers) and the worker publishes them. Bodies are encoded here, with the contracts codec,
so that a decision stored for replay is byte-for-byte what was first sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pydantic import BaseModel

from streampay_contracts import WireModel, codec, headers
from streampay_streams.domain.account import Account

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Origin:
    """The position of the record whose processing caused an effect, and who decided it.

    Every account applies the records of one *decider* from one origin partition in offset
    order, and each exactly once: an origin at or below the account's mark for that source was
    applied. The mark is per decider, not per partition: one decider's records always arrive in
    the order it decided them (its account and outbox are stored in one write), but two
    deciders of the same partition may reach a third account in either order after a crash,
    when one's decisions were stored and re-sent and the other's are decided again.
    """

    topic: str
    partition: int
    offset: int
    decider: str = ""
    """The user whose account decided (the origin record's key); empty on old records."""

    def source(self, via: str) -> str:
        """The account's mark name for records of this origin arriving on topic ``via``."""
        by = f"<{self.decider}" if self.decider else ""
        return f"{via}<{self.topic}/{self.partition}{by}"

    def headers(self) -> dict[str, str]:
        position = {headers.ORIGIN: f"{self.topic}/{self.partition}/{self.offset}"}
        return {**position, headers.ORIGIN_BY: self.decider} if self.decider else position

    @classmethod
    def parse(cls, found: Mapping[str, str]) -> Origin | None:
        """The origin in a record's ``streampay-origin`` headers, or None when it has none."""
        topic, _, rest = found.get(headers.ORIGIN, "").rpartition("/")
        name, _, partition = topic.rpartition("/")
        if not (name and partition.isdigit() and rest.isdigit()):
            return None
        return cls(name, int(partition), int(rest), found.get(headers.ORIGIN_BY, ""))


@dataclass(frozen=True, slots=True)
class Emit:
    """One record to publish; ``body`` None is a tombstone."""

    topic: str
    key: str
    body: bytes | None
    headers: Mapping[str, str] = field(default_factory=lambda: _NO_HEADERS)
    partition: int | None = None
    """Set only for the worker's own state records; views go where their key hashes to."""

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


class ReplyAddress(WireModel):
    """Where and how the one reply to a command goes; travels with routed commands."""

    topic: str
    key: str
    correlation_id: str
    identity: str | None = None
    idempotency_key: str | None = None

    def reply(self, status: int, body: BaseModel) -> Emit:
        """The reply record: body, ``:status`` and the correlation headers copied back."""
        return self.raw_reply(status, codec.encode(body))

    def raw_reply(self, status: int, body: bytes) -> Emit:
        """A reply with an already encoded body; a problem from status 400 on."""
        content_type = headers.PROBLEM_CONTENT_TYPE if status >= 400 else headers.JSON_CONTENT_TYPE
        values = {
            headers.CORRELATION_ID: self.correlation_id,
            headers.STATUS: str(status),
            headers.CONTENT_TYPE: content_type,
        }
        if self.identity is not None:
            values[headers.IDENTITY] = self.identity
        if self.idempotency_key is not None:
            values[headers.IDEMPOTENCY_KEY] = self.idempotency_key
        return Emit(self.topic, self.key, body, MappingProxyType(values))


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one input: the account's new state (None: unchanged) and its records.

    A decision that publishes anything new always carries the new state, because the state
    records what was decided; only re-sending an earlier answer leaves the account unchanged.
    """

    account: Account | None = None
    outputs: tuple[Emit, ...] = ()
    reply: Emit | None = None

    @property
    def records(self) -> tuple[Emit, ...]:
        """Everything to publish, the reply last, so effects are visible before the answer."""
        return (*self.outputs, self.reply) if self.reply is not None else self.outputs


UNCHANGED = Decision()
"""Nothing to do: the input was applied before, and its records were already published."""
