"""Live views of a gateway run in this process with settings of its own: short-lived tokens,
and an in-memory window small enough that resuming reads the gap back from Kafka."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiokafka import AIOKafkaProducer

from streampay_contracts import Activity, ActivityEvent, Visibility, encode, loads, topics
from streampay_gateway.app import create_app
from streampay_gateway.config import GatewaySettings
from streampay_infra.stack import free_port
from tests.e2e.gateway.conftest import LiveKit

pytestmark = pytest.mark.e2e

Gateway = Callable[..., AbstractAsyncContextManager[LiveKit]]


@pytest.fixture
def gateway(kafka: str, view_producer: AIOKafkaProducer, tmp_path: Path) -> Gateway:
    """Runs a gateway with extra settings in this event loop, for the length of a block."""

    @asynccontextmanager
    async def run(**settings: Any) -> AsyncIterator[LiveKit]:
        port = free_port()
        config = GatewaySettings(
            kafka_bootstrap_servers=kafka,
            gateway_port=port,
            gateway_data_dir=tmp_path,
            frontend_dist=tmp_path / "no-ui",
            **settings,
        )
        server = uvicorn.Server(uvicorn.Config(create_app(config), port=port, log_level="warning"))
        serving = asyncio.create_task(server.serve())
        async with asyncio.timeout(30):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
                await asyncio.sleep(0.05)
        try:
            yield LiveKit(f"http://127.0.0.1:{port}", view_producer)
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, 30)

    return run


async def test_a_stream_warns_before_the_token_expires_then_ends(gateway: Gateway) -> None:
    async with gateway(auth_token_ttl_seconds=4, views_token_warning_seconds=2) as live:
        caller = await live.sign_in()
        async with live.sse("/total-transactions", caller.token) as stream:
            await stream.until("ready")
            warning = await stream.until("token-expiring", within=5)
            expires_at = loads(warning[-1].data)["expiresAt"]
            assert expires_at - 2.5 <= time.time() < expires_at
            assert await stream.ends(within=5)
            assert expires_at <= time.time() + 0.5


async def test_resuming_before_the_window_reads_the_gap_from_kafka(gateway: Gateway) -> None:
    async with gateway(views_window_records=100, views_startup_scan_records=100) as live:
        me = await live.sign_in()
        async with live.sse("/activities", me.token) as stream:
            start = (await stream.until("ready"))[-1].id
        sent = [activity(me.user_id, n) for n in range(150)]  # more than the window holds
        for item in sent:
            await live.produce(topics.ACTIVITIES, me.user_id, item)
        async with live.sse("/activities", me.token, start) as stream:
            replayed = await stream.until("ready", within=20)
    mine = [e.data for e in replayed if me.user_id in e.data]
    assert mine == [encode(item).decode() for item in sent]


def activity(user: str, n: int) -> Activity:
    """A public payment received: only those are on the public feed (every test shares it)."""
    return Activity(
        event_name=ActivityEvent.PAYMENT_RECEIVED,
        amount=Decimal(f"{n}.01"),
        from_user_id="local|someone",
        from_user_name="Someone",
        to_user_id=user,
        to_user_name="Viewer",
        timestamp=1_700_000_000_000 + n,
        visibility=Visibility.PUBLIC,
    )
