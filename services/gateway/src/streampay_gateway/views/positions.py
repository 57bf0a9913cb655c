"""Event ids: where in Kafka a live view stands, written so that any gateway can resume it.

An event id lists, for each view of the stream, the next offset to read in every partition of
the view's topic: ``current-balance@0=12,1=5,2=9``; a stream carrying several views joins one
section per view with ``;`` in name order, e.g.
``activities@0=40,1=38,2=51;current-balance@0=12,1=5,2=9``.

"Next offset" means that every record of that partition before it has been accounted for in
what the client was sent, so a ``Last-Event-ID`` is resumed exactly, by any instance, from the
broker's own offsets: nothing is missed and nothing is sent twice. Ids hold no server state and
no secret; a client must treat them as opaque.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

Offsets = dict[int, int]
"""Partition → the next offset to read."""

Cursor = dict[str, Offsets]
"""View name → its offsets."""

MAX_EVENT_ID_LENGTH = 4096
_MAX_OFFSET = 2**63 - 1
_SECTION = re.compile(r"([a-z][a-z0-9-]{0,63})@(\d{1,5}=\d{1,19}(?:,\d{1,5}=\d{1,19})*)")


class InvalidEventId(ValueError):  # noqa: N818 - reads as what the client sent
    """A ``Last-Event-ID`` that is not an id of the requested stream; the message says why."""


def encode_event_id(cursor: Mapping[str, Mapping[int, int]]) -> str:
    """The event id of ``cursor``: sections sorted by view name, partitions by number."""
    return ";".join(
        f"{view}@" + ",".join(f"{p}={o}" for p, o in sorted(offsets.items()))
        for view, offsets in sorted(cursor.items())
    )


def decode_event_id(text: str, views: Collection[str]) -> Cursor:
    """The cursor in ``text``, which must name exactly ``views``; InvalidEventId otherwise."""
    if len(text) > MAX_EVENT_ID_LENGTH:
        raise InvalidEventId("Last-Event-ID is too long to be an event id of this stream")
    cursor: Cursor = {}
    for section in text.strip().split(";"):
        view, offsets = _decode_section(section)
        if view in cursor:
            raise InvalidEventId(f"Last-Event-ID names the view {view!r} twice")
        cursor[view] = offsets
    if set(cursor) != set(views):
        expected = ", ".join(sorted(views))
        raise InvalidEventId(f"Last-Event-ID is not an id of this stream (views: {expected})")
    return cursor


def _decode_section(section: str) -> tuple[str, Offsets]:
    match = _SECTION.fullmatch(section)
    if match is None:
        raise InvalidEventId("Last-Event-ID is not an event id sent by this gateway")
    offsets: Offsets = {}
    for part in match.group(2).split(","):
        partition, offset = (int(number) for number in part.split("="))
        if partition in offsets:
            raise InvalidEventId(f"Last-Event-ID names partition {partition} twice")
        if offset > _MAX_OFFSET:
            raise InvalidEventId("Last-Event-ID holds an offset beyond any Kafka offset")
        offsets[partition] = offset
    return match.group(1), offsets
