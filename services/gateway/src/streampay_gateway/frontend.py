"""Serves the built web app from the same origin as the API, with a single-page-app fallback."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles


def mount(app: FastAPI, dist: Path) -> None:
    """Serve `dist/` at `/`; unknown paths get `index.html`, so client-side routes work."""
    index = dist / "index.html"
    if not index.exists():
        return
    assets = dist / "assets"
    if assets.exists():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        if path.startswith(("api/", ".well-known/")):
            raise HTTPException(status_code=404)
        return FileResponse(index)
