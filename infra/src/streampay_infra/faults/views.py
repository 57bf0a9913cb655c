"""Live balance views as a browser holds them: an SSE stream of `/current-balance` that, when
the connection breaks (a gateway restarts), reconnects with `Last-Event-ID` after a moment."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from decimal import Decimal

import aiohttp

from streampay_contracts import Balance, codec

RECONNECT_S = 0.5


@dataclass
class BalanceWatcher:
    """One user's `/current-balance` stream on one gateway, kept open until `close()`."""

    url: str
    token: str
    balance: Decimal | None = None
    version: int | None = None
    last_id: str | None = None
    connects: int = 0
    events: int = 0
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _ready: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def open(self, http: aiohttp.ClientSession) -> None:
        self._task = asyncio.create_task(self._run(http))

    async def ready(self, within: float) -> None:
        await asyncio.wait_for(self._ready.wait(), within)

    async def funded(self, within: float) -> None:
        """Wait until the view shows a balance (the starting grant has arrived)."""
        deadline = asyncio.get_running_loop().time() + within
        while self.balance is None:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("no balance on the live view")
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, http: aiohttp.ClientSession) -> None:
        while True:
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, ConnectionError):
                await self._stream(http)
            await asyncio.sleep(RECONNECT_S)

    async def _stream(self, http: aiohttp.ClientSession) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=60)
        async with http.get(f"{self.url}/current-balance", headers=headers, timeout=timeout) as r:
            if r.status != 200:
                return
            self.connects += 1
            event, data, event_id = "", list[str](), None
            async for raw in r.content:
                line = raw.decode().rstrip("\r\n")
                if line:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "event":
                        event = value
                    elif name == "data":
                        data.append(value)
                    elif name == "id":
                        event_id = value
                    continue
                if event_id is not None:
                    self.last_id = event_id
                if data:
                    self._dispatch(event or "message", "\n".join(data))
                event, data, event_id = "", [], None

    def _dispatch(self, event: str, data: str) -> None:
        if event == "ready":
            self._ready.set()
        elif event == "message":
            latest = codec.decode(data, Balance)
            self.balance, self.version = latest.balance, latest.version
            self.events += 1
