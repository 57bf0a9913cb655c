"""A topic read from a moment in the past, the idempotency window, and followed from then on.

Used for ``replies``, whose records the gateway indexes raw (value bytes, headers,
timestamps) rather than as one model per topic. It is one source of the process's consumer
(see :mod:`streampay_gateway.feed`), so a restarted or additional instance rebuilds its index
from the topic and knows every reply of the window, whichever instance sent the command.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from streampay_gateway.feed import Offsets, Since, Source
from streampay_gateway.http.metrics import FOLLOWER_LAG

Handler = Callable[[Any], None]
"""Called with each aiokafka ``ConsumerRecord``, in partition order."""


class TopicFollower(Source):
    """Feeds ``handler`` with every record of ``topic`` younger than ``window_ms``."""

    def __init__(self, topic: str, window_ms: int, handler: Handler) -> None:
        super().__init__(topic)
        self._window_ms = window_ms
        self._handler = handler

    async def first_offsets(self, beginning: Offsets, end: Offsets, since: Since) -> Offsets:
        return await since(int(time.time() * 1000) - self._window_ms)

    def take(self, message: Any) -> None:
        self.positions[message.partition] = message.offset + 1
        self._handler(message)

    def lag(self, lags: Offsets) -> None:
        FOLLOWER_LAG.labels(self.topic).set(sum(lags.values()))
