"""How a command's outcome is answered over HTTP.

A reply is answered with its own status, content type and body, byte for byte as the streams
service wrote it. A command whose reply has not come yet is answered ``202 Accepted`` with the
``Location`` of ``/command-replies/{correlationId}``, where the reply can be fetched once it
exists, from any instance.
"""

from __future__ import annotations

from fastapi import Response

from streampay_contracts import WireModel, encode
from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_gateway.commands.prefer import Preferences
from streampay_gateway.commands.replies import StoredReply

REPLAYED_HEADER = "Idempotent-Replayed"


class Accepted(WireModel):
    """202: the command is accepted; its reply will be at ``location``."""

    correlation_id: str
    location: str
    """Where the reply will be; GET it (with ``Prefer: wait=N`` to wait for it)."""


def reply_location(correlation_id: str) -> str:
    return f"/command-replies/{correlation_id}"


def reply_response(reply: StoredReply, correlation_id: str, *, replayed: bool = False) -> Response:
    """The reply as the HTTP answer: the streams service's status and body."""
    headers = {"Content-Location": reply_location(correlation_id)}
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(
        reply.body, status_code=reply.status, media_type=reply.content_type, headers=headers
    )


def accepted_response(correlation_id: str, prefer: Preferences | None = None) -> Response:
    """202 with the ``Location`` of the reply to come."""
    location = reply_location(correlation_id)
    headers = {"Location": location, "Retry-After": "1"}
    if prefer is not None and (applied := prefer.applied()):
        headers["Preference-Applied"] = applied
    body = encode(Accepted(correlation_id=correlation_id, location=location))
    return Response(body, status_code=202, media_type=JSON_CONTENT_TYPE, headers=headers)
