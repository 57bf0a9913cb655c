"""The bench report: percentiles of each run, and the markdown a person reads."""

from __future__ import annotations

import os
import platform
from statistics import quantiles
from typing import Any


def machine() -> dict[str, Any]:
    memory_kib = 0
    for line in open("/proc/meminfo").read().splitlines():  # noqa: SIM115
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    model = ""
    for line in open("/proc/cpuinfo").read().splitlines():  # noqa: SIM115
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None, "n": 0}
    if len(values) == 1:
        return {"p50": values[0], "p90": values[0], "p99": values[0], "max": values[0], "n": 1}
    cuts = quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 2),
        "p90": round(cuts[89], 2),
        "p99": round(cuts[98], 2),
        "max": round(max(values), 2),
        "n": len(values),
    }


SUSTAINED_P99_MS = 250
"""A rate is sustained when nothing failed and the p99 round trip stayed within 250 ms: a
person pressing "Pay" notices more, and past it commands start to queue."""

COMPONENTS = ("broker", "streams", "projector", "gateway")
"""The processes whose CPU the bench measures, in the report's order."""


def ms_per_command(used_s: dict[str, float], answered: int) -> dict[str, float]:
    """CPU milliseconds per answered command of each process, from the CPU seconds it used
    while the rate ran; ``total`` is their sum."""
    if answered <= 0:
        return {name: 0.0 for name in (*used_s, "total")}
    each = {name: round(seconds * 1000 / answered, 2) for name, seconds in used_s.items()}
    return {**each, "total": round(sum(each.values()), 2)}


def rate_run(
    rate: int,
    done: dict[str, Any],
    used_s: dict[str, float],
    load_cpu_s: float,
    wall_s: float | None = None,
) -> Any:
    """One rate's figures; ``used_s`` is each process's CPU seconds over the ``wall_s`` the
    run took, its draining included (by default, as long as sending took)."""
    outcomes = done["outcomes"]
    errors = sum(n for outcome, n in outcomes.items() if outcome != "200")
    latency = percentiles(done["latencies_ms"])
    p99 = latency["p99"]
    ok = outcomes.get("200", 0)
    wall = wall_s if wall_s else done["sent"] / rate
    return {
        "sustained": errors == 0 and p99 is not None and p99 <= SUSTAINED_P99_MS,
        "rate": rate,
        "sent": done["sent"],
        "ok": ok,
        "errors": errors,
        "outcomes": outcomes,
        "latency_ms": latency,
        "cpu": {name: round(seconds / wall, 3) for name, seconds in used_s.items()},
        "cpu_ms_per_command": ms_per_command(used_s, ok),
        "load_generator_cpu_s": round(load_cpu_s, 2),
    }


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """The figures compared from run to run: the highest sustained rate, the round trip and
    CPU per command at 100 commands/s, and one event's fan-out p99 by client count."""
    runs = results["rates"]
    at_100 = next((run for run in runs if run["rate"] == 100), None)
    clean = [run["rate"] for run in runs if run["sustained"]]
    return {
        "sustained_rate": max(clean) if clean else 0,
        "p99_ms_at_100": None if at_100 is None else at_100["latency_ms"]["p99"],
        "cpu_ms_per_command_at_100": None if at_100 is None else at_100["cpu_ms_per_command"],
        "fanout_p99_ms": {
            str(run["clients"]): run["event_to_all_ms"]["p99"] for run in results["fanout"]
        },
    }


def fanout_run(
    clients: int,
    connected: int,
    done: dict[str, Any],
    sent: float,
    rss_before_kib: int,
    rss_during_kib: int,
    cpu: dict[str, float],
) -> dict[str, Any]:
    delays = [(moment - sent) * 1000 for moment in done["arrived"]]
    return {
        "clients": clients,
        "connected": connected,
        "reached": len(delays),
        "connect_to_ready_ms": percentiles(done["connect_ms"]),
        "event_to_all_ms": percentiles(delays),
        "gateway_rss_mib": round(rss_during_kib / 1024, 1),
        "kib_per_connection": round((rss_during_kib - rss_before_kib) / max(connected, 1), 1),
        "cpu": cpu,
    }


def _warm_up(results: dict[str, Any]) -> list[str]:
    warm = results.get("warm_up")
    if not warm:
        return []
    return [
        f"The rates follow an uncounted warm-up at {warm['rate']} commands/s for "
        f"{warm['seconds']} s."
    ]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# StreamPay benchmark ({results['mode']} mode)",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python "
        f"{m['python']}, Linux {m['kernel']}. Broker, streams worker, gateway and load on the "
        "same machine, loopback only.",
        "",
        "## Command round trip (POST /pay → reply), open loop",
        "",
        "| rate/s | sent | ok | errors | p50 ms | p90 ms | p99 ms | max ms "
        "| CPU ms/command: broker / streams / projector / gateway / total | load CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["rates"]:
        lat, per = run["latency_ms"], run["cpu_ms_per_command"]
        figures = " / ".join(str(per.get(name, "-")) for name in (*COMPONENTS, "total"))
        lines.append(
            f"| {run['rate']} | {run['sent']} | {run['ok']} | {run['errors']} | {lat['p50']} "
            f"| {lat['p90']} | {lat['p99']} | {lat['max']} | {figures} "
            f"| {run['load_generator_cpu_s']} |"
        )
    clean = [run["rate"] for run in results["rates"] if run["sustained"]]
    lines += [
        "",
        f"Highest sustained rate (zero errors, p99 ≤ {SUSTAINED_P99_MS} ms): "
        f"{max(clean) if clean else 'none'} commands/s. "
        "Latency counts from each command's intended send time. CPU is per answered command.",
        *_warm_up(results),
        "",
        "## Freshness (pay reply → the payee's SSE balance event)",
        "",
    ]
    fresh = percentiles(results["freshness_ms"])
    lines.append(
        f"p50 {fresh['p50']} ms, p99 {fresh['p99']} ms, max {fresh['max']} ms "
        f"over {fresh['n']} payments (negative: the event came before the reply)."
    )
    lines += [
        "",
        "## SSE fan-out (one gateway process, /activities)",
        "",
        "| clients | connected | reached | connect→ready p50/p99 ms | one event to all "
        "p50/p99/max ms | gateway RSS MiB | KiB per connection | CPU gateway |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in results["fanout"]:
        c, e = run["connect_to_ready_ms"], run["event_to_all_ms"]
        lines.append(
            f"| {run['clients']} | {run['connected']} | {run['reached']} | {c['p50']} / "
            f"{c['p99']} | {e['p50']} / {e['p99']} / {e['max']} | {run['gateway_rss_mib']} "
            f"| {run['kib_per_connection']} | {run['cpu']['gateway']} |"
        )
    lines += [
        "",
        "## View cost against history (SSE connect → `ready`, one client at a time)",
        "",
        "| records on balance-histories and activities | written in s | gateway read them in s "
        "| /balance-histories p50/p99 ms | /activities p50/p99 ms |",
        "|---|---|---|---|---|",
    ]
    for run in results.get("history", []):
        h, a = run["balance_histories_ms"], run["activities_ms"]
        lines.append(
            f"| {run['records']:,} | {run['write_s']} | {run['gateway_caught_up_s']} "
            f"| {h['p50']} / {h['p99']} | {a['p50']} / {a['p99']} |"
        )
    lines += _resumers(results)
    lines.append("")
    return "\n".join(lines)


def _resumers(results: dict[str, Any]) -> list[str]:
    found = results.get("resumers")
    if not found:
        return []
    health, pay = found["healthz_ms"], found["pay_ms"]
    return [
        "",
        f"## Hostile resumers ({found['resumers']} resume /activities from the start, "
        "never reading)",
        "",
        f"{found['answered']} resumes answered. On new connections meanwhile: `/healthz` p50 "
        f"{health['p50']} ms, p99 {health['p99']} ms, max {health['max']} ms (the first is sent "
        f"while the burst of resumes is read); a payment p50 {pay['p50']} ms, p99 {pay['p99']} "
        f"ms, max {pay['max']} ms.",
    ]
