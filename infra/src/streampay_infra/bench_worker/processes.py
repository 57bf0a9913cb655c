"""Which processes are the write model and the broker, and their CPU from ``/proc``.

The write-model services are those of the stack's config (and any replica the supervisor
recorded) whose name starts with ``streams`` or ``projector``, so a separate projector service
is measured as soon as the stack runs one. Each service is started in a session of its own
(see ``process.py``), so every process in that session, children included, is counted.
"""

from __future__ import annotations

import os
from pathlib import Path

from streampay_infra.stack import Stack

WRITE_MODEL_PREFIXES = ("streams", "projector")
TICKS = os.sysconf("SC_CLK_TCK")


def write_model_names(stack: Stack) -> list[str]:
    """Recorded processes of the write model: its services and their replicas, by name."""
    recorded = [record.name for record in stack.supervisor.records()]
    configured = [name for name in stack.config.services if name in recorded]
    replicas = [name for name in recorded if name not in configured]
    return [name for name in (*configured, *replicas) if name.startswith(WRITE_MODEL_PREFIXES)]


def leader_pids(stack: Stack, names: list[str]) -> list[int]:
    pids = []
    for name in names:
        record = stack.supervisor.record(name)
        if record is None or not stack.supervisor.is_running(name):
            raise RuntimeError(f"{name} is not running")
        pids.append(record.pid)
    return pids


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def session_members(leaders: list[int]) -> list[int]:
    """Every live process whose session is led by one of ``leaders`` (field 6 of stat)."""
    wanted = {str(pid) for pid in leaders}
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None and fields[3] in wanted:
            found.append(int(entry))
    return found


def cpu_snapshot(leaders: list[int]) -> dict[int, float]:
    """CPU seconds so far (utime + stime, plus waited-for children) of each session member."""
    snapshot = {}
    for pid in session_members(leaders):
        fields = _stat(pid)
        if fields is not None:
            snapshot[pid] = sum(int(value) for value in fields[11:15]) / TICKS
    return snapshot


class Groups:
    """The two groups the bench measures: ``worker`` (write model) and ``broker``."""

    def __init__(self, stack: Stack) -> None:
        self.names = {"worker": write_model_names(stack), "broker": ["broker"]}
        if not self.names["worker"]:
            raise RuntimeError("no streams* or projector* service is running in the stack")
        self.leaders = {group: leader_pids(stack, names) for group, names in self.names.items()}

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {group: cpu_snapshot(pids) for group, pids in self.leaders.items()}

    def describe(self) -> dict[str, object]:
        return {
            group: {"services": self.names[group], "pids": session_members(pids)}
            for group, pids in self.leaders.items()
        }
