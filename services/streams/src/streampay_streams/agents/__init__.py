"""The worker's agents, tables and tasks, wired to one Faust app, by role.

The **decide** role (the write model):

- ``accounts`` reads ``commands``, ``transactions``, ``users`` and the internal requests topic
  (all co-partitioned by user id), decides everything about accounts one batch at a time, and
  records the decisions' events on ``events`` with their legs and replies;
- a task follows ``users`` into the in-memory user directory.

The **project** role (the views):

- ``projector`` reads ``events`` and applies the projections, publishing every view topic;
- ``totals`` reads the internal payments topic and keeps the global count and average.

A process runs either role or both (``STREAMS_ROLES``); ``python -m streampay_streams.projector``
runs the project role in its own consumer group. Each role's agents start work only once their
tables are recovered; the readiness marker says so to health checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import faust
import structlog
from faust.transport.consumer import Consumer as FaustConsumer

from streampay_contracts import topics
from streampay_streams.adapters import readiness
from streampay_streams.adapters.directory import UserDirectory
from streampay_streams.adapters.inbound import Reader
from streampay_streams.adapters.publisher import KafkaPublisher
from streampay_streams.adapters.store import AccountStore, CodecTable, PartitionMark, StoredAccount
from streampay_streams.agents import ordering, recovery
from streampay_streams.agents.accounts import AccountsWorker
from streampay_streams.agents.batches import InOrder, consume
from streampay_streams.agents.ordering import HoleReader, OrderGuard
from streampay_streams.agents.projector import ProjectorWorker
from streampay_streams.agents.totals import TotalsWorker
from streampay_streams.config import StreamsSettings
from streampay_streams.domain.context import Context, Policy
from streampay_streams.observability import Liveness
from streampay_streams.projections.state import Projected
from streampay_streams.projections.totals import PayerTotals

log = structlog.get_logger(__name__)

# Records reach the agents as bytes, read by the contracts codec only. Faust would otherwise
# parse every value as JSON itself (its default serializer), and a value that is not JSON would
# stop the agent before the worker could answer it with a 400.
RAW: dict[str, Any] = {
    "key_type": bytes,
    "value_type": bytes,
    "key_serializer": "raw",
    "value_serializer": "raw",
}

Recovered = Callable[[], Awaitable[None]]


def policy(settings: StreamsSettings) -> Policy:
    return Policy(
        signup_grant=settings.signup_grant,
        recent_limit=settings.streams_recent_commands,
        recent_ttl_ms=settings.replies_retention_ms,
        open_request_limit=settings.streams_open_requests,
        open_requests_per_pair=settings.streams_open_requests_per_pair,
    )


def register(app: faust.App, settings: StreamsSettings, liveness: Liveness | None = None) -> None:
    """Register the agents of every role in ``settings.roles``; readiness once all recovered.
    Their batches are counted, and their progress watched, by ``liveness``."""
    liveness = liveness or Liveness(settings.streams_wedged_seconds)
    requests_topic = topics.streams_requests_topic(settings.streams_app_id)
    guarded = {
        "decide": {topics.COMMANDS, topics.TRANSACTIONS, requests_topic},
        "project": {topics.EVENTS},
    }
    # Faust's gap bookkeeping is switched off once per process, for every guarded topic.
    in_order = set().union(*(guarded[role] for role in settings.roles))
    report_acked = ordering.guard_gap_acks(FaustConsumer, in_order)
    holes = HoleReader(settings.kafka_bootstrap_servers)

    def order(role: str) -> tuple[OrderGuard, InOrder]:
        guard = OrderGuard(frozenset(guarded[role]))
        return guard, InOrder(guard, holes, report_acked)

    ready: list[asyncio.Event] = []
    if "decide" in settings.roles:
        ready += _decide(app, settings, requests_topic, *order("decide"), liveness)
    if "project" in settings.roles:
        ready += _project(app, settings, *order("project"), liveness)

    @app.task  # type: ignore[untyped-decorator]
    async def heartbeat() -> None:
        await liveness.heartbeat()

    @app.task  # type: ignore[untyped-decorator]  # faust's decorators are untyped
    async def announce_ready() -> None:
        await asyncio.gather(*(event.wait() for event in ready))
        readiness.mark_ready(settings.ready_marker)
        log.info("worker ready", roles=sorted(settings.roles))


def _decide(
    app: faust.App,
    settings: StreamsSettings,
    requests_topic: str,
    guard: OrderGuard,
    order: InOrder,
    liveness: Liveness,
) -> list[asyncio.Event]:
    partitions = settings.kafka_partitions
    accounts = _table(app, "accounts", StoredAccount, partitions)
    marks = _table(app, "outbox-marks", PartitionMark, partitions)
    store = AccountStore(accounts, marks)
    publisher = KafkaPublisher(app.producer)
    directory = UserDirectory(settings.kafka_bootstrap_servers)
    reader = Reader(requests_topic, settings.reply_topics)
    worker = AccountsWorker(
        store, publisher, directory, reader, Context(directory, policy(settings))
    )
    # Every input topic but ``users`` (compacted, so with legitimate holes; a signup is
    # idempotent by the account's own flag) must be applied strictly in order: ``guard``.
    source = app.topic(topics.COMMANDS, topics.TRANSACTIONS, topics.USERS, requests_topic, **RAW)

    @app.agent(source, concurrency=1, name="accounts")
    async def decide_accounts(stream: Any) -> None:
        # Iterate at once: Faust drops, as acknowledged, what arrives before a stream iterates.
        size, stage = settings.streams_batch_size, liveness.stage("decide")
        await consume(stream, app, worker.apply, size, order, stage)

    @app.task  # type: ignore[untyped-decorator]
    async def follow_users() -> None:
        await directory.run()

    recovered = asyncio.Event()

    async def accounts_recovered() -> None:
        owned = await _resume(app, set(source.topics), guard)
        await recovery.republish(store, publisher, owned)
        recovered.set()

    accounts.on_recover(accounts_recovered)
    return [recovered, directory.ready]


def _project(
    app: faust.App,
    settings: StreamsSettings,
    guard: OrderGuard,
    order: InOrder,
    liveness: Liveness,
) -> list[asyncio.Event]:
    partitions, size = settings.kafka_partitions, settings.streams_batch_size
    states = _table(app, "projections", Projected, partitions)
    totals_table = _table(app, "totals", PayerTotals, partitions)
    publisher = KafkaPublisher(app.producer)
    payments_topic = topics.streams_payments_topic(settings.streams_app_id)
    projector = ProjectorWorker(states, publisher, payments_topic)
    totals = TotalsWorker(totals_table, publisher)
    events = app.topic(topics.EVENTS, **RAW)

    @app.agent(events, concurrency=1, name="projector")
    async def project_views(stream: Any) -> None:
        await consume(stream, app, projector.apply, size, order, liveness.stage("project"))

    payments = app.topic(payments_topic, **RAW)

    @app.agent(payments, concurrency=1, name="totals")
    async def add_up_totals(stream: Any) -> None:
        await consume(stream, app, totals.apply, size, stage=liveness.stage("totals"))

    recovered = asyncio.Event()

    async def projections_recovered() -> None:
        await _resume(app, {*events.topics, payments_topic}, guard)
        recovered.set()

    states.on_recover(projections_recovered)
    totals_table.on_recover(totals.recovered)
    return [recovered]


async def _resume(app: faust.App, consumed: set[str], guard: OrderGuard) -> set[int]:
    """Put the partitions of ``consumed`` where they must start; the partitions now owned."""
    assigned = app.assignor.assigned_actives()
    owned = {tp.partition for tp in assigned if tp.topic in consumed}
    starts = await recovery.rewind_unstarted(app.consumer, consumed)
    guard.reset(starts)
    rewound = sorted(f"{t}/{p}" for (t, p), at in starts.items() if at == 0)
    log.info("partitions recovered", partitions=sorted(owned), from_start=rewound)
    return owned


def _table(app: faust.App, name: str, model: type, partitions: int) -> CodecTable:
    table = CodecTable(app, name=name, model=model, partitions=partitions)
    app.tables.add(table)
    return table
