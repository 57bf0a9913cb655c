"""Conditional JSON reads: ``ETag``, ``If-None-Match`` → 304, and ``Prefer: wait=N`` long-poll.

The entity tag is a hash of the body itself, so every instance gives the same tag for the same
content and a client may switch instances freely. With ``If-None-Match`` matching and
``Prefer: wait=N``, the answer is held until the content changes or N seconds pass (then 304):
a client polls cheaply without missing a change.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Protocol

from fastapi import Request, Response

from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_gateway.commands.prefer import Preferences


class Changes(Protocol):
    async def wait_for_change(self, seconds: float, /) -> bool: ...


def etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


async def conditional_json(
    request: Request, render: Callable[[], bytes], changes: Changes, prefer: Preferences
) -> Response:
    """``render()`` as JSON with its ETag, or 304 when the client already has it."""
    if_none_match = request.headers.get("if-none-match")
    body = render()
    deadline = time.monotonic() + (prefer.wait_s or 0)
    while none_match(if_none_match, etag_of(body)) and (left := deadline - time.monotonic()) > 0:
        await changes.wait_for_change(left)
        body = render()
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if prefer.wait_s is not None:
        headers["Preference-Applied"] = f"wait={prefer.wait_s:g}"
    if none_match(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON_CONTENT_TYPE, headers=headers)
