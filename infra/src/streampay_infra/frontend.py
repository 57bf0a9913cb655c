"""Build the web app (`frontend/` → `frontend/dist`) that the gateway serves on :9090.

npm installs only when the lock file changed and Vite builds only when a source changed, so a
second `make up` costs a few file-time comparisons.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"


def _newest(paths: list[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def _sources(root: Path) -> list[Path]:
    """Every file the build reads: all of frontend/ but its dependencies and its output."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in {"node_modules", "dist"}]
        found.extend(Path(folder) / name for name in files)
    return found


def build(say: Callable[[str], None], root: Path = FRONTEND) -> None:
    if not (root / "package.json").exists():
        say("    no frontend/package.json: nothing to build")
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("'npm' was not found on PATH: install Node.js 22 (LTS) with npm")
    installed = root / "node_modules" / ".package-lock.json"
    if _newest([root / "package-lock.json"]) > _newest([installed]):
        say("    npm ci")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, check=True)
    index = root / "dist" / "index.html"
    if _newest(_sources(root)) > _newest([index]):
        say("    npm run build")
        subprocess.run([npm, "run", "build"], cwd=root, check=True, stdout=subprocess.DEVNULL)
    else:
        say("    up to date")
