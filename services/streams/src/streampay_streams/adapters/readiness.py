"""The worker's readiness marker: a file holding its pid, present once it can decide.

A Faust worker joins its consumer group before it has recovered its tables, and it must not
decide anything before it has also read the user directory. The marker is written only when both
are done, and removed at start; a marker whose pid is not alive (a killed worker) does not count.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def clear(marker: Path) -> None:
    marker.unlink(missing_ok=True)


def mark_ready(marker: Path) -> None:
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))


def is_ready(marker: Path) -> bool:
    try:
        pid = int(marker.read_text().strip())
    except (OSError, ValueError):
        return False
    return _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True
