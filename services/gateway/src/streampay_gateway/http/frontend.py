"""Serves the built web app from the same origin as the API, with a single-page-app fallback."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from streampay_contracts import Problem
from streampay_gateway.http.problems import ProblemError


def api_prefixes(app: FastAPI) -> frozenset[str]:
    """The first path segment of every API route: ``pay``, ``payment-requests``, ``docs``, ...

    ``/metrics`` is among them although it is served on the metrics port only: asked for here,
    it is a 404, not the web app.
    """
    paths = [
        *app.openapi()["paths"],
        *("/docs", "/redoc", "/openapi.json", "/api", "/.well-known", "/metrics"),
    ]
    return frozenset(p.strip("/").split("/")[0] for p in paths)


def mount(app: FastAPI, dist: Path, content_security_policy: str) -> None:
    """Serve `dist/` at `/`; unknown paths get `index.html`, so client-side routes work.

    Register it after every API route: its catch-all route must be the last to match. A path
    under an API prefix that no route matched (``/payment-requests/x/y``) is a problem+json
    404, never the web app. The file list is taken once at start-up: the UI is built before
    the gateway starts. Every file of the app is served with ``content_security_policy``
    (``WEB_CONTENT_SECURITY_POLICY``): scripts only from this origin, and no page of another
    origin may frame it.
    """
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.exists():
        return
    headers = {"Content-Security-Policy": content_security_policy}
    files = {str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file()}
    assets = dist / "assets"
    if assets.exists():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    app.add_middleware(PageNavigations, paths=page_aliases(dist))

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> FileResponse:
        # Only files that were in the build are served: no path can escape `dist/`.
        if path in files:
            return FileResponse(dist / path, headers=headers)
        if path.split("/")[0] in api_prefixes(request.app):
            raise ProblemError(Problem.not_found(f"there is nothing at /{path}"))
        return FileResponse(index, headers=headers)


def page_aliases(dist: Path) -> frozenset[str]:
    """The API paths the web app also shows as pages: ``page-aliases.json`` of its build.

    The list is the app's own (``frontend/src/lib/apiPaths.ts``, see frontend/README.md).
    """
    try:
        paths = json.loads((dist / "page-aliases.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(p for p in paths if isinstance(p, str))


class PageNavigations:
    """A browser navigation to an API path the app shows as a page gets the app.

    ``/activities`` or ``/request`` typed in the address bar (``GET``, ``Accept: text/html``)
    is answered as ``/`` is, with the web app, whose router opens the page; API clients, which
    do not ask for HTML (``fetch`` sends ``*/*``, live views ``text/event-stream``), keep their
    answers.
    """

    def __init__(self, app: ASGIApp, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _navigates_to(scope, self.paths):
            scope = {**scope, "path": "/", "raw_path": b"/"}
        await self.app(scope, receive, send)


def _navigates_to(scope: Scope, paths: frozenset[str]) -> bool:
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    if scope["path"] not in paths:
        return False
    accept = dict(scope["headers"]).get(b"accept", b"")
    return b"text/html" in accept
