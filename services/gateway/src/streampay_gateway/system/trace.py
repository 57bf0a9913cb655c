"""A command's journey by its correlation id: every record it caused, in the order written.

The command on ``commands`` and its reply on ``replies`` carry the correlation id in the
``zilla:correlation-id`` header; the ledger legs, the events and every view record the
projector writes carry it in ``streampay-cause``. A trace reads the topics a command can touch
from ``EARLIER_MS`` before the command's answer to ``SYSTEM_TRACE_SECONDS`` after it (the
command was written before its answer, what it caused as it was decided and projected; a view
that lags more than that is not waited for), at most ``SYSTEM_SCAN_RECORDS`` per topic, and
keeps the records that name the command.

Someone without ``read:system`` sees only their own commands, and of another user's records
(the payee's leg and balance, say) only the topic, place and time.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiokafka import TopicPartition

from streampay_contracts import headers, topics
from streampay_contracts.reading import At, TopicReader
from streampay_gateway.system.models import Trace, TraceStep
from streampay_gateway.system.records import topic_record

STAGES: tuple[tuple[str, str], ...] = (
    (topics.COMMANDS, "command"),
    (topics.TRANSACTIONS, "ledger leg"),
    (topics.USERS, "profile"),
    (topics.EVENTS, "event"),
    (topics.REPLIES, "reply"),
    (topics.BALANCES, "view"),
    (topics.BALANCE_HISTORIES, "view"),
    (topics.ACTIVITIES, "view"),
    (topics.PAYMENT_REQUESTS, "view"),
    (topics.STATEMENTS, "view"),
    (topics.TOTAL_TRANSACTIONS, "view"),
    (topics.AVERAGE_TRANSACTIONS, "view"),
)
"""The topics a command can touch, in the order the streams service writes them (legs, the
profile, the events and then the reply, as one batch; the projector's views after): records of
one millisecond are shown in this order."""
_RANK = {topic: rank for rank, (topic, _) in enumerate(STAGES)}
_KIND = dict(STAGES)

EARLIER_MS = 30_000
"""How far before the reply's timestamp the search begins: a command waits in line behind
others before it is decided (and producers' clocks differ a little)."""


async def find_caused(
    bootstrap_servers: str, correlation_id: str, since_ms: int, until_ms: int, scan: int
) -> list[Any]:
    """Every record of the ``STAGES`` topics written between the two moments that names the
    command, reading at most ``scan`` records of each topic."""
    wanted = correlation_id.encode()
    reader = TopicReader(
        bootstrap_servers,
        *_RANK,
        patience_s=0,
        missing_ok=True,  # a topic the streams service has not created yet
        request_timeout_ms=5000,
        max_partition_fetch_bytes=256 * 1024,
    )
    async with reader:
        await reader.start(At(since_ms))
        read: Counter[str] = Counter()
        found: list[Any] = []
        async for batch in reader.to_end():
            late: set[TopicPartition] = set()
            for record in batch:
                read[record.topic] += 1
                if record.timestamp > until_ms:
                    late.add(TopicPartition(record.topic, record.partition))
                elif _names(record, wanted):
                    found.append(record)
            reader.finish(*late, *(tp for tp in reader.partitions if read[tp.topic] >= scan))
        return found


def _names(record: Any, wanted: bytes) -> bool:
    return any(
        name in (headers.CORRELATION_ID, headers.CAUSE) and value == wanted
        for name, value in record.headers or ()
    )


def assemble(
    correlation_id: str,
    answered_at: int,
    searched_until: int,
    records: list[Any],
    viewer: str | None,
) -> Trace:
    """The trace of ``records``; ``viewer`` None sees every record, a user id only their own.
    Times count from the command's record, or from its answer when the command is not found."""
    commands = [r.timestamp for r in records if r.topic == topics.COMMANDS]
    command_at = min(commands) if commands else answered_at
    ordered = sorted(
        records, key=lambda r: (r.timestamp, _RANK.get(r.topic, len(_RANK)), r.partition, r.offset)
    )
    return Trace(
        correlation_id=correlation_id,
        command_at=command_at,
        searched_until=searched_until,
        steps=[_step(record, command_at, viewer) for record in ordered],
    )


def _step(record: Any, command_at: int, viewer: str | None) -> TraceStep:
    shown = topic_record(record)
    own = viewer is None or shown.key == viewer or shown.headers.get(headers.IDENTITY) == viewer
    step = TraceStep(
        **shown.model_dump(),
        kind=_KIND.get(record.topic, "view"),
        since_command_ms=record.timestamp - command_at,
    )
    if own:
        return step
    return step.model_copy(update={"key": None, "headers": {}, "value": None, "withheld": True})
