"""One backlog: produce it all, follow replies and view topics until settled, then the idle
latency of single commands. CPU is sampled with every view sample, so the CPU counted is that
of the moment the last view change was seen."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from aiokafka import AIOKafkaProducer

from streampay_contracts import topics
from streampay_infra.bench_worker import figures
from streampay_infra.bench_worker.processes import Groups
from streampay_infra.bench_worker.wire import (
    VIEW_TOPICS,
    EndOffsets,
    Replies,
    pay_commands,
    produce_all,
)

AMOUNT = Decimal("0.01")
QUIET_S = 2.0
SAMPLE_S = 0.2
IDLE_S = 12.0
"""Time kept after a backlog's deadline for its idle latency (200 commands take ~4 s)."""


@dataclass
class Bench:
    users: list[str]
    producer: AIOKafkaProducer
    replies: Replies
    offsets: EndOffsets
    groups: Groups
    rng: random.Random

    async def backlog(self, count: int, timeout_s: float, idle: int) -> dict[str, object]:
        """Measure one backlog of ``count`` pay commands, then ``idle`` single commands; all
        within ``timeout_s`` plus ``IDLE_S``."""
        records = pay_commands(self.users, count, AMOUNT, self.rng)
        every_topic = await self.offsets.all_topics()
        before = await self.offsets.of(every_topic)
        # ``replies`` too: a reply written after the last view change ends the run (and its CPU).
        views = [t for t in (*VIEW_TOPICS, topics.REPLIES) if t in every_topic]
        settling = figures.Settling(QUIET_S)
        cpu_before = self.groups.snapshot()
        settling.observe(time.perf_counter(), await self.offsets.of(views), cpu_before)
        self.replies.expect([r.correlation_id for r in records])
        print(f"• backlog of {count:,} pay commands", flush=True)
        started = await produce_all(self.producer, records)
        produced = time.perf_counter()
        print(f"    produced in {produced - started:.1f} s", flush=True)
        deadline = started + timeout_s
        settled_at = await self._settle(views, settling, deadline)
        last_reply = max(self.replies.seen.values(), default=None)
        replied = len(self.replies.seen)
        statuses = self.replies.status_counts()
        after = await self.offsets.of(await self.offsets.all_topics())
        cpu_end = settling.cpu_at_change if settled_at is not None else self.groups.snapshot()
        cpu = {
            group: figures.cpu_delta(cpu_before[group], cpu_end.get(group, {}))
            for group in cpu_before
        }
        if settled_at is None:
            print(f"    ! not settled within {timeout_s:.0f} s ({replied:,} replies)", flush=True)
        # Single commands behind an unsettled backlog would measure the backlog, not idle.
        idle_ms = await self.idle(idle, deadline + IDLE_S) if settled_at is not None else []
        run = figures.backlog_run(
            commands=count,
            started=started,
            produced=produced,
            last_reply=last_reply,
            replied=replied,
            statuses=statuses,
            settled_at=settled_at,
            cpu_seconds=cpu if settled_at is not None else {},
            records=figures.offset_deltas(before, after),
            idle_ms=idle_ms,
        )
        run["cpu_s_until_settled"] = {group: round(s, 3) for group, s in cpu.items()}
        print(
            f"    replies {run['replies_per_s']}/s, settled {run['settled_per_s']}/s, "
            f"worker {run['worker_cpu_ms_per_command']} ms/command, broker "
            f"{run['broker_cpu_ms_per_command']} ms/command, idle p50 {run['idle_p50_ms']} ms",
            flush=True,
        )
        return run

    async def _settle(
        self, views: list[str], settling: figures.Settling, deadline: float
    ) -> float | None:
        """Sample until every reply is in and no view topic changed for ``QUIET_S``; the time
        of the last change, or None past ``deadline``."""
        while True:
            await asyncio.sleep(SAMPLE_S)
            now = time.perf_counter()
            settling.observe(now, await self.offsets.of(views), self.groups.snapshot())
            if self.replies.complete and settling.settled(now):
                return settling.last_change_at
            if now > deadline:
                return None

    async def idle(self, count: int, deadline: float) -> list[float]:
        """Produce → reply milliseconds of ``count`` commands sent one at a time (fewer if
        ``deadline`` passes first)."""
        records = pay_commands(self.users, count, AMOUNT, self.rng)
        self.replies.expect([r.correlation_id for r in records])
        found: list[float] = []
        for record in records:
            if time.perf_counter() > deadline:
                print(f"    ! idle latency cut at {len(found)} commands: no time left", flush=True)
                break
            answered = self.replies.waiter(record.correlation_id)
            sent = time.perf_counter()
            await self.producer.send_and_wait(
                topics.COMMANDS, record.value, key=record.key, headers=record.headers
            )
            found.append((await asyncio.wait_for(answered, 10) - sent) * 1000)
        return found

    async def warm_up(self, count: int, timeout_s: float) -> None:
        """An uncounted backlog, so a fresh broker JVM and worker have compiled their paths."""
        records = pay_commands(self.users, count, AMOUNT, self.rng)
        self.replies.expect([r.correlation_id for r in records])
        print(f"• warm-up, not counted: {count:,} pay commands", flush=True)
        await produce_all(self.producer, records)
        views = [t for t in VIEW_TOPICS if t in await self.offsets.all_topics()]
        settling = figures.Settling(QUIET_S)
        if await self._settle(views, settling, time.perf_counter() + timeout_s) is None:
            raise RuntimeError(f"the warm-up did not settle within {timeout_s:.0f} s")
