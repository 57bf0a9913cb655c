"""``balances`` and ``balance-histories``: the balance after every event that changed it."""

from __future__ import annotations

from streampay_contracts import Balance, topics
from streampay_contracts.events import Event, Posted
from streampay_streams.projections.views import ViewRecord


def project(event: Event) -> list[ViewRecord]:
    if not isinstance(event, Posted):
        return []
    balance = Balance(balance=event.balance, timestamp=event.at, version=event.version)
    return [
        ViewRecord(topics.BALANCES, event.user_id, balance),
        ViewRecord(topics.BALANCE_HISTORIES, event.user_id, balance),
    ]
