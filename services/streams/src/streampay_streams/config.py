"""Streams worker settings, read once from the environment at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from streampay_contracts import topics
from streampay_contracts.settings import KafkaSettings

ROOT = Path(__file__).resolve().parents[4]
ROLES = frozenset({"decide", "project"})


class StreamsSettings(KafkaSettings):
    """Everything the streams worker can be told; every default works for the local demo."""

    streams_app_id: str = "streampay-streams"
    """The Faust app id: the consumer group, and the prefix of the worker's internal topics."""
    streams_group: str = ""
    """Set by the projector process: its own app id (consumer group, table changelogs)."""
    streams_data_dir: Path = ROOT / ".data" / "streams"
    """Faust's data directory, and where the readiness marker is written."""
    streams_batch_size: int = Field(default=200, ge=1, le=10_000)
    """At most this many records are decided together before their state is stored and their
    records published (a batch is what arrived while the previous one was applied)."""
    streams_fetch_max_wait_ms: int = Field(default=20, ge=1, le=1500)
    """The longest the broker holds the worker's fetch when none of its partitions has news
    (Faust's own is 1,500 ms): partitions left out of a held fetch wait for it to end."""
    streams_fetch_min_bytes: int = Field(default=1, ge=1, le=1_048_576)
    """The broker answers the worker's fetch as soon as it holds this much for it (or the wait
    above has passed). The deciding worker is on every command's path: it takes the first
    byte."""
    projector_fetch_max_wait_ms: int = Field(default=20, ge=1, le=1500)
    """``STREAMS_FETCH_MAX_WAIT_MS`` for a projector: an idle one fetches as often as the
    worker, 50 times a second."""
    projector_fetch_min_bytes: int = Field(default=16_384, ge=1, le=1_048_576)
    """``STREAMS_FETCH_MIN_BYTES`` for a projector, which no reply waits for: its fetches are
    answered once 16 KiB or the wait have gathered, so each batch of events shares one fetch,
    one round of produce requests and the wake-ups in between (a view is up to 20 ms later)."""
    streams_recent_commands: int = Field(default=64, ge=1, le=10_000)
    """Answers remembered per account, so a copy of a command gets the same answer."""
    streams_open_requests: int = Field(default=100, ge=1, le=1000)
    """Pending requests one user may have sent, and may have addressed to them."""
    streams_open_requests_per_pair: int = Field(default=10, ge=1, le=1000)
    """Pending requests one user may have addressed to any one other user, so that nobody can
    fill another's ``STREAMS_OPEN_REQUESTS`` alone."""
    streams_session_timeout_ms: int = Field(default=10_000, ge=6_000, le=300_000)
    """How long the group waits for a silent worker before giving its partitions to another;
    after a crash, the partitions of the dead worker pause this long."""
    streams_roles: str = "decide"
    """Comma-separated roles of this process: ``decide`` (the write model: commands to events)
    and ``project`` (the events to the views). ``python -m streampay_streams.projector`` runs
    ``project`` alone, in its own consumer group; ``decide,project`` runs both in one process,
    for a small install."""
    streams_metrics_host: str = "127.0.0.1"
    streams_metrics_port: int = Field(default=9094, ge=0, le=65_535)
    """Prometheus ``/metrics`` and the liveness check ``/healthz`` of a streams worker (0: not
    served). Every worker on one host needs a port of its own."""
    projector_metrics_port: int = Field(default=9095, ge=0, le=65_535)
    """The same for a projector (``python -m streampay_streams.projector``)."""
    streams_wedged_seconds: float = Field(default=60.0, gt=0)
    """A worker whose event loop has not turned, or that has had records waiting without
    applying any, for this long is wedged: its ``/healthz`` answers 503."""
    streams_reply_topics: str = topics.REPLIES
    """Comma-separated topics a command may name in ``zilla:reply-to``."""

    @property
    def ready_marker(self) -> Path:
        return self.streams_data_dir / "ready"

    @property
    def roles(self) -> frozenset[str]:
        named = {role.strip() for role in self.streams_roles.split(",") if role.strip()}
        unknown = named - ROLES
        if unknown or not named:
            raise ValueError(
                f"STREAMS_ROLES must name some of {sorted(ROLES)}, not {sorted(unknown)}"
            )
        return frozenset(named)

    def as_projector(self) -> StreamsSettings:
        """These settings for a process that only projects, in a consumer group of its own."""
        return self.model_copy(
            update={
                "streams_roles": "project",
                "streams_group": f"{self.streams_app_id}-projector",
                "streams_data_dir": self.streams_data_dir / "projector",
                "streams_metrics_port": self.projector_metrics_port,
                "streams_fetch_max_wait_ms": self.projector_fetch_max_wait_ms,
                "streams_fetch_min_bytes": self.projector_fetch_min_bytes,
            }
        )

    @property
    def group_id(self) -> str:
        """The Faust app id, and so the consumer group, of this process."""
        return self.streams_group or self.streams_app_id

    @property
    def reply_topics(self) -> frozenset[str]:
        return frozenset(
            name.strip() for name in self.streams_reply_topics.split(",") if name.strip()
        )
