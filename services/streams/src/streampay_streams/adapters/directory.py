"""The user directory: every profile on ``users``, kept in memory by every worker.

Any partition must be able to tell whether a payee exists and what a user is called, whoever's
partition that user is in. Faust's GlobalTable would do this, but it has open defects with
several workers (workers that never finish recovery or miss updates, faust issues #716 and
faust-streaming #212), and it would copy ``users`` into a changelog although ``users`` is already
compacted and keyed by user id. So each worker reads ``users`` itself, without a consumer group,
from the beginning, and decides nothing until it has caught up with the end it saw at start.
A user unknown at decision time is looked up again after catching up with the current end, so
that a profile written a moment before a payment to that user is never missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog

from streampay_contracts import User, codec, topics
from streampay_contracts.reading import TopicReader

log = structlog.get_logger(__name__)


class UserDirectory:
    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._users: dict[str, User] = {}
        self._holders: dict[str, str] = {}
        self._reader: TopicReader | None = None
        self._progress = asyncio.Event()
        self.ready = asyncio.Event()

    def get(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def holder_of(self, username: str) -> str | None:
        return self._holders.get(username)

    def __len__(self) -> int:
        return len(self._users)

    async def run(self) -> None:
        """Follow ``users`` until cancelled; ``ready`` is set once caught up with the start."""
        reader = TopicReader(self._bootstrap_servers, topics.USERS, patience_s=None)
        async with reader:
            await reader.start()
            self._reader = reader
            try:
                while True:
                    for record in await reader.fetch(timeout_ms=200):
                        self._apply(record.key, record.value)
                    self._progress.set()
                    if not self.ready.is_set() and reader.reached():
                        log.info("user directory caught up", users=len(self._users))
                        self.ready.set()
            finally:
                self._reader = None

    async def catch_up(self, timeout_s: float = 5.0) -> None:
        """Wait until every profile written before now has been read (or ``timeout_s``)."""
        reader = self._reader
        if reader is None:
            return
        deadline = time.monotonic() + timeout_s
        try:  # the reader retries a broker that does not answer; a decision waits this long
            target = await asyncio.wait_for(reader.end_offsets(), timeout_s)
        except TimeoutError:
            return
        while not reader.reached(target) and time.monotonic() < deadline:
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), deadline - time.monotonic())

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        user_id = (key or b"").decode("utf-8", errors="replace")
        if value is None:
            self._forget(user_id)
            return
        try:
            user = codec.decode(value, User)
        except ValueError as error:
            log.warning("unreadable profile on users", key=user_id, error=str(error))
            return
        if user.id == user_id:
            self._forget(user_id)
            self._users[user_id] = user
            self._holders[user.username] = user_id

    def _forget(self, user_id: str) -> None:
        old = self._users.pop(user_id, None)
        if old is not None and self._holders.get(old.username) == user_id:
            del self._holders[old.username]
