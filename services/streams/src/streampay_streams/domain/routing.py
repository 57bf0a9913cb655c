"""Records to another user's partition, on the worker's internal requests topic.

Each carries the position of the record that caused it (``streampay-origin``), by which the
receiving account applies it exactly once and in order.
"""

from __future__ import annotations

from streampay_contracts import CancelRequestCommand
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import Emit, Origin
from streampay_streams.domain.inputs import CommandInput
from streampay_streams.domain.messages import CancelRequest, OpenRequest, RequestClosed, Routed


def routed(
    ctx: Context, owner: str, message: OpenRequest | CancelRequest | RequestClosed, origin: Origin
) -> Emit:
    """``message`` to ``owner``'s partition, marked with the ``origin`` that caused it."""
    return Emit.of(
        ctx.policy.requests_topic,
        owner,
        Routed(message=message),
        origin.headers(),
    )


def cancel(given: CommandInput, command: CancelRequestCommand, payer: str, ctx: Context) -> Emit:
    """A requester's cancel, sent to the payer's partition where the request is decided."""
    message = CancelRequest(
        request_id=command.request_id,
        requester=given.owner,
        reply_to=given.address,
        at=given.at,
    )
    return routed(ctx, payer, message, given.origin)
