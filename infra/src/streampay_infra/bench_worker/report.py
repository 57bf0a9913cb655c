"""The Markdown a person reads, and where the reports go (``reports/``, ignored by git, as for
``make bench``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streampay_infra.bench_worker.figures import TARGETS


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(result: Mapping[str, Any]) -> str:
    m = result["machine"]
    runs: list[dict[str, Any]] = result["runs"]
    lines = [
        "# StreamPay write-model benchmark (`make bench-worker`)",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python "
        f"{m['python']}, Linux {m['kernel']}; broker, write model and bench on the same machine, "
        "loopback only.",
        f"{result['users']} users, pay commands of {result['amount']} between random users, "
        f"produced straight to `commands` with the gateway's headers, {result['partitions']} "
        f"partitions; after an uncounted warm-up of {result['warm_up']:,} commands. Write-model "
        f"processes measured: {', '.join(result['processes']['worker']['services'])} "
        f"(pids {', '.join(map(str, result['processes']['worker']['pids']))}).",
        "",
        "## Targets (largest backlog)",
        "",
        "| target | limit | measured | met |",
        "|---|---|---|---|",
    ]
    for target in TARGETS:
        value = result.get(target.key)
        met = target.met(value)
        sign = "≤" if target.at_most else "≥"
        verdict = "yes" if met else ("no" if met is not None else "not measured")
        lines.append(
            f"| {target.label} | {sign} {_fmt(target.limit)} | {_fmt(value)} | {verdict} |"
        )
    lines += [
        "",
        "## Backlogs",
        "",
        "| backlog | replies/s | settled/s | worker CPU ms/cmd | broker CPU ms/cmd "
        "| idle p50 ms | idle p99 ms | produce s | reply s | settle s | reply statuses |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        statuses = ", ".join(f"{k}: {v:,}" for k, v in run["reply_statuses"].items())
        lines.append(
            f"| {run['commands']:,} | {_fmt(run['replies_per_s'])} | {_fmt(run['settled_per_s'])} "
            f"| {_fmt(run['worker_cpu_ms_per_command'])} "
            f"| {_fmt(run['broker_cpu_ms_per_command'])} | {_fmt(run['idle_p50_ms'])} "
            f"| {_fmt(run['idle_p99_ms'])} | {_fmt(run['produce_s'])} | {_fmt(run['reply_s'])} "
            f"| {_fmt(run['settle_s'])} | {statuses} |"
        )
    topics = sorted({topic for run in runs for topic in run["records_per_command"]})
    lines += [
        "",
        "## Records written per command",
        "",
        "| topic | " + " | ".join(f"{run['commands']:,}" for run in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for topic in topics:
        cells = " | ".join(_fmt(run["records_per_command"].get(topic, 0.0)) for run in runs)
        lines.append(f"| `{topic}` | {cells} |")
    totals = " | ".join(_fmt(round(sum(r["records_per_command"].values()), 3)) for r in runs)
    lines += [f"| **all topics** | {totals} |", "", *_notes(result), ""]
    return "\n".join(lines)


def _notes(result: Mapping[str, Any]) -> list[str]:
    return [
        "Replied: first produce → the last reply to the backlog seen on `replies`. Settled: first "
        "produce → the last change of any view topic's (or `replies`') end offsets, once they "
        "stayed unchanged "
        f"for {result['quiet_s']:g} s. CPU: utime + stime (and reaped children) from "
        "`/proc/<pid>/stat` of every process in each service's session, from before the first "
        "produce to the sample that saw the last view change. Records: end-offset deltas of "
        "every topic (transaction markers included, if any), divided by the backlog. Idle: "
        f"{result['idle']} commands one at a time after the backlog settled, produce (acked) → "
        "reply seen.",
    ]


def write(result: Mapping[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text, doc = json.dumps(result, indent=2), markdown(result)
    for name in (f"bench-worker-{stamp}", "bench-worker-latest"):
        (out / f"{name}.json").write_text(text)
        (out / f"{name}.md").write_text(doc)
    return out / "bench-worker-latest.md"
