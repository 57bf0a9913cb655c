"""What a decision produces: the account's new state, its events, and the reply.

The functional core never talks to Kafka and names no topic, header or encoding. A decision
returns typed values; the worker's adapters (``adapters/outputs.py``) turn them into records:

- **events** (:mod:`streampay_contracts.events`): the facts recorded in the account's stream on
  the event log, from which the projections build every view;
- **legs**: the ledger entries, the money events, one per account a movement of money changes;
  a credit leg goes to the payee's partition, which applies it;
- **routed** messages: a payment request's or a username's business carried to the partition
  where it is decided;
- the owner's **profile** for the user directory, when it changed;
- the **reply** to the command, once its events are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from streampay_contracts import Transaction, User
from streampay_contracts.events import EventBase
from streampay_streams.domain.account import Account
from streampay_streams.domain.messages import Message, ReplyAddress


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


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a command: a status and a body (a problem from status 400 on).

    ``body`` is a reply model, or the body of an earlier answer as it was remembered (the text
    first sent, so the same bytes on the wire).
    """

    address: ReplyAddress
    status: int
    body: BaseModel | str


@dataclass(frozen=True, slots=True)
class Leg:
    """A ledger entry to record; a credit leg carries the origin its payee applies it by."""

    entry: Transaction
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A message to ``owner``'s account, applied there once by the ``origin`` that caused it."""

    owner: str
    message: Message
    origin: Origin


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one input: the account's new state (None: unchanged) and its effects.

    A decision that records anything new always carries the new state, because the state
    records what was decided; only repeating an earlier answer leaves the account unchanged.
    """

    account: Account | None = None
    events: tuple[EventBase, ...] = ()
    legs: tuple[Leg, ...] = ()
    routed: tuple[Route, ...] = ()
    reply: Reply | None = None
    profile: User | None = None
    """The owner's profile as the user directory (``users``) should now show it."""

    @property
    def anything(self) -> bool:
        """Whether the decision has an effect beyond the account's state."""
        return bool(self.events or self.legs or self.routed or self.reply or self.profile)


UNCHANGED = Decision()
"""Nothing to do: the input was applied before, and its effects were already published."""
