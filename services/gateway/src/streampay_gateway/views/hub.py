"""The view hub: every topic reader of the process, and the streams opened on them."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from streampay_gateway.config import GatewaySettings
from streampay_gateway.views.backfill import KafkaRangeReader, RangeReader
from streampay_gateway.views.catalog import VIEWS, Fresh, View
from streampay_gateway.views.log import TopicLog
from streampay_gateway.views.pacing import Pacer, ReplaySlot
from streampay_gateway.views.positions import Cursor, InvalidEventId
from streampay_gateway.views.reader import TopicReader
from streampay_gateway.views.stream import Timing, ViewStream
from streampay_gateway.views.subscription import Limits, open_subscription
from streampay_gateway.views.table import TopicTable


class ViewHub:
    """Reads each view topic once per process and opens client streams on what it reads.

    ``shared`` readers (the ``payment-requests`` table the JSON reads use too) are made by
    their owner; the hub makes the others. The process's one consumer feeds them all (see
    :mod:`streampay_gateway.feed`).
    """

    def __init__(
        self,
        settings: GatewaySettings,
        shared: Iterable[TopicReader] = (),
        read_range: RangeReader | None = None,
    ) -> None:
        self.settings = settings
        self.readers: dict[str, TopicReader] = {reader.topic: reader for reader in shared}
        self._owned = [self._reader_for(v) for v in VIEWS.values() if v.topic not in self.readers]
        self.readers.update((reader.topic, reader) for reader in self._owned)
        self._read_range = read_range or KafkaRangeReader(
            settings.kafka_bootstrap_servers,
            settings.views_replay_concurrency,
            settings.views_replay_stall_seconds,
        )
        self.pacer = Pacer(settings.views_replay_slices_at_once, settings.views_replays_per_user)

    def _reader_for(self, view: View) -> TopicReader:
        settings = self.settings
        if not view.is_log:
            return TopicTable[Any](view.topic, view.model)
        return TopicLog(
            view.topic,
            view.model,
            window=settings.views_window_records,
            scan=settings.views_startup_scan_records,
            key_tail=settings.views_history_per_user if view.fresh is Fresh.MY_HISTORY else 0,
        )

    def caught_up(self) -> bool:
        """Whether every reader has applied what its topic held when the gateway started."""
        return all(reader.caught_up() for reader in self.readers.values())

    def readiness(self) -> dict[str, bool]:
        """``/readyz`` checks: one per topic the hub reads itself (shared ones report alone)."""
        return {f"{reader.topic} view": reader.caught_up() for reader in self._owned}

    async def wait_caught_up(self, views: Sequence[View], seconds: float) -> bool:
        """Wait until the readers of ``views`` have caught up; False after ``seconds``."""
        waits = (self.readers[view.topic].wait_caught_up() for view in views)
        try:
            await asyncio.wait_for(asyncio.gather(*waits), seconds)
        except TimeoutError:
            return False
        return True

    async def check_resume(self, views: Sequence[View], resume: Cursor) -> None:
        """InvalidEventId when ``resume`` names a partition the topic lacks or an offset past
        its end: such a stream would wait for records that are not there and never deliver
        the ones that come. An offset past what this process has read (another instance gave
        the id) is checked against the broker's end."""
        for view in views:
            reader, offsets = self.readers[view.topic], resume[view.name]
            unknown = sorted(set(offsets) - set(reader.positions))
            if unknown:
                raise InvalidEventId(
                    f"Last-Event-ID names partition {unknown[0]} of {view.name!r}, which has "
                    f"partitions 0 to {len(reader.positions) - 1}"
                )
            if all(offset <= reader.positions[p] for p, offset in offsets.items()):
                continue
            ends = await reader.end_offsets()
            for partition, offset in sorted(offsets.items()):
                if offset > ends[partition]:
                    raise InvalidEventId(
                        f"Last-Event-ID is beyond the end of {view.name!r}: partition "
                        f"{partition} ends at {ends[partition]}, not {offset}"
                    )

    def open(
        self,
        views: Sequence[View],
        user: str,
        resume: Cursor | None,
        expires_at: float,
        *,
        multiplexed: bool,
        replay: ReplaySlot | None = None,
    ) -> ViewStream:
        """A stream of ``views`` for ``user``, from ``resume`` (admitted as ``replay``) or,
        without it, from now."""
        settings = self.settings
        limits = Limits(queue=settings.views_client_queue, recent=settings.views_recent_activities)
        pairs = [(view, self.readers[view.topic]) for view in views]
        subscribe = functools.partial(open_subscription, pairs, user, resume, limits)
        timing = Timing(
            heartbeat=settings.views_heartbeat_seconds,
            expires_at=expires_at,
            warning=settings.views_token_warning_seconds,
        )
        return ViewStream(
            subscribe,
            self._read_range,
            timing,
            multiplexed=multiplexed,
            pacer=self.pacer,
            replay=replay,
        )
