"""The System section's one component per gateway: snapshots, topic readers and traces."""

from __future__ import annotations

import asyncio
import time

from streampay_contracts import Problem
from streampay_gateway.auth.security import SYSTEM_SCOPE, Principal
from streampay_gateway.commands.replies import ReplyIndex
from streampay_gateway.commands.window import now_ms
from streampay_gateway.config import GatewaySettings
from streampay_gateway.http.problems import ProblemError, unavailable
from streampay_gateway.system.cluster import Cluster
from streampay_gateway.system.limits import ReaderSlots, Release
from streampay_gateway.system.models import Trace
from streampay_gateway.system.records import RecordFilter, RecordReader, Start
from streampay_gateway.system.trace import EARLIER_MS, assemble, find_caused


class SystemSection:
    def __init__(self, settings: GatewaySettings, replies: ReplyIndex) -> None:
        self._settings = settings
        self._replies = replies
        self.cluster = Cluster(settings.kafka_bootstrap_servers, settings.system_timeout_seconds)
        self.slots = ReaderSlots(settings.system_readers, settings.system_readers_per_user)
        self._closing: set[asyncio.Task[None]] = set()

    async def stop(self) -> None:
        await self.cluster.stop()
        await asyncio.gather(*self._closing, return_exceptions=True)

    async def reader(
        self, principal: Principal, topic: str, wanted: RecordFilter, start: Start, limit: int
    ) -> tuple[RecordReader, Release]:
        """An open reader of ``topic`` (404: no such topic), and what ends it: call that once
        the response is over, whether or not the reader was ever read."""
        release = self.slots.take(principal.user_id)
        settings = self._settings
        reader = RecordReader(
            settings.kafka_bootstrap_servers,
            topic,
            wanted,
            start,
            min(limit, settings.system_records_per_page),
            settings.system_scan_records,
            # a stream ends when its token expires, like the live views
            min(settings.system_stream_seconds, principal.expires_at - time.time()),
        )
        try:
            async with asyncio.timeout(settings.system_timeout_seconds):
                await reader.open()
        except LookupError:
            release()
            raise ProblemError(Problem.not_found(f"there is no topic {topic!r}")) from None
        except Exception:
            release()
            raise unavailable("the broker did not answer; try again shortly", 2) from None

        def finish() -> None:
            release()
            closing = asyncio.create_task(reader.close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

        return reader, finish

    async def trace(self, correlation_id: str, principal: Principal) -> Trace:
        """The command's journey; 404 unless the caller sent it or may read the system.

        The command is found by its reply (the replies index knows who sent it and when it was
        answered), so a command is traced once answered, within the idempotency window."""
        everyone = SYSTEM_SCOPE in principal.scopes
        stamped = self._replies.stamped(correlation_id)
        if stamped is None or not (everyone or stamped[1].identity == principal.user_id):
            raise ProblemError(
                Problem.not_found("no answered command of yours has this id in the window")
            )
        answered_at = stamped[0]
        until = answered_at + int(self._settings.system_trace_seconds * 1000)
        searched_until = min(until, now_ms())
        with self.slots.held(principal.user_id):
            try:
                async with asyncio.timeout(self._settings.system_timeout_seconds):
                    records = await find_caused(
                        self._settings.kafka_bootstrap_servers,
                        correlation_id,
                        answered_at - EARLIER_MS,
                        until,
                        self._settings.system_scan_records,
                    )
            except Exception:
                raise unavailable("the broker did not answer; try again shortly", 2) from None
        viewer = None if everyone else principal.user_id
        return assemble(correlation_id, answered_at, searched_until, records, viewer)
