"""Agents of the write model."""

from __future__ import annotations

from typing import Any

import faust
import structlog

from streampay_contracts import topics

log = structlog.get_logger(__name__)


def register(app: faust.App) -> None:
    """Subscribe the worker to `commands`, joining the streams consumer group."""
    commands = app.topic(topics.COMMANDS, key_type=bytes, value_type=bytes)

    @app.agent(commands, concurrency=1)
    async def handle_commands(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            log.info("command received", offset=event.message.offset)
