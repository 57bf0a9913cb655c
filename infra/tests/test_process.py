"""The supervisor stops exactly the processes it started, found by recorded pid."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from streampay_infra.process import Supervisor, poll

pytestmark = pytest.mark.unit

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


def test_spawn_records_pid_and_logs_then_stop_ends_it(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    rec = supervisor.spawn("sleeper", SLEEPER)
    assert supervisor.is_running("sleeper")
    assert poll(lambda: "up" in supervisor.log_path("sleeper").read_text(), 10)
    assert supervisor.stop("sleeper") is True
    assert not Path(f"/proc/{rec.pid}").exists() or not supervisor.is_running("sleeper")
    assert supervisor.record("sleeper") is None
    assert supervisor.stop("sleeper") is False


def test_a_reused_pid_is_never_signalled(tmp_path: Path) -> None:
    """A record whose pid now belongs to another process (other start time) counts as stopped."""
    supervisor = Supervisor(tmp_path)
    rec = supervisor.spawn("sleeper", SLEEPER)
    path = tmp_path / "pids" / "sleeper.json"
    forged = json.loads(path.read_text()) | {"started": rec.started + 1}
    path.write_text(json.dumps(forged))
    assert not supervisor.is_running("sleeper")
    assert supervisor.stop("sleeper") is False
    assert Path(f"/proc/{rec.pid}").exists()  # the real process was left alone
    path.write_text(json.dumps(forged | {"started": rec.started}))
    assert supervisor.stop("sleeper") is True


def test_kill_is_immediate(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    supervisor.spawn(
        "sleeper",
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
        ],
    )
    supervisor.kill("sleeper")
    assert not supervisor.is_running("sleeper")
