"""Users: the directory of everyone who can be paid, and the caller's own profile."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from streampay_contracts import User, UserProfile, encode, headers, topics
from streampay_gateway.bodies import decode_body, read_body
from streampay_gateway.conditional import conditional_json
from streampay_gateway.deps import KafkaBroker, Prefer, Settings, UsersTable
from streampay_gateway.openapi import json_body, json_response
from streampay_gateway.problems import problem_responses
from streampay_gateway.ratelimit import Limits, client_address
from streampay_gateway.security import ReadUsers, WriteUsers

router = APIRouter(tags=["users"])

READ_YOUR_WRITE_S = 2.0


def encode_list(users: list[User]) -> bytes:
    return b"[" + b",".join(encode(user) for user in users) + b"]"


@router.get(
    "/users",
    summary="Every user",
    responses={
        200: json_response(User, "The latest profile of every user, by id", array=True),
        304: {"description": "Not modified since the `If-None-Match` entity tag"},
        **problem_responses(401, 403),
    },
)
async def users(request: Request, _: ReadUsers, table: UsersTable, prefer: Prefer) -> Response:
    """The latest value of every key of the compacted ``users`` topic, sorted by id.

    Send the ``ETag`` back as ``If-None-Match`` to get 304 when nothing changed; add
    ``Prefer: wait=N`` to wait up to N seconds for a change instead of polling.
    """

    def render() -> bytes:
        return encode_list(sorted(table.values(), key=lambda user: user.id))

    return await conditional_json(request, render, table, prefer)


@router.put(
    "/current-user",
    summary="Create or update your profile",
    status_code=204,
    openapi_extra=json_body(UserProfile),
    responses={
        204: {"description": "Saved; it is in `GET /users` of this instance on return"},
        **problem_responses(400, 401, 403, 413, 415, 429, 503),
    },
)
async def put_current_user(
    request: Request,
    principal: WriteUsers,
    settings: Settings,
    broker: KafkaBroker,
    table: UsersTable,
    limits: Limits,
) -> Response:
    """Save the caller's name and username under their own id (the token's ``sub``).

    The profile is written to ``users`` keyed by the caller; no body field can name another
    user. A user's first profile is also what grants them their starting balance, so one
    client address may create ``NEW_PROFILES_PER_HOUR`` of them an hour (429 past it).
    """
    profile = decode_body(await read_body(request, settings.max_body_bytes), UserProfile)
    if table.get(principal.user_id) is None:
        limits.new_profiles.take(client_address(request))
    user = User(id=principal.user_id, name=profile.name, username=profile.username)
    record_headers = {
        headers.IDENTITY: principal.user_id,
        headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE,
    }
    sent = await broker.send(topics.USERS, principal.user_id, encode(user), record_headers)
    await _until_applied(table, sent.partition, sent.offset)
    return Response(status_code=204)


async def _until_applied(table: UsersTable, partition: int, offset: int) -> None:
    """Wait (briefly) until this instance's table holds the write: read your own writes."""
    deadline = time.monotonic() + READ_YOUR_WRITE_S
    while table.positions.get(partition, 0) <= offset and (left := deadline - time.monotonic()) > 0:
        await table.wait_for_change(left)
