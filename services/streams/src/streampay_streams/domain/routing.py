"""A requester's cancel, routed to the payer's partition where the request is decided.

Like every :class:`Route`, it carries the origin of the record that caused it, by which the
receiving account applies it exactly once and in order.
"""

from __future__ import annotations

from streampay_contracts import CancelRequestCommand
from streampay_streams.domain.effects import Route
from streampay_streams.domain.inputs import CommandInput
from streampay_streams.domain.messages import CancelRequest


def cancel(given: CommandInput, command: CancelRequestCommand, payer: str) -> Route:
    """A requester's cancel, sent to the payer's partition where the request is decided."""
    message = CancelRequest(
        request_id=command.request_id,
        requester=given.owner,
        reply_to=given.address,
        at=given.at,
    )
    return Route(payer, message, given.origin)
