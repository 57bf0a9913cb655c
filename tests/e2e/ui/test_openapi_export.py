"""frontend/openapi.json, from which the web app's API types are generated, is the gateway's.

If this fails, the gateway's API changed: run `npm run api` in frontend/ (it re-exports the
document and regenerates src/api/schema.d.ts, which a Vitest test keeps equal to it) and adapt
the app to what changed.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[3] / "frontend" / "scripts" / "export_openapi.py"


def test_committed_openapi_document_matches_the_gateway_app() -> None:
    export = runpy.run_path(str(SCRIPT))
    committed = Path(export["OUTPUT"]).read_text(encoding="utf-8")
    assert committed == export["render"](export["document"]()), (
        "frontend/openapi.json is stale: run `npm run api` in frontend/"
    )


def test_the_document_describes_what_the_app_calls() -> None:
    export = runpy.run_path(str(SCRIPT))
    paths = export["document"]()["paths"]
    for path in (
        "/auth/token",
        "/current-user",
        "/users",
        "/pay",
        "/request",
        "/payment-requests/{id}",
        "/payment-requests/{id}/decline",
        "/payment-requests/{id}/cancel",
        "/streams",
    ):
        assert path in paths, f"the app calls {path}, which the gateway no longer has"
