"""Sending a command and getting its reply: idempotent, bounded in time, on any instance.

For each command: the correlation id and body fingerprint are computed (see
:mod:`.correlation`); a known reply is returned at once without producing again, unless the
same key came with another body (422); the same key still being waited for in this process is
refused (409); otherwise the command is produced, keyed by the caller, with its fingerprint,
and the reply to that attempt awaited. The gateway does not read ``commands`` back: a command
whose reply is not written yet (sent before a restart, or through another instance) is simply
produced again, and the streams service, which decides each correlation id once, answers the
copy as it answered the first, or with 422 if the body differs. A wait that runs out leaves
the reply to be fetched later from ``/command-replies/{correlationId}``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from streampay_contracts import Command, Problem, encode, topics
from streampay_contracts.envelopes import CommandEnvelope
from streampay_gateway.commands.broker import Broker
from streampay_gateway.commands.correlation import correlation_id, fingerprint
from streampay_gateway.commands.follower import TopicFollower
from streampay_gateway.commands.replies import ReplyIndex, StoredReply
from streampay_gateway.commands.window import WindowedIndex, now_ms
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
        follower: TopicFollower,
        produced: WindowedIndex[str],
    ) -> None:
        self._broker = broker
        self._replies = replies
        self._follower = follower
        self._produced = produced
        """Correlation id → the caller, for the commands this process produced: what
        ``/command-replies`` can say is pending before the reply exists."""
        self._waiting: set[str] = set()

    async def submit(self, submission: Submission) -> Outcome:
        cid = correlation_id(submission.identity, submission.route, submission.idempotency_key)
        body_hash = fingerprint(submission.command, submission.if_match_version)
        await self.ensure_caught_up(submission.wait_s)
        # From here to the first await, nothing else runs: check and claim are one step.
        if (reply := self._replies.get(cid)) is not None:
            if not reply.answers(body_hash):
                COMMANDS.labels("key_reused").inc()
                raise ProblemError(Problem.key_reused())
            COMMANDS.labels("replayed").inc()
            return Outcome(cid, reply, replayed=True)
        if cid in self._waiting:
            COMMANDS.labels("in_flight").inc()
            raise ProblemError(
                Problem.conflict("a command with this Idempotency-Key is still in progress"),
                {"Retry-After": "1"},
            )
        self._waiting.add(cid)
        try:
            await self._produce(cid, body_hash, submission)
            reply = await self._await_reply(cid, body_hash, submission.wait_s)
        finally:
            self._waiting.discard(cid)
        COMMANDS.labels("answered" if reply else "accepted").inc()
        return Outcome(cid, reply, replayed=False)

    async def result(self, cid: str, identity: str, wait_s: float) -> StoredReply | None:
        """The reply to the caller's command ``cid``, waiting up to ``wait_s``; None while a
        command this process produced for the caller is unanswered; 404 otherwise.

        An id this process did not produce may be a command another instance accepted: its
        reply is awaited like any other, and it is the caller's only if it says so."""
        await self.ensure_caught_up(wait_s)
        sender = self._produced.get(cid)
        if sender is not None and sender != identity:
            raise _not_yours()
        reply = await self._replies.wait(cid, wait_s)
        if reply is None and sender is not None:
            return None
        if reply is None or reply.identity != identity:
            raise _not_yours()
        return reply

    async def ensure_caught_up(self, patience_s: float) -> None:
        """503 unless this instance knows every reply of the window."""
        if not await self._follower.wait_caught_up(max(patience_s, 0.5)):
            raise unavailable(f"the gateway is still reading {self._follower.topic}", 2)

    async def _produce(self, cid: str, body_hash: str, submission: Submission) -> None:
        envelope = CommandEnvelope(
            identity=submission.identity,
            domain_model=str(submission.command.domain_model),
            correlation_id=cid,
            reply_to=topics.REPLIES,
            idempotency_key=submission.idempotency_key,
            fingerprint=body_hash,
            if_match=submission.if_match,
        )
        await self._broker.send(
            topics.COMMANDS, submission.identity, encode(submission.command), envelope.to_headers()
        )
        self._produced.put(cid, submission.identity, now_ms())

    async def _await_reply(self, cid: str, body_hash: str, wait_s: float) -> StoredReply | None:
        started = time.monotonic()
        reply = await self._replies.wait(cid, wait_s, body_hash)
        REPLY_WAIT.labels("replied" if reply else "timed_out").observe(time.monotonic() - started)
        return reply


def _not_yours() -> ProblemError:
    return ProblemError(Problem.not_found("there is no command of yours with this id"))
