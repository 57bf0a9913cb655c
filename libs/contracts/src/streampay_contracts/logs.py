"""Structured logs, the same in every service: one JSON object per line, configured once."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

_configured = False


def configure(level: str, stream: TextIO | None = None) -> None:
    """JSON lines with ISO timestamps and levels; calling it again changes nothing.

    Libraries keep logging through the standard library at the same level. ``stream`` defaults
    to the real standard output: a Faust worker would otherwise capture ``sys.stdout``.
    """
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
        logger_factory=structlog.WriteLoggerFactory(file=stream or sys.__stdout__),
        cache_logger_on_first_use=True,
    )
