"""The System section's API: topics, consumer groups, a topic's records, a command's trace.

Every route but the trace needs the scope ``read:system`` (403 without it). The trace answers
the command's sender with ordinary scopes, and anyone with ``read:system``; for anyone else
the command does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from streampay_contracts import dumps
from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_gateway.auth.security import Authenticated, ReadSystem, StreamReadSystem
from streampay_gateway.deps import System
from streampay_gateway.http.openapi import json_response, schema_ref
from streampay_gateway.http.problems import problem_responses
from streampay_gateway.routes.command_replies import CorrelationId
from streampay_gateway.system.models import Groups, TopicRecord, Topics, Trace
from streampay_gateway.system.records import RecordFilter
from streampay_gateway.views.sse import EventStream

router = APIRouter(prefix="/system", tags=["system"])

TopicName = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9._-]{1,249}$", description="A topic's name, e.g. `commands`")
]
_NO_STORE = {"Cache-Control": "no-store"}


def _json(body: Topics | Groups | Trace) -> Response:
    return Response(dumps(body.model_dump()), media_type=JSON_CONTENT_TYPE, headers=_NO_STORE)


@router.get(
    "/topics",
    summary="Every topic, its partitions, offsets and readers",
    responses={200: json_response(Topics, "The topics now"), **problem_responses(401, 403, 503)},
)
async def topics(principal: ReadSystem, system: System) -> Response:
    """Each topic with its partitions (start and end offsets, records held), cleanup and
    retention, and the consumer groups reading it with their lag per partition. Taken at most
    once a second however many ask: call it again to follow the offsets."""
    return _json((await system.cluster.snapshot()).topics)


@router.get(
    "/groups",
    summary="Every consumer group, its members and lag",
    responses={200: json_response(Groups, "The groups now"), **problem_responses(401, 403, 503)},
)
async def groups(principal: ReadSystem, system: System) -> Response:
    """Each consumer group: its state, members, and lag per topic and partition."""
    return _json((await system.cluster.snapshot()).groups)


@router.get(
    "/topics/{name}/records",
    summary="A topic's records: the newest, then live",
    response_class=EventStream,
    responses={
        200: {
            "description": "A `text/event-stream`: `event: record` for each record (data: a "
            "`TopicRecord`), newest first, then `event: ready`, then each new record as it is "
            "written. The stream ends after `SYSTEM_STREAM_SECONDS` or when the token expires.",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "x-event-data": {"record": schema_ref(TopicRecord)},
                }
            },
        },
        **problem_responses(400, 401, 403, 404, 429, 503),
    },
)
async def records(
    name: TopicName,
    principal: StreamReadSystem,
    system: System,
    key: Annotated[
        str | None, Query(max_length=1000, description="Only records with this key")
    ] = None,
    header: Annotated[
        str | None, Query(max_length=1000, description="Only records with a header of this value")
    ] = None,
    start: Annotated[
        Literal["end", "beginning"],
        Query(
            alias="from",
            description="`end`: the newest `limit` records, newest first; `beginning`: every "
            "record from the start, oldest first",
        ),
    ] = "end",
    limit: Annotated[int, Query(ge=1, le=1000, description="Records on the first page")] = 100,
) -> EventStream:
    """A topic's records with partition, offset, time, key, headers and value (JSON indented),
    optionally only those with a key or a header value. One user may have two readers open."""
    reader, release = await system.reader(principal, name, RecordFilter(key, header), start, limit)
    return EventStream(reader.events(), send_timeout=10, on_close=release)


@router.get(
    "/commands/{correlationId}",
    summary="A command's trace: every record it caused",
    responses={
        200: json_response(Trace, "The command's journey through the topics, in order"),
        **problem_responses(400, 401, 403, 404, 429, 503),
    },
)
async def command_trace(
    correlation_id: CorrelationId, principal: Authenticated, system: System
) -> Response:
    """The command on `commands`, its ledger legs, events and reply, and every view record it
    caused, each with its topic, partition, offset and time since the command. Your own
    commands with any token; anyone's with `read:system` (other users' records show their
    place and time only, unless you have it)."""
    return _json(await system.trace(correlation_id, principal))
