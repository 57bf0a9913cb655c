"""A stack of several gateways and streams workers, and the faults injected into it.

The blocking `Stack` calls run in a thread, so the load and the live views keep going while a
process is killed, restarted or joins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from streampay_infra.stack import Stack, StackConfig, free_port, scratch_config


def cluster_config(folder: Path, say: Callable[[str], None] | None = None) -> StackConfig:
    """A stack on free loopback ports in `folder`; workers notice a killed peer within 6 s."""
    return scratch_config(folder, say, env={"STREAMS_SESSION_TIMEOUT_MS": "6000"})


@dataclass
class Cluster:
    """The broker, streams workers (`streams`, `streams-2`, ...), the projector and gateways
    (`gateway`, `gateway-2`, ...) of one stack; every gateway shares the signing key (one data
    dir)."""

    stack: Stack
    gateway_ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.gateway_ports.setdefault("gateway", self.stack.config.gateway_port)

    @property
    def bootstrap(self) -> str:
        return self.stack.config.bootstrap_servers

    def url(self, gateway: str) -> str:
        return f"http://127.0.0.1:{self.gateway_ports[gateway]}"

    def start(self) -> None:
        self.stack.up()

    def stop(self) -> None:
        self.stack.down()

    # -- processes (blocking; wrapped below) ----------------------------------------------

    def _start_gateway(self, name: str) -> None:
        if name == "gateway":
            self.stack.start_service("gateway")
            return
        port = self.gateway_ports.setdefault(name, free_port())
        self.stack.start_replica("gateway", name, {"GATEWAY_PORT": str(port)})

    def _start_worker(self, name: str) -> None:
        if name == "streams":
            self.stack.start_service("streams")
            return
        data = self.stack.config.data_dir / name
        self.stack.start_replica("streams", name, {"STREAMS_DATA_DIR": str(data)})

    # -- faults and changes, awaitable ---------------------------------------------------

    async def start_gateway(self, name: str) -> None:
        await asyncio.to_thread(self._start_gateway, name)

    async def start_worker(self, name: str) -> None:
        await asyncio.to_thread(self._start_worker, name)

    async def start_projector(self) -> None:
        """The projector (unless it runs): it keeps the views of every scenario."""
        await asyncio.to_thread(self.stack.start_service, "projector")

    async def stop_process(self, name: str) -> None:
        """SIGTERM (a graceful stop), SIGKILL after 20 s."""
        await asyncio.to_thread(self.stack.stop_service, name)

    async def kill(self, name: str) -> None:
        """SIGKILL, at once."""
        await asyncio.to_thread(self.stack.supervisor.kill, name)

    async def restart_gateway(self, name: str) -> None:
        await self.stop_process(name)
        await self.start_gateway(name)

    async def stop_broker(self) -> None:
        await asyncio.to_thread(self.stack.supervisor.stop, "broker")

    async def start_broker(self) -> None:
        await asyncio.to_thread(self.stack.start_broker)
