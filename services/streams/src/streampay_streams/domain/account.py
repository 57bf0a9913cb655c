"""One user's account: the state every decision about that user reads and replaces.

An account lives in the partition of its user id and is only ever changed while a record keyed
by that id is processed, so all decisions about it are serialised. Besides the balance it holds
what makes decisions exactly-once: the marks of the inputs already applied, and the answers to
recent commands so that a command delivered again gets the same answer and changes nothing.
Every collection in it is bounded, so the record stays small enough to rewrite on each change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Self, TypeVar

from pydantic import BaseModel, Field, SerializeAsAny

from streampay_contracts import PaymentRequest, RequestStatus, WireModel
from streampay_contracts.fields import Count, EpochMillis, UserId
from streampay_contracts.money import Money

ZERO = Decimal("0.00")
MARKS_LIMIT = 1024

V = TypeVar("V")


class Answered(WireModel):
    """What a recent command got: its reply, or the partition it was routed to."""

    at: EpochMillis
    status: int = 0
    body: SerializeAsAny[BaseModel] | str = ""
    """The reply's body: the model decided, which the worker stores as the text it sent."""
    routed_to: UserId | None = None
    """The payer whose partition decides this command; the reply comes from there."""
    fingerprint: str | None = None
    """What the command asked for (its body's hash), to tell a copy from a reused key."""


class Account(WireModel):
    """The write model's state of one user."""

    user_id: UserId
    balance: Money = ZERO
    version: Count = 0
    """How many times the balance changed; what ``If-Match`` compares with."""
    granted: bool = False
    """Whether the signup grant was deposited (it never is twice)."""
    open_requests: dict[str, PaymentRequest] = Field(default_factory=dict)
    """Pending requests addressed to this user, by id."""
    closed_requests: dict[str, RequestStatus] = Field(default_factory=dict)
    """Recently closed requests addressed to this user, to say why one cannot be paid."""
    sent_requests: dict[str, UserId] = Field(default_factory=dict)
    """This user's pending requests: id to the payer asked, where a cancel is decided."""
    sent_closed: dict[str, RequestStatus] = Field(default_factory=dict)
    """This user's recently closed requests."""
    recent: dict[str, Answered] = Field(default_factory=dict)
    """Recent commands by correlation id, oldest first."""
    marks: dict[str, int] = Field(default_factory=dict)
    """Per source partition, the offset of the last input applied (see ``Origin``)."""
    events: Count = 0
    """How many events this account's stream holds: the last event's ``seq``."""
    name: str = ""
    """The owner's name, as last saved through a profile command."""
    username: str | None = None
    """The username the owner holds; for a username's registry entry, see ``holder``."""
    holder: UserId | None = None
    """On a username's registry entry (``system|username:<name>``): who holds it."""
    payments: Count = 0
    """Transfers this user has made, and their sum: this user's share of the global totals."""
    paid: Money = ZERO

    @classmethod
    def new(cls, user_id: str) -> Self:
        return cls(user_id=user_id)

    def change(self, **fields: object) -> Self:
        """A copy with ``fields`` replaced; callers pass fresh dicts, never mutate ours."""
        return self.model_copy(update=fields)

    def applied(self, source: str, offset: int) -> bool:
        """Whether the input at ``offset`` of ``source`` (or a later one) was applied."""
        return self.marks.get(source, -1) >= offset

    def marked(self, source: str, offset: int) -> Self:
        """Record the input as applied; the least recently moved marks beyond ``MARKS_LIMIT``
        are forgotten (a copy arrives within seconds of its first delivery, not after a
        thousand other deciders have reached this account)."""
        marks = {name: at for name, at in self.marks.items() if name != source}
        marks[source] = offset
        return self.change(marks=bounded(marks, MARKS_LIMIT))


def bounded(entries: dict[str, V], limit: int) -> dict[str, V]:
    """The newest ``limit`` entries of an insertion-ordered dict."""
    if len(entries) <= limit:
        return entries
    return dict(list(entries.items())[len(entries) - limit :])


def remember(
    account: Account, correlation_id: str, answer: Answered, limit: int, ttl_ms: int
) -> Account:
    """Record a command's answer; forget answers older than the idempotency window or beyond
    the ``limit`` most recent, since a retry after that is treated as a new command."""
    horizon = answer.at - ttl_ms
    recent = {cid: old for cid, old in account.recent.items() if old.at >= horizon}
    recent[correlation_id] = answer
    return account.change(recent=bounded(recent, limit))
