"""Recording an event in an account's stream: the next ``seq``, an id derived from its cause."""

from __future__ import annotations

from typing import Any, TypeVar

from streampay_contracts.events import EventBase, event_id
from streampay_streams.domain.account import Account

E = TypeVar("E", bound=EventBase)


def record(
    account: Account, kind: type[E], cause: str, at: int, **fields: Any
) -> tuple[Account, E]:
    """``account`` with one more event in its stream, and that event."""
    seq = account.events + 1
    name = kind.model_fields["type"].default
    event = kind(
        id=event_id(cause, name),
        user_id=account.user_id,
        seq=seq,
        at=at,
        cause=cause,
        **fields,
    )
    return account.change(events=seq), event
