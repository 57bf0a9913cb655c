"""The fault tier's report: per scenario, the load held, the faults injected, the commands
accepted, refused and retried, and every invariant's result (markdown and JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streampay_infra.bench.report import machine
from streampay_infra.faults.scenarios import Result


def as_json(results: list[Result]) -> dict[str, Any]:
    return {
        "machine": machine(),
        "ok": all(r.ok for r in results),
        "scenarios": [
            {
                "name": r.scenario.name,
                "title": r.scenario.title,
                "profile": r.profile.name,
                "ok": r.ok,
                "seconds": round(r.seconds, 1),
                "load": r.load,
                "faults": r.faults,
                "commands": r.counts,
                "checks": [asdict(check) for check in r.checks],
            }
            for r in results
        ],
    }


def markdown(report: dict[str, Any]) -> str:
    verdict = "PASS" if report["ok"] else "FAIL"
    lines = [
        f"# StreamPay fault tier: {verdict}",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()),
        "",
        "| scenario | load | commands | accepted | refused | retried | unanswered | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in report["scenarios"]:
        load, counts = s["load"], s["commands"]
        held = f"{load['rate_per_s']:g}/s for {load['seconds']:g} s, {load['users']} users"
        lines.append(
            f"| {s['name']} | {held} | {counts['commands']} | {counts['accepted']} | "
            f"{counts['refused']} | {counts['retried']} | {counts['unanswered']} | "
            f"{'pass' if s['ok'] else 'FAIL'} |"
        )
    for s in report["scenarios"]:
        load, counts = s["load"], s["commands"]
        lines += [
            "",
            f"## {s['name']}: {s['title']}",
            "",
            f"- Load: {load['rate_per_s']:g} commands/s for {load['seconds']:g} s from "
            f"{load['users']} users, each command sent {load['copies']} time(s) at once; "
            f"{load['gateways']} gateway(s), {load['workers']} worker(s), "
            f"{load['sse_clients']} SSE clients; profile {s['profile']}, took {s['seconds']} s.",
            f"- Commands: {counts['commands']} ({_pairs(counts['by_kind'])}); final answers "
            f"{_pairs(counts['final_status'])}; {counts['retried']} retried "
            f"({counts['attempts']} HTTP attempts, {counts['no_http_answer']} of them "
            f"without an HTTP answer, {counts['replayed_answers']} replayed answers); "
            f"{counts['unanswered']} without a final answer.",
            "- Faults:",
            *(f"    - `{line}`" for line in s["faults"]),
            "",
            "| invariant | result | detail |",
            "|---|---|---|",
            *(
                f"| {c['name']} | {'pass' if c['ok'] else 'FAIL'} | {c['detail']} |"
                for c in s["checks"]
            ),
        ]
    return "\n".join(lines) + "\n"


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in counts.items())


def write(results: list[Result], out: Path) -> Path:
    """`faults-<time>.{md,json}` and `faults-latest.md` in `out`; the markdown's path."""
    report = as_json(results)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = markdown(report)
    (out / f"faults-{stamp}.json").write_text(json.dumps(report, indent=2))
    (out / f"faults-{stamp}.md").write_text(text)
    (out / "faults-latest.md").write_text(text)
    return out / f"faults-{stamp}.md"
