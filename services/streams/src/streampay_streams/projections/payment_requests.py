"""``payment-requests``: every open request, replaced by a tombstone once it closes.

Each record is marked with the payer asked (``zilla:identity``), as the original demo did, so a
reader can pick the requests addressed to one user without reading their bodies.
"""

from __future__ import annotations

from streampay_contracts import PaymentRequest, headers, topics
from streampay_contracts.events import Event, RequestClosing, RequestOpened
from streampay_streams.projections.views import ViewRecord


def project(event: Event) -> list[ViewRecord]:
    if isinstance(event, RequestOpened):
        return [_record(event.request)]
    if isinstance(event, RequestClosing):
        return [_record(event.request), _record(event.request, tombstone=True)]
    return []


def _record(request: PaymentRequest, tombstone: bool = False) -> ViewRecord:
    marked = {headers.IDENTITY: request.to_user_id}
    return ViewRecord(topics.PAYMENT_REQUESTS, request.id, None if tombstone else request, marked)
