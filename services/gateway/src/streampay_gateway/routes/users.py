"""Users: the directory of everyone who can be paid, and the caller's own profile."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from streampay_contracts import User, UserProfile, encode
from streampay_gateway.auth.ratelimit import Limits, client_address
from streampay_gateway.auth.security import ReadUsers, WriteUsers
from streampay_gateway.commands.outcomes import Accepted
from streampay_gateway.deps import Prefer, UsersTable
from streampay_gateway.http.bodies import decode_body, read_body
from streampay_gateway.http.conditional import conditional_json
from streampay_gateway.http.openapi import json_body, json_response
from streampay_gateway.http.problems import problem_responses
from streampay_gateway.routes.commands import Sender

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
        202: json_response(Accepted, "Accepted; the reply will be at `Location`"),
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    },
)
async def put_current_user(
    request: Request, principal: WriteUsers, sender: Sender, table: UsersTable, limits: Limits
) -> Response:
    """Save the caller's name and username under their own id (the token's ``sub``).

    The profile is a command the streams service decides, like a payment: a username belongs
    to one user at a time (409 when another holds it), and a name may not pass for StreamPay's
    own accounts (400). No body field can name another user. A user's first profile also
    grants them their starting balance, so one client address may create
    ``NEW_PROFILES_PER_HOUR`` of them an hour (429 past it).
    """
    profile = decode_body(await read_body(request, sender.body_limit), UserProfile)
    if table.get(principal.user_id) is None:
        limits.new_profiles.take(client_address(request))
    answer = await sender.send(principal, "PUT /current-user", profile)
    if answer.status_code != 200:
        return answer
    saved = User(id=principal.user_id, name=profile.name, username=profile.username)
    await _until_shown(table, saved)
    return Response(
        status_code=204, headers={"Content-Location": answer.headers["Content-Location"]}
    )


async def _until_shown(table: UsersTable, saved: User) -> None:
    """Wait (briefly) until this instance's table shows the profile: read your own writes."""
    deadline = time.monotonic() + READ_YOUR_WRITE_S
    while table.value(saved.id) != saved and (left := deadline - time.monotonic()) > 0:
        await table.wait_for_change(left)
