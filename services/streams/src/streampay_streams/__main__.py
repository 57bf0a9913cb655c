"""`python -m streampay_streams`: run one Faust worker of the write model (``STREAMS_ROLES``)."""

from __future__ import annotations

import asyncio
import gc
import sys

import structlog
from prometheus_client import REGISTRY

from streampay_contracts import logs
from streampay_streams import agents, observability
from streampay_streams.adapters import readiness, topics
from streampay_streams.app import create_app
from streampay_streams.config import StreamsSettings
from streampay_streams.observability import FaustLag, Liveness

log = structlog.get_logger(__name__)


def main() -> None:
    run(StreamsSettings())


def run(settings: StreamsSettings) -> None:
    """Run one Faust worker with the roles ``settings`` name, until it is stopped."""
    logs.configure(settings.log_level)
    readiness.clear(settings.ready_marker)
    asyncio.run(prepare(settings))
    # Faust runs its own event loop; give it a fresh one after the preparation above.
    asyncio.set_event_loop(asyncio.new_event_loop())
    app = create_app(settings)
    liveness = Liveness(settings.streams_wedged_seconds)
    REGISTRY.register(FaustLag(lambda: app.monitor))
    observability.serve(settings.streams_metrics_host, settings.streams_metrics_port, liveness)
    agents.register(app, settings, liveness)
    log.info(
        "starting worker",
        app_id=settings.group_id,
        roles=sorted(settings.roles),
        partitions=settings.kafka_partitions,
        metrics_port=settings.streams_metrics_port,
    )
    # Faust reads its command line; run the worker without its web server, and without its
    # banner and progress on standard output (--quiet): the log is JSON lines only.
    level = settings.log_level.lower()
    sys.argv = [sys.argv[0], "--quiet", "worker", "--without-web", "--loglevel", level]
    # What is built by now (the modules, the app, its agents and topics) lives as long as the
    # process: out of every collection, so a full one scans what the worker made since. Timed
    # at 100 commands/s, full collections paused the worker 45-67 ms and the projector 62-84 ms
    # before, each pause a gap in the stream of replies.
    gc.freeze()
    app.main()


async def prepare(settings: StreamsSettings) -> None:
    """Check the topics, and create the worker's own."""
    bootstrap, partitions, app_id = (
        settings.kafka_bootstrap_servers,
        settings.kafka_partitions,
        settings.streams_app_id,
    )
    await topics.prepare(
        bootstrap, partitions, app_id, replication=settings.kafka_replication_factor
    )


if __name__ == "__main__":
    main()
