"""Serves the built web app from the same origin as the API, with a single-page-app fallback."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles


def mount(app: FastAPI, dist: Path) -> None:
    """Serve `dist/` at `/`; unknown paths get `index.html`, so client-side routes work.

    The file list is taken once at start-up: the UI is built before the gateway starts.
    """
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.exists():
        return
    files = {str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file()}
    assets = dist / "assets"
    if assets.exists():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        # Only files that were in the build are served: no path can escape `dist/`.
        if path in files:
            return FileResponse(dist / path)
        if path.startswith(("api/", ".well-known/")):
            raise HTTPException(status_code=404)
        return FileResponse(index)
