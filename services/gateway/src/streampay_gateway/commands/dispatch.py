"""Sending a command and getting its reply: idempotent, bounded in time, on any instance.

For each command: the correlation id and body fingerprint are computed (see
:mod:`.correlation`); a known reply is returned at once without producing again; the same key
with another body is refused (422) and the same key still being waited for in this process is
refused (409); a command already produced (by this or another instance, before a restart) is
not produced again but its reply is awaited; otherwise the command is produced, keyed by the
caller, and its reply awaited. A wait that runs out leaves the reply to be fetched later from
``/command-replies/{correlationId}``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from streampay_contracts import Command, Problem, encode, headers, topics
from streampay_gateway.commands.broker import Broker
from streampay_gateway.commands.correlation import FINGERPRINT_HEADER, correlation_id, fingerprint
from streampay_gateway.commands.follower import TopicFollower
from streampay_gateway.commands.replies import ReplyIndex, StoredReply
from streampay_gateway.commands.submitted import SubmittedIndex
from streampay_gateway.http.metrics import COMMANDS, REPLY_WAIT
from streampay_gateway.http.problems import ProblemError, unavailable


@dataclass(frozen=True, slots=True)
class Submission:
    """One HTTP command: who, on which route, what, under which key, and how long to wait."""

    identity: str
    route: str
    command: Command
    idempotency_key: str
    wait_s: float
    if_match: str | None = None
    """The ``If-Match`` value as the client sent it (already checked to be a version)."""
    if_match_version: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    correlation_id: str
    reply: StoredReply | None
    """None when the reply has not come within the wait: the command is accepted (202)."""
    replayed: bool
    """The answer is that of an earlier attempt with the same key."""


class CommandDispatcher:
    def __init__(
        self,
        broker: Broker,
        replies: ReplyIndex,
        submitted: SubmittedIndex,
        followers: tuple[TopicFollower, ...],
    ) -> None:
        self._broker = broker
        self._replies = replies
        self._submitted = submitted
        self._followers = followers
        self._waiting: set[str] = set()

    async def submit(self, submission: Submission) -> Outcome:
        cid = correlation_id(submission.identity, submission.route, submission.idempotency_key)
        body_hash = fingerprint(submission.command, submission.if_match_version)
        await self.ensure_caught_up(submission.wait_s)
        # From here to the first await, nothing else runs: check and claim are one step.
        self._refuse_conflicts(cid, body_hash)
        if (reply := self._replies.get(cid)) is not None:
            COMMANDS.labels("replayed").inc()
            return Outcome(cid, reply, replayed=True)
        already_sent = self._submitted.get(cid) is not None
        self._waiting.add(cid)
        try:
            if not already_sent:
                await self._produce(cid, body_hash, submission)
            reply = await self._await_reply(cid, submission.wait_s)
        finally:
            self._waiting.discard(cid)
        self._refuse_conflicts(cid, body_hash, waiting_ok=True)
        COMMANDS.labels("answered" if reply else "accepted").inc()
        return Outcome(cid, reply, replayed=already_sent)

    async def result(self, cid: str, identity: str, wait_s: float) -> StoredReply | None:
        """The reply to the caller's command ``cid``, waiting up to ``wait_s``; 404 if unknown."""
        await self.ensure_caught_up(wait_s)
        reply = self._replies.get(cid)
        submitted = self._submitted.get(cid)
        if reply is not None and reply.identity == identity:
            return reply
        if reply is None and submitted is not None and submitted.identity == identity:
            return await self._replies.wait(cid, wait_s)
        raise ProblemError(Problem.not_found("there is no command of yours with this id"))

    async def ensure_caught_up(self, patience_s: float) -> None:
        """503 unless this instance knows every reply and command of the window."""
        for follower in self._followers:
            if not await follower.wait_caught_up(max(patience_s, 0.5)):
                raise unavailable(f"the gateway is still reading {follower.topic}", 2)

    def _refuse_conflicts(self, cid: str, body_hash: str, *, waiting_ok: bool = False) -> None:
        first = self._submitted.get(cid)
        if first is not None and first.fingerprint not in (None, body_hash):
            COMMANDS.labels("key_reused").inc()
            raise ProblemError(
                Problem.unprocessable(
                    "this Idempotency-Key was already used with a different body; "
                    "use a new key for a new command"
                )
            )
        if cid in self._waiting and not waiting_ok:
            COMMANDS.labels("in_flight").inc()
            raise ProblemError(
                Problem.conflict("a command with this Idempotency-Key is still in progress"),
                {"Retry-After": "1"},
            )

    async def _produce(self, cid: str, body_hash: str, submission: Submission) -> None:
        record_headers = {
            headers.IDENTITY: submission.identity,
            headers.DOMAIN_MODEL: str(submission.command.domain_model),
            headers.CORRELATION_ID: cid,
            headers.REPLY_TO: topics.REPLIES,
            headers.IDEMPOTENCY_KEY: submission.idempotency_key,
            headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE,
            FINGERPRINT_HEADER: body_hash,
        }
        if submission.if_match is not None:
            record_headers[headers.IF_MATCH] = submission.if_match
        self._submitted.note(cid, submission.identity, body_hash)
        try:
            await self._broker.send(
                topics.COMMANDS, submission.identity, encode(submission.command), record_headers
            )
        except ProblemError:
            self._submitted.forget(cid)
            raise

    async def _await_reply(self, cid: str, wait_s: float) -> StoredReply | None:
        started = time.monotonic()
        reply = await self._replies.wait(cid, wait_s)
        REPLY_WAIT.labels("replied" if reply else "timed_out").observe(time.monotonic() - started)
        return reply
