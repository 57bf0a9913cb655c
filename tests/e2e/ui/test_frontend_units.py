"""The web app's own unit tests (Vitest: formatting, money, the SSE client, the pay form's
validation, the stores), run as part of `make test` after the same `npm ci` the build uses."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from streampay_infra import frontend

pytestmark = pytest.mark.unit


def test_vitest_suite_passes(built_frontend: Path) -> None:
    npm = shutil.which("npm")
    assert npm is not None, "npm is missing: install Node.js 22 with npm"
    result = subprocess.run(
        [npm, "test", "--", "--reporter=dot", "--no-color"],
        cwd=frontend.FRONTEND,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    passed = re.search(r"Tests\s+(\d+) passed", output)
    assert passed and int(passed[1]) > 100, output[-2000:]
