"""Kafka header names of the StreamPay/Zilla wire contract, and their encoding.

The names are those the original Zilla gateway uses, so this project's gateway and Zilla are
interchangeable in front of the streams service. Only the gateway sets ``zilla:identity``,
from the verified token; it never copies the caller's ``Authorization`` header or cookies
into Kafka.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

IDENTITY = "zilla:identity"
"""The acting user's id (the JWT ``sub``)."""

DOMAIN_MODEL = "zilla:domain-model"
"""The command type, a :class:`~streampay_contracts.commands.DomainModel` value."""

CORRELATION_ID = "zilla:correlation-id"
"""Ties a reply to its command; derived from the idempotency key, identity, route and body."""

REPLY_TO = "zilla:reply-to"
"""The topic the reply is written to (``replies``)."""

IDEMPOTENCY_KEY = "idempotency-key"
"""The client's key for one intended command, so a retry is answered, not applied twice."""

STATUS = ":status"
"""The HTTP status of a reply, as decimal digits (``"200"``)."""

IF_MATCH = "if-match"
"""The balance version the command is conditional on, as the client sent it."""

CONTENT_TYPE = "content-type"

ORIGIN = "streampay-origin"
"""Internal to the streams service: ``<topic>/<partition>/<offset>`` of the record whose
processing produced this one (on credit legs and on records routed between partitions), so the
receiving account applies each one exactly once, in order."""

ORIGIN_BY = "streampay-origin-by"
"""Internal to the streams service, beside ``streampay-origin``: the user whose account decided
the record (the origin record's key). Records from one decider arrive in the order decided."""

CAUSE = "streampay-cause"
"""The correlation id of the command that caused the record, on every ledger leg, event and
view record (the events also carry it as ``cause``): a command's whole journey through the
topics can be found by it."""

_MAX_VERSION_DIGITS = 18  # fits a Kafka long; longer is garbage, not a version

JSON_CONTENT_TYPE = "application/json"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def to_kafka(headers: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """Headers as Kafka clients take them: ``(name, UTF-8 value)`` pairs."""
    return [(name, value.encode("utf-8")) for name, value in headers.items()]


def from_kafka(headers: Sequence[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """Headers of a consumed record as text; never fails on what another producer wrote.

    Invalid UTF-8 is replaced rather than raised, a null value reads as ``""``, and of
    repeated names the last one wins, as with Kafka's ``Headers.lastHeader``.
    """
    return {
        name: value.decode("utf-8", errors="replace") if value is not None else ""
        for name, value in headers or ()
    }


def format_version(version: int) -> str:
    """A balance version as an HTTP entity tag, e.g. ``"7"`` (with the quotes)."""
    return f'"{version}"'


def parse_version(tag: str) -> int:
    """The balance version in an ``If-Match`` value: ``"7"`` or the bare ``7``.

    Raises ValueError with a message fit for a 400 reply when the value is neither.
    """
    text = tag.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_VERSION_DIGITS):
        raise ValueError('If-Match must be a balance version such as "7"')
    return int(text)
