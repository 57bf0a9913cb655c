"""``sent-requests``: every request with its current status, for the user who made it.

Keyed by the request id and replaced as the request moves on (open, then paid, declined or
cancelled); unlike ``payment-requests`` a closed request stays, with its final status, so its
requester sees how it ended on any device. Each record is marked with the requester
(``zilla:identity``), the one user it is shown to.
"""

from __future__ import annotations

from streampay_contracts import headers, topics
from streampay_contracts.events import Event, RequestClosing, RequestOpened
from streampay_streams.projections.views import ViewRecord


def project(event: Event) -> list[ViewRecord]:
    if not isinstance(event, RequestOpened | RequestClosing):
        return []
    request = event.request
    marked = {headers.IDENTITY: request.from_user_id}
    return [ViewRecord(topics.SENT_REQUESTS, request.id, request, marked)]
