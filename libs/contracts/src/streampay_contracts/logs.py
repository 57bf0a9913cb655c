"""Structured logs, the same in every service: one JSON object per line, configured once.

StreamPay's own loggers are structlog's; the libraries' (uvicorn, aiokafka, Faust, mode, httpx)
log through the standard library, whose root handler renders each record through the same
processors, so every line of a process's log is one JSON object with ``timestamp``, ``level``,
``event`` and, for a library's line, ``logger``. A Faust worker takes the handler as its
``logging_config`` (it replaces the root's handlers when it starts), uvicorn none of its own
(``log_config=None``).
"""

from __future__ import annotations

import logging
import logging.config
import sys
from typing import Any, TextIO

import structlog

_configured = False

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def stdlib_config(level: str, stream: TextIO | None = None) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that writes every standard-library record as JSON."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": [*_SHARED, structlog.stdlib.add_logger_name],
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(),
                ],
            }
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": stream or sys.__stdout__,
            }
        },
        "root": {"level": level.upper(), "handlers": ["json"]},
    }


def configure(level: str, stream: TextIO | None = None) -> None:
    """JSON lines with ISO timestamps and levels; calling it again changes nothing.

    Libraries keep logging through the standard library at the same level. ``stream`` defaults
    to the real standard output: a Faust worker would otherwise capture ``sys.stdout``.
    """
    global _configured
    if _configured:
        return
    _configured = True
    logging.config.dictConfig(stdlib_config(level, stream))
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.WriteLoggerFactory(file=stream or sys.__stdout__),
        cache_logger_on_first_use=True,
    )
