"""Reading any record the accounts agent consumes into an input of the functional core.

The agent reads four topics, all keyed by the user whose account the record concerns:
``commands``, ``transactions`` (credit legs of transfers are applied to the payee), ``users``
(a first profile brings the signup grant) and the internal requests topic.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from streampay_contracts import Transaction, TransactionKind, User, codec, topics
from streampay_streams.adapters.commands import read_command
from streampay_streams.adapters.records import Malformed, RawRecord, Skipped, parse_origin
from streampay_streams.domain.inputs import CreditInput, Input, RoutedInput, SignupInput
from streampay_streams.domain.messages import Routed

Read = Input | Malformed | Skipped


@dataclass(frozen=True, slots=True)
class Reader:
    requests_topic: str
    reply_topics: Collection[str] = (topics.REPLIES,)

    def read(self, raw: RawRecord) -> Read:
        try:
            if raw.topic == topics.COMMANDS:
                return read_command(raw, self.reply_topics)
            if raw.topic == topics.TRANSACTIONS:
                return _credit(raw)
            if raw.topic == topics.USERS:
                return _signup(raw)
            if raw.topic == self.requests_topic:
                return _routed(raw)
        except ValueError as error:
            return Skipped(f"unreadable record: {error}")
        return Skipped(f"no reader for topic {raw.topic}")


def _credit(raw: RawRecord) -> CreditInput | Skipped:
    """Only the credit leg of a transfer is applied here; debits and deposits were applied
    when they were decided, in their owner's partition."""
    leg = codec.decode(raw.value or b"", Transaction)
    if leg.kind is not TransactionKind.TRANSFER or leg.amount < 0:
        return Skipped()
    if raw.text_key != leg.owner_id:
        return Skipped(f"credit leg {leg.id} is keyed by {raw.text_key}, not its owner")
    origin = parse_origin(raw.headers)
    if origin is None:
        return Skipped(f"credit leg {leg.id} has no origin, so it cannot be applied exactly once")
    return CreditInput(owner=leg.owner_id, leg=leg, origin=origin)


def _signup(raw: RawRecord) -> SignupInput | Skipped:
    if raw.value is None:
        return Skipped()
    user = codec.decode(raw.value, User)
    if raw.text_key != user.id:
        return Skipped(f"profile of {user.id} is keyed by {raw.text_key}")
    return SignupInput(owner=user.id, user=user, at=raw.moment)


def _routed(raw: RawRecord) -> RoutedInput | Skipped:
    routed = codec.decode(raw.value or b"", Routed)
    origin = parse_origin(raw.headers)
    if origin is None:
        return Skipped("a routed record without origin cannot be applied exactly once")
    return RoutedInput(
        owner=raw.text_key, message=routed.message, origin=origin, position=raw.origin
    )
