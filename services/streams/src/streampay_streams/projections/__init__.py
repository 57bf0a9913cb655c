"""The projections: pure functions from the event log to the view topics.

Each view has its own module with a function ``(view state, event) -> view records``;
:func:`project` applies them all to one event of one account's stream, once: an event at or
below the ``seq`` already applied is a copy and changes nothing. Replaying an account's stream
from the beginning through :func:`project` rebuilds its views exactly (``make audit`` does it).
"""

from __future__ import annotations

from streampay_contracts.events import Event
from streampay_streams.projections import (
    activities,
    balances,
    payment_requests,
    sent_requests,
    statements,
)
from streampay_streams.projections.state import Projected
from streampay_streams.projections.views import ViewRecord


def project(state: Projected, event: Event) -> tuple[Projected, list[ViewRecord]]:
    """``state`` after ``event``, and the view records it produces (none for a copy)."""
    if event.seq <= state.seq:
        return state, []
    state, windows = statements.project(state.change(seq=event.seq), event)
    views = [
        *balances.project(event),
        *windows,
        *activities.project(event),
        *payment_requests.project(event),
        *sent_requests.project(event),
    ]
    return state, views
