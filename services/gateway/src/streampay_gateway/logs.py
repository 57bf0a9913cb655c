"""Structured logs: one JSON object per line, configured once per process."""

from __future__ import annotations

import logging

import structlog

_configured = False


def configure(level: str) -> None:
    """JSON lines with ISO timestamps and levels; calling it again changes nothing."""
    global _configured
    if _configured:
        return
    _configured = True
    logging.basicConfig(level=level, format="%(message)s")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
