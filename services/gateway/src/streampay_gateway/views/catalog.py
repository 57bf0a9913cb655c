"""The live views: which topic each reads, who sees which record, and what a fresh client gets.

Per-user views never show another user's records: a balance or a user's own activity line is
selected by its key, a payment request by the user asked to pay (``toUserId``, or the
``zilla:identity`` header the streams service marks it with), a sent request by its requester.

Privacy is not decided here: a private payment, a deposit or a request is never on the public
``activities`` topic at all (the projections put them on the parties' own feed only), so the
public view cannot show one whatever it selects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel

from streampay_contracts import (
    Activity,
    AverageTransactions,
    Balance,
    PaymentRequest,
    RequestStatus,
    Statement,
    TotalTransactions,
    topics,
)
from streampay_gateway.views.records import Record


class Fresh(StrEnum):
    """What a client connecting without ``Last-Event-ID`` is sent before ``ready``."""

    STATE = "state"
    """Every current value it may see (compacted topics)."""
    RECENT = "recent"
    """The most recent records of the feed, not its whole history."""
    MY_HISTORY = "my-history"
    """The caller's own most recent records, up to a cap."""


@dataclass(frozen=True, slots=True)
class View:
    name: str
    topic: str
    model: type[BaseModel]
    scope: str
    fresh: Fresh
    selects: Callable[[Record, str], bool]
    """Whether ``user`` may see the record (tombstones carry their last value's model)."""
    is_open: Callable[[Record], bool] = lambda record: not record.is_tombstone
    """Data event when true; ``delete`` event (the key left the view) when false."""

    @property
    def is_log(self) -> bool:
        return self.fresh is not Fresh.STATE


def _everyone(record: Record, user: str) -> bool:
    return True


def _my_key(record: Record, user: str) -> bool:
    return record.key == user


def _asked_to_pay(record: Record, user: str) -> bool:
    request = record.model
    to_me = isinstance(request, PaymentRequest) and request.to_user_id == user
    return to_me or record.identity == user


def _i_asked(record: Record, user: str) -> bool:
    request = record.model
    return isinstance(request, PaymentRequest) and request.from_user_id == user


def _my_statement(record: Record, user: str) -> bool:
    statement = record.model
    return isinstance(statement, Statement) and statement.user_id == user


def _pending(record: Record) -> bool:
    request = record.model
    return (
        not record.is_tombstone
        and isinstance(request, PaymentRequest)
        and request.status is RequestStatus.PENDING
    )


_VIEWS = (
    View("activities", topics.ACTIVITIES, Activity, "read:activities", Fresh.RECENT, _everyone),
    View(
        "payment-requests",
        topics.PAYMENT_REQUESTS,
        PaymentRequest,
        "read:payment-requests",
        Fresh.STATE,
        _asked_to_pay,
        _pending,
    ),
    View(
        "my-activities",
        topics.USER_ACTIVITIES,
        Activity,
        "read:activities",
        Fresh.MY_HISTORY,
        _my_key,
    ),
    View(
        "sent-requests",
        topics.SENT_REQUESTS,
        PaymentRequest,
        "read:payment-requests",
        Fresh.STATE,
        _i_asked,
    ),
    View("current-balance", topics.BALANCES, Balance, "read:balances", Fresh.STATE, _my_key),
    View(
        "balance-histories",
        topics.BALANCE_HISTORIES,
        Balance,
        "read:balances",
        Fresh.MY_HISTORY,
        _my_key,
    ),
    View(
        "statements",
        topics.STATEMENTS,
        Statement,
        "read:balances",
        Fresh.STATE,
        _my_statement,
    ),
    View(
        "total-transactions",
        topics.TOTAL_TRANSACTIONS,
        TotalTransactions,
        "read:balances",
        Fresh.STATE,
        _everyone,
    ),
    View(
        "average-transactions",
        topics.AVERAGE_TRANSACTIONS,
        AverageTransactions,
        "read:balances",
        Fresh.STATE,
        _everyone,
    ),
)

VIEWS: Mapping[str, View] = MappingProxyType({view.name: view for view in _VIEWS})
"""Every live view by name; the name is its path and its event name on ``/streams``."""
