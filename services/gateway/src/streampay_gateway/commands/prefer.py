"""The ``Prefer`` request header (RFC 7240): ``respond-async`` and ``wait=N``.

Preferences are hints: an unknown or malformed one is ignored, never an error. ``wait`` is
capped by ``LONG_POLL_MAX_SECONDS``, so no client can hold a request open for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, Request


@dataclass(frozen=True, slots=True)
class Preferences:
    respond_async: bool = False
    wait_s: float | None = None
    """The client's ``wait``, already capped; None when it sent none."""

    def applied(self) -> str | None:
        """The ``Preference-Applied`` header value for what was honoured."""
        if self.respond_async:
            return "respond-async"
        if self.wait_s is not None:
            return f"wait={self.wait_s:g}"
        return None


def parse_prefer(values: list[str], max_wait_s: float) -> Preferences:
    """The preferences in every ``Prefer`` header line, e.g. ``respond-async, wait=10``."""
    respond_async, wait_s = False, None
    for value in values:
        for token in value.split(","):
            name, _, argument = token.split(";")[0].strip().partition("=")
            name = name.strip().lower()
            if name == "respond-async":
                respond_async = True
            elif name == "wait":
                wait_s = _seconds(argument.strip().strip('"'), max_wait_s) if argument else wait_s
    return Preferences(respond_async, wait_s)


def _seconds(text: str, max_wait_s: float) -> float | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    return min(float(text), max_wait_s)


PREFER_DESCRIPTION = (
    "`respond-async` answers 202 at once; `wait=N` waits up to N seconds (capped) for a "
    "result before answering"
)


async def preferences(
    request: Request,
    prefer: Annotated[str | None, Header(description=PREFER_DESCRIPTION)] = None,
) -> Preferences:
    """A dependency: the caller's preferences, with ``wait`` capped by the settings."""
    del prefer  # declared for the OpenAPI document; every header line is read below
    cap: float = request.app.state.settings.long_poll_max_seconds
    return parse_prefer(request.headers.getlist("prefer"), cap)
