"""The bench's arithmetic, free of Kafka and processes: CPU deltas, percentiles, settling,
per-command figures. Everything here is a pure function of what was sampled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import quantiles

CpuSnapshot = Mapping[int, float]
"""CPU seconds so far of each process, by pid."""

Offsets = Mapping[str, int]
"""End offsets summed over partitions, by topic."""


def cpu_delta(before: CpuSnapshot, after: CpuSnapshot) -> float:
    """CPU seconds spent between two snapshots by the processes alive at ``after``.

    A process that started in between counts from zero; one that ended is dropped (what it
    spent is in its parent's waited-for-children time if the parent reaped it).
    """
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def percentile(values: list[float], pct: int) -> float | None:
    """The ``pct``-th percentile (inclusive method) of ``values``; None when there are none."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[pct - 1]


def offset_deltas(before: Offsets, after: Offsets) -> dict[str, int]:
    """Records written to each topic between two snapshots (a new topic counts from zero)."""
    return {topic: end - before.get(topic, 0) for topic, end in sorted(after.items())}


def per_command(deltas: Mapping[str, int], commands: int) -> dict[str, float]:
    """Records per command of every topic that received any, rounded to 3 decimals."""
    return {topic: round(n / commands, 3) for topic, n in deltas.items() if n}


def rate(count: int, seconds: float | None) -> float | None:
    if seconds is None or seconds <= 0:
        return None
    return round(count / seconds, 1)


def ms_per(seconds: float | None, count: int) -> float | None:
    if seconds is None or count <= 0:
        return None
    return round(seconds * 1000 / count, 3)


@dataclass
class Settling:
    """When a set of topics stopped changing, and what was spent until then.

    Feed it samples (time, view end offsets, CPU snapshots); the last sample at which any
    offset differed from the previous one is the last change. The views are settled once no
    change has been seen for ``quiet_s``; the measurement ends at the last change, and the CPU
    counted is that of the sample that saw it.
    """

    quiet_s: float
    last_offsets: dict[str, int] = field(default_factory=dict)
    last_change_at: float | None = None
    cpu_at_change: dict[str, dict[int, float]] = field(default_factory=dict)
    last_sample_at: float | None = None

    def observe(self, at: float, offsets: Offsets, cpu: Mapping[str, CpuSnapshot]) -> bool:
        """Record one sample; True when it shows a change since the previous one."""
        changed = self.last_sample_at is not None and dict(offsets) != self.last_offsets
        if changed or self.last_change_at is None:
            self.last_change_at = at
            self.cpu_at_change = {group: dict(snap) for group, snap in cpu.items()}
        self.last_offsets = dict(offsets)
        self.last_sample_at = at
        return changed

    def settled(self, now: float) -> bool:
        return self.last_change_at is not None and now - self.last_change_at >= self.quiet_s


def backlog_run(
    *,
    commands: int,
    started: float,
    produced: float,
    last_reply: float | None,
    replied: int,
    statuses: Mapping[str, int],
    settled_at: float | None,
    cpu_seconds: Mapping[str, float | None],
    records: Mapping[str, int],
    idle_ms: list[float],
) -> dict[str, object]:
    """One backlog's figures, with the top-level keys of the report. Times are in seconds on
    one clock; ``settled_at`` is None when the views never settled within the time allowed."""
    reply_s = None if last_reply is None or replied < commands else last_reply - started
    settle_s = None if settled_at is None else max(settled_at, last_reply or 0.0) - started
    p50, p99 = percentile(idle_ms, 50), percentile(idle_ms, 99)
    return {
        "commands": commands,
        "replies_per_s": rate(commands, reply_s),
        "settled_per_s": rate(commands, settle_s),
        "worker_cpu_ms_per_command": ms_per(cpu_seconds.get("worker"), commands),
        "broker_cpu_ms_per_command": ms_per(cpu_seconds.get("broker"), commands),
        "records_per_command": per_command(records, commands),
        "idle_p50_ms": None if p50 is None else round(p50, 2),
        "idle_p99_ms": None if p99 is None else round(p99, 2),
        "produce_s": round(produced - started, 3),
        "reply_s": None if reply_s is None else round(reply_s, 3),
        "settle_s": None if settle_s is None else round(settle_s, 3),
        "replied": replied,
        "reply_statuses": dict(sorted(statuses.items())),
        "records_written": dict(records),
        "idle_samples": len(idle_ms),
    }


HEADLINE = (
    "replies_per_s",
    "settled_per_s",
    "worker_cpu_ms_per_command",
    "broker_cpu_ms_per_command",
    "records_per_command",
    "idle_p50_ms",
    "idle_p99_ms",
)
"""The report's top-level keys, taken from the largest backlog's run."""


def report(runs: list[dict[str, object]], context: Mapping[str, object]) -> dict[str, object]:
    """The JSON report: the headline figures of the largest backlog, then every run."""
    largest = max(runs, key=lambda run: int(str(run["commands"])))
    return {**{key: largest[key] for key in HEADLINE}, "runs": runs, **context}


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    limit: float
    at_most: bool
    """True: the figure must be at most ``limit``; False: at least."""

    def met(self, value: object) -> bool | None:
        if not isinstance(value, int | float):
            return None
        return value <= self.limit if self.at_most else value >= self.limit


TARGETS = (
    Target("worker_cpu_ms_per_command", "worker CPU per command until settled", 1.0, True),
    Target("replies_per_s", "commands replied per second", 1500, False),
    Target("settled_per_s", "commands settled per second", 600, False),
    Target("idle_p50_ms", "idle produce → reply p50", 5.0, True),
)
"""The write model's targets on the 2-core machine."""
