"""Write the gateway's OpenAPI document to frontend/openapi.json, the source of schema.d.ts.

Run from anywhere in the repository:

    uv run python frontend/scripts/export_openapi.py          # rewrite the file
    uv run python frontend/scripts/export_openapi.py --check  # exit 1 if it is out of date

The document comes from the gateway app itself (no broker or server needed), with the default
settings, so the committed file is the same on every machine. `npm run api:types` then turns it
into TypeScript; tests/e2e/ui/test_openapi_export.py fails when the committed file drifts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

FRONTEND = Path(__file__).resolve().parents[1]
OUTPUT = FRONTEND / "openapi.json"


def document() -> dict[str, Any]:
    """The gateway's OpenAPI document, independent of this machine's settings."""
    from streampay_gateway.app import create_app
    from streampay_gateway.config import GatewaySettings

    # No built UI and a throwaway data folder: neither may leak into the document.
    with tempfile.TemporaryDirectory() as scratch:
        settings = GatewaySettings(
            frontend_dist=Path(scratch) / "no-dist",
            gateway_data_dir=Path(scratch) / "data",
        )
        spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if openapi.json is stale")
    args = parser.parse_args(argv)
    text = render(document())
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            stale = f"{OUTPUT} is out of date: run `npm run api:export` in frontend/"
            print(stale, file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
