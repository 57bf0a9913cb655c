"""The worker's agents, tables and tasks, wired to one Faust app.

- ``accounts`` reads ``commands``, ``transactions``, ``users`` and the internal requests topic
  (all co-partitioned by user id) and decides everything about accounts, one batch at a time;
- ``totals`` reads the internal payments topic and keeps the global count and average;
- a task follows ``users`` into the in-memory user directory.

Accounts are decided only once the tables are recovered and the directory has caught up; the
readiness marker says so to health checks.
"""

from __future__ import annotations

import asyncio
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
from streampay_streams.agents.totals import TotalsWorker
from streampay_streams.config import StreamsSettings
from streampay_streams.domain.context import Context, Policy
from streampay_streams.domain.totals import PayerTotals

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


def policy(settings: StreamsSettings) -> Policy:
    app_id = settings.streams_app_id
    return Policy(
        signup_grant=settings.signup_grant,
        recent_limit=settings.streams_recent_commands,
        recent_ttl_ms=settings.replies_retention_ms,
        open_request_limit=settings.streams_open_requests,
        requests_topic=topics.streams_requests_topic(app_id),
        payments_topic=topics.streams_payments_topic(app_id),
    )


def register(app: faust.App, settings: StreamsSettings) -> None:
    partitions = settings.kafka_partitions
    accounts = _table(app, "accounts", StoredAccount, partitions)
    marks = _table(app, "outbox-marks", PartitionMark, partitions)
    totals_table = _table(app, "totals", PayerTotals, partitions)
    store = AccountStore(accounts, marks)
    publisher = KafkaPublisher(app.producer)
    directory = UserDirectory(settings.kafka_bootstrap_servers)
    rules = policy(settings)
    reader = Reader(rules.requests_topic, settings.reply_topics)
    worker = AccountsWorker(store, publisher, directory, reader, Context(directory, rules))
    totals = TotalsWorker(totals_table, publisher)
    size = settings.streams_batch_size
    source = app.topic(
        topics.COMMANDS,
        topics.TRANSACTIONS,
        topics.USERS,
        rules.requests_topic,
        **RAW,
    )

    # Every input topic but ``users`` (compacted, so with legitimate holes; a signup is
    # idempotent by the account's own flag) must be applied strictly in order.
    guard = OrderGuard(frozenset(source.topics) - {topics.USERS})
    holes = HoleReader(settings.kafka_bootstrap_servers)
    order = InOrder(guard, holes, ordering.guard_gap_acks(FaustConsumer, guard.topics))

    @app.agent(source, concurrency=1, name="accounts")
    async def decide_accounts(stream: Any) -> None:
        # Iterate at once: Faust drops, as acknowledged, what arrives before a stream iterates.
        await consume(stream, app, worker.apply, size, order)

    payments = app.topic(rules.payments_topic, **RAW)
    consumed = {*source.topics, rules.payments_topic}

    @app.agent(payments, concurrency=1, name="totals")
    async def add_up_totals(stream: Any) -> None:
        await consume(stream, app, totals.apply, size)

    recovered = asyncio.Event()

    @app.task  # type: ignore[untyped-decorator]  # faust's decorators are untyped
    async def follow_users() -> None:
        await directory.run()

    @app.task  # type: ignore[untyped-decorator]
    async def announce_ready() -> None:
        await asyncio.gather(recovered.wait(), directory.ready.wait())
        readiness.mark_ready(settings.ready_marker)
        log.info("worker ready", users=len(directory))

    async def accounts_recovered() -> None:
        assigned = app.assignor.assigned_actives()
        owned = {tp.partition for tp in assigned if tp.topic == topics.COMMANDS}
        starts = await recovery.rewind_unstarted(app.consumer, consumed)
        guard.reset(starts)
        rewound = sorted(f"{t}/{p}" for (t, p), at in starts.items() if at == 0)
        await recovery.republish(store, publisher, owned)
        log.info("partitions recovered", partitions=sorted(owned), from_start=rewound)
        recovered.set()

    accounts.on_recover(accounts_recovered)
    totals_table.on_recover(totals.recovered)


def _table(app: faust.App, name: str, model: type, partitions: int) -> CodecTable:
    table = CodecTable(app, name=name, model=model, partitions=partitions)
    app.tables.add(table)
    return table
