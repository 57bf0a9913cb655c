"""Profiles: a user's name and username, and the rule that a username is one user's alone.

A username is decided in a partition of its own: its registry entry, an account keyed
``system|username:<username>``, records who holds it, and every claim of it is decided there
one after the other. Changing one's profile is therefore three steps, each in the partition
that owns the state it changes:

1. the owner's partition checks the name and sends the claim to the username's entry;
2. the entry grants it when nobody else holds it (409 otherwise, answered from there);
3. the owner's partition saves the profile (the ``users`` record and ``ProfileChanged``),
   releases the username it held before, and answers 200.

A name may not pass for one of StreamPay's own accounts ("StreamPay Bank"). A username the user
already holds needs no claim. A profile written to ``users`` by other means (older releases,
tools) counts as holding its username, so nobody can take it from its user either.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import cast

from streampay_contracts import Problem, User, UserProfile
from streampay_contracts.events import ProfileChanged
from streampay_streams.domain import answers
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import BANK_NAME, Context
from streampay_streams.domain.effects import Decision, Origin, Reply, Route
from streampay_streams.domain.inputs import CommandInput
from streampay_streams.domain.messages import ClaimUsername, ReleaseUsername, UsernameGranted
from streampay_streams.domain.record import record

REGISTRY_PREFIX = "system|username:"
RESERVED_NAMES = frozenset({BANK_NAME})
"""Names of StreamPay's own accounts, which no user may take (compared loosely)."""


def registry(username: str) -> str:
    """The key of a username's registry entry, and so the partition that decides it."""
    return f"{REGISTRY_PREFIX}{username}"


def change(account: Account, given: CommandInput, ctx: Context) -> Decision:
    """In the owner's partition: check the name; save at once, or claim the username first."""
    command = cast(UserProfile, given.command)
    if _loose(command.name) in {_loose(name) for name in RESERVED_NAMES}:
        problem = Problem.bad_request(f"The name {command.name!r} is reserved for StreamPay")
        return answers.refuse(account, given, problem, ctx)
    if account.username == command.username:
        granted = UsernameGranted(
            username=command.username, name=command.name, reply_to=given.address, at=given.at
        )
        return save(account, granted, given.origin, ctx, given)
    claim = ClaimUsername(
        username=command.username,
        name=command.name,
        owner=account.user_id,
        reply_to=given.address,
        at=given.at,
    )
    entry = registry(command.username)
    return answers.route(account, given, entry, Route(entry, claim, given.origin), ctx)


def claim(entry: Account, message: ClaimUsername, origin: Origin, ctx: Context) -> Decision:
    """In the username's partition: grant it unless another user holds it."""
    holder = entry.holder or ctx.directory.holder_of(message.username)
    if holder not in (None, message.owner):
        taken = Problem.conflict(f"The username {message.username} is taken; choose another")
        return Decision(entry, reply=Reply(message.reply_to, taken.status, taken))
    granted = UsernameGranted(
        username=message.username, name=message.name, reply_to=message.reply_to, at=message.at
    )
    held = entry.change(holder=message.owner)
    return Decision(held, routed=(Route(message.owner, granted, origin),))


def release(entry: Account, message: ReleaseUsername) -> Account:
    """In the username's partition: free it, if ``owner`` still holds it."""
    return entry.change(holder=None) if entry.holder == message.owner else entry


def save(
    account: Account,
    granted: UsernameGranted,
    origin: Origin,
    ctx: Context,
    given: CommandInput | None = None,
) -> Decision:
    """In the owner's partition: the profile is theirs; record it and answer the command
    (``given``, when decided here at once, is remembered like any command's answer)."""
    previous = account.username
    user = User(id=account.user_id, name=granted.name, username=granted.username)
    saved, event = record(
        account.change(name=granted.name, username=granted.username),
        ProfileChanged,
        granted.reply_to.correlation_id,
        granted.at,
        name=granted.name,
        username=granted.username,
        previous_username=previous if previous != granted.username else None,
    )
    freed: tuple[Route, ...] = ()
    if previous is not None and previous != granted.username:
        release_it = ReleaseUsername(username=previous, owner=account.user_id)
        freed = (Route(registry(previous), release_it, origin),)
    if given is not None:
        decision = answers.answer(saved, given, 200, user, ctx, events=(event,), routed=freed)
    else:
        reply = Reply(granted.reply_to, 200, user)
        decision = Decision(saved, events=(event,), routed=freed, reply=reply)
    return replace(decision, profile=user)


def _loose(name: str) -> str:
    """A name as it reads: compatibility forms folded, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
