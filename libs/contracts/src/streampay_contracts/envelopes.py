"""The envelopes of a command and of its reply: the Kafka headers around their bodies.

Every producer and reader of ``commands`` and ``replies`` goes through these two classes, so
the header set is written in one place: the gateway and the simulation write command
envelopes, the streams service reads them and writes reply envelopes, which the gateway and
the simulation read.

Reading never fails: a header that is missing reads as ``None`` (or ``""`` for the names a
command cannot do without), and the reader decides what that means, since the streams service
answers a malformed command with a 400 in plain words while the gateway only skips a record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from streampay_contracts import headers, topics

FINGERPRINT = "streampay:body-sha256"
"""The command body's fingerprint (see the gateway's correlation ids), copied onto its reply:
the streams service answers a second command under the same correlation id but another
fingerprint with 422, and the reply says which attempt it answers."""

KEY_REUSED_STATUS = 422
"""The status of the reply to an attempt that reused an idempotency key with another body.
Such a reply answers that attempt only: the command's own reply is the other one."""


@dataclass(frozen=True, slots=True)
class CommandEnvelope:
    """The headers of a ``commands`` record."""

    identity: str
    """The acting user (``zilla:identity``), set by the gateway from the verified token."""
    domain_model: str
    """The command type (``zilla:domain-model``)."""
    correlation_id: str
    reply_to: str = topics.REPLIES
    idempotency_key: str | None = None
    fingerprint: str | None = None
    if_match: str | None = None
    """The balance version the command is conditional on, as the client sent it."""
    content_type: str = headers.JSON_CONTENT_TYPE

    def to_headers(self) -> dict[str, str]:
        values = {
            headers.IDENTITY: self.identity,
            headers.DOMAIN_MODEL: self.domain_model,
            headers.CORRELATION_ID: self.correlation_id,
            headers.REPLY_TO: self.reply_to,
            headers.CONTENT_TYPE: self.content_type,
        }
        optional = {
            headers.IDEMPOTENCY_KEY: self.idempotency_key,
            FINGERPRINT: self.fingerprint,
            headers.IF_MATCH: self.if_match,
        }
        values.update((name, value) for name, value in optional.items() if value is not None)
        return values

    @classmethod
    def from_headers(cls, found: Mapping[str, str]) -> CommandEnvelope:
        return cls(
            identity=found.get(headers.IDENTITY, ""),
            domain_model=found.get(headers.DOMAIN_MODEL, ""),
            correlation_id=found.get(headers.CORRELATION_ID, ""),
            reply_to=found.get(headers.REPLY_TO) or topics.REPLIES,
            idempotency_key=found.get(headers.IDEMPOTENCY_KEY),
            fingerprint=found.get(FINGERPRINT) or None,
            if_match=found.get(headers.IF_MATCH),
            content_type=found.get(headers.CONTENT_TYPE) or headers.JSON_CONTENT_TYPE,
        )


@dataclass(frozen=True, slots=True)
class ReplyEnvelope:
    """The headers of a ``replies`` record: which command it answers, and how."""

    correlation_id: str
    status: int | None
    """The HTTP status (``:status``); None when the header is missing or not 200-599."""
    content_type: str = headers.JSON_CONTENT_TYPE
    identity: str | None = None
    """The user whose command this answers, copied from the command."""
    idempotency_key: str | None = None
    fingerprint: str | None = None
    """The fingerprint of the attempt answered, copied from the command."""

    @property
    def answers_attempt_only(self) -> bool:
        """Whether this reply refuses one attempt (a reused key) rather than answering the
        command its correlation id names."""
        return self.status == KEY_REUSED_STATUS

    def to_headers(self) -> dict[str, str]:
        values = {
            headers.CORRELATION_ID: self.correlation_id,
            headers.STATUS: str(self.status),
            headers.CONTENT_TYPE: self.content_type,
        }
        optional = {
            headers.IDENTITY: self.identity,
            headers.IDEMPOTENCY_KEY: self.idempotency_key,
            FINGERPRINT: self.fingerprint,
        }
        values.update((name, value) for name, value in optional.items() if value is not None)
        return values

    @classmethod
    def from_headers(cls, found: Mapping[str, str]) -> ReplyEnvelope | None:
        """The envelope; None for a record that names no command."""
        correlation_id = found.get(headers.CORRELATION_ID)
        if not correlation_id:
            return None
        text = found.get(headers.STATUS, "")
        valid = len(text) == 3 and text.isascii() and text.isdigit() and 200 <= int(text) <= 599
        return cls(
            correlation_id=correlation_id,
            status=int(text) if valid else None,
            content_type=found.get(headers.CONTENT_TYPE) or headers.JSON_CONTENT_TYPE,
            identity=found.get(headers.IDENTITY),
            idempotency_key=found.get(headers.IDEMPOTENCY_KEY),
            fingerprint=found.get(FINGERPRINT) or None,
        )
