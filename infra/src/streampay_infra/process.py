"""Start and stop background processes by recorded pid, never by process name.

Each process is started in a session of its own and recorded in `<run dir>/pids/<name>.json`
with its pid and the kernel's start time for that pid. A record whose pid now belongs to some
other process (the pid was reused after a reboot or crash) is recognised as stale and never
signalled, so `make down` stops exactly what `make up` started.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    started: int  # clock ticks since boot when the pid started (/proc/<pid>/stat field 22)
    log: str
    command: list[str]


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; fields after it are space-separated.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19])


class Supervisor:
    """Process records of one run directory (`make up` uses `.run/`, tests a temporary one)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.pid_dir = run_dir / "pids"
        self.log_dir = run_dir / "logs"

    def record(self, name: str) -> ProcessRecord | None:
        path = self.pid_dir / f"{name}.json"
        if not path.exists():
            return None
        return ProcessRecord(**json.loads(path.read_text()))

    def records(self) -> list[ProcessRecord]:
        if not self.pid_dir.exists():
            return []
        names = sorted(p.stem for p in self.pid_dir.glob("*.json"))
        return [r for n in names if (r := self.record(n)) is not None]

    def is_running(self, name: str) -> bool:
        rec = self.record(name)
        return rec is not None and _alive(rec)

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def spawn(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ProcessRecord:
        """Start `command` in the background, its output appended to its log file."""
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path(name)
        with log.open("ab") as out:
            proc = subprocess.Popen(
                list(command),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                start_new_session=True,
            )
        rec = ProcessRecord(name, proc.pid, _start_ticks(proc.pid) or 0, str(log), list(command))
        (self.pid_dir / f"{name}.json").write_text(json.dumps(asdict(rec)))
        return rec

    def stop(self, name: str, timeout: float = 20.0) -> bool:
        """Stop one recorded process (SIGTERM, then SIGKILL); True when it was running."""
        rec = self.record(name)
        if rec is None:
            return False
        was_running = _alive(rec)
        if was_running:
            _signal_group(rec, signal.SIGTERM)
            if not poll(lambda: not _alive(rec), timeout):
                _signal_group(rec, signal.SIGKILL)
                poll(lambda: not _alive(rec), 5.0)
        (self.pid_dir / f"{name}.json").unlink(missing_ok=True)
        return was_running

    def kill(self, name: str) -> None:
        """SIGKILL one recorded process at once (used by crash tests)."""
        rec = self.record(name)
        if rec is not None and _alive(rec):
            _signal_group(rec, signal.SIGKILL)
            poll(lambda: not _alive(rec), 5.0)


def _alive(rec: ProcessRecord) -> bool:
    ticks = _start_ticks(rec.pid)
    if ticks is None or ticks != rec.started:
        return False
    state = Path(f"/proc/{rec.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _signal_group(rec: ProcessRecord, sig: signal.Signals) -> None:
    # The process leads its own session, so its group id is its pid: children go with it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(rec.pid, sig)


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Wait until `condition()` holds, at most `timeout` seconds; True when it did."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
