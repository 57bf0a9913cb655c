"""Gateway settings, read once from the environment at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from streampay_contracts.settings import KafkaSettings

ROOT = Path(__file__).resolve().parents[4]

DEV_ISSUER = "streampay-dev"
"""The issuer of the development identity provider's tokens; refused in production."""


class GatewaySettings(KafkaSettings):
    """Everything the gateway can be told; every default works for the local demo."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 9090
    gateway_metrics_host: str = "127.0.0.1"
    gateway_metrics_port: int = Field(default=9091, ge=0, le=65_535)
    """Prometheus ``/metrics`` is served here, apart from the API (0: not served), so that
    the port the API is published on never shows the gateway's internals."""
    gateway_data_dir: Path = ROOT / ".data" / "gateway"
    frontend_dist: Path = ROOT / "frontend" / "dist"

    gateway_gc_thresholds: tuple[int, int, int] = (50_000, 2, 100)
    """Python's collection thresholds (its default is ``[700, 10, 10]``); why, in
    :func:`streampay_gateway.__main__.steady_collector`."""

    auth_dev_provider: bool = True
    """Act as the development identity provider (``POST /auth/token``). Off in production."""
    auth_issuer: str = DEV_ISSUER
    """The ``iss`` every accepted token must carry."""
    auth_audience: str = "streampay"
    """The ``aud`` every accepted token must carry."""
    auth_jwks_url: str | None = None
    """The identity provider's JWKS (production), e.g. ``https://x.eu.auth0.com/.well-known/jwks.json``."""
    auth_jwks_cache_seconds: int = Field(default=600, ge=10)
    """How long a fetched JWKS is used before it is fetched again."""
    auth_token_ttl_seconds: int = Field(default=3600, ge=1, le=86_400)
    """Lifetime of the tokens the development identity provider issues."""
    auth_sign_ins_per_minute: int = Field(default=30, ge=1)
    """Sign-ins (``POST /auth/token``) one client address may make per minute (429 past it)."""
    new_profiles_per_hour: int = Field(default=30, ge=1)
    """First profiles (``PUT /current-user`` of a new user, which brings the sign-up grant) one
    client address may create per hour (429 past it)."""
    auth_leeway_seconds: int = Field(default=30, ge=0, le=300)
    """Clock skew tolerated on ``exp`` and ``nbf``."""

    command_reply_timeout_seconds: float = Field(default=5.0, ge=0, le=60)
    """How long a command waits for its reply before the answer is 202 with a Location."""
    long_poll_max_seconds: float = Field(default=30.0, ge=0, le=300)
    """The cap on ``Prefer: wait=N``."""
    http_head_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    """A request line and headers not complete this long after they began (or after the
    connection opened) get 408 and the connection is closed: no slowloris, no idle sockets."""
    http_max_head_bytes: int = Field(default=64 * 1024, ge=8 * 1024)
    """A larger request line and headers get 431; they are never buffered beyond this."""
    http_body_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    """A request body not complete this long after its head gets 408 and the connection is
    closed: a body trickled a byte at a time holds nothing for long."""
    http_max_connections: int = Field(default=10_000, ge=1)
    """Connections open at once; one more is answered 503 (with ``Retry-After``) and closed.
    Keep it below the process's file limit (``ulimit -n``)."""
    http_max_connections_per_address: int = Field(default=1_000, ge=1)
    """Connections open at once from one client address (503 past it). Behind a load balancer
    every client has the balancer's address: raise it there, or let the balancer limit."""
    max_body_bytes: int = Field(default=16 * 1024, ge=1024)
    """Larger command bodies are refused with 413 before they are parsed."""
    replies_index_max_entries: int = Field(default=1_000_000, ge=1000)
    """A hard cap on remembered replies, on top of the retention window (REPLIES_RETENTION_MS)."""
    web_content_security_policy: str = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    """The Content-Security-Policy of the web app's files. With an OIDC provider, add its
    origin to ``connect-src`` (the app fetches tokens from it)."""
    cors_allow_origins: str = "*"
    """Comma-separated origins allowed to call the API from a browser; ``*`` for any."""

    feed_fetch_min_bytes: int = Field(default=16 * 1024, ge=1, le=1024 * 1024)
    """Bytes the broker gathers for the gateway's one consumer before it answers a fetch, or
    ``FEED_FETCH_WAIT_MS`` passes: fewer, fuller fetches for a little latency. Measured at 100
    commands/s: the gateway's CPU per command 4.1 ms with 1 byte, 2.7 ms with 16 KiB and 10 ms,
    2.6 ms with 64 KiB and 25 ms (whose wait shows in the round trip)."""
    feed_fetch_wait_ms: int = Field(default=10, ge=0, le=500)
    """The longest the broker holds a fetch of the gateway's consumer for those bytes. It is
    also the idle polling interval: at 10 ms an idle gateway uses ~6 % of a core fetching
    nothing; 1 byte and 500 ms cost ~0.6 % idle and the most CPU under load."""

    # -- live views (SSE) ----------------------------------------------------------------------
    views_window_records: int = Field(default=10_000, ge=100)
    """Latest records of each log topic kept in memory; older positions are read from Kafka."""
    views_startup_scan_records: int = Field(default=50_000, ge=0)
    """Records per partition of a log topic read back at start, never the whole history."""
    views_recent_activities: int = Field(default=50, ge=0, le=10_000)
    """Activities sent on a fresh connect (without ``Last-Event-ID``) before ``ready``."""
    views_history_per_user: int = Field(default=500, ge=1, le=100_000)
    """Balance changes of the caller sent on a fresh ``/balance-histories`` connect (a cap)."""
    views_client_queue: int = Field(default=1000, ge=1)
    """Live events a client may have waiting; a client that falls further behind is dropped."""
    views_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    """Seconds between heartbeat comments on every stream."""
    views_token_warning_seconds: float = Field(default=60.0, ge=0)
    """How long before the token expires a stream sends ``token-expiring``."""
    views_send_timeout_seconds: float = Field(default=10.0, gt=0)
    """A stream whose socket accepts nothing for this long is closed."""
    views_ready_timeout_seconds: float = Field(default=10.0, ge=0)
    """How long a new stream waits for the gateway to catch up with Kafka before a 503."""
    views_replay_concurrency: int = Field(default=4, ge=1)
    """Clients resuming from before the in-memory window that are read back from Kafka at once."""
    views_replay_slices_at_once: int = Field(default=4, ge=1)
    """Slices of a resumed stream's replay (100 records each) framed per turn of the event
    loop, across all clients: replays take turns and never hold up anything else."""
    views_replays_per_user: int = Field(default=2, ge=1)
    """Resumed streams of one user replaying at once; one more is refused with 429."""
    views_replay_stall_seconds: float = Field(default=15.0, gt=0)
    """A read-back from Kafka that makes no progress for this long ends the stream."""

    # -- the System section (topic explorer, command traces) -------------------------------------
    system_readers: int = Field(default=8, ge=1)
    """Topic readers (record streams and trace searches) open at once in this process; one
    more is refused with 503, so the explorer never takes the broker from the commands."""
    system_readers_per_user: int = Field(default=2, ge=1)
    """Topic readers one user may have open at once; one more is refused with 429."""
    system_stream_seconds: float = Field(default=900.0, gt=0)
    """A topic's record stream ends after this long (the browser reconnects from the end)."""
    system_records_per_page: int = Field(default=100, ge=1, le=1000)
    """The most records a topic's stream starts with (``?limit=``, newest first)."""
    system_scan_records: int = Field(default=20_000, ge=100)
    """With a key or header filter, how many of each partition's latest records are searched
    for the first page; and how many records a trace reads at most, per topic."""
    system_trace_seconds: float = Field(default=60.0, gt=0, le=3600)
    """A trace looks for records written this long after the command (and a little before)."""
    system_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """A snapshot of the topics and groups, or a trace, that takes longer is a 503."""

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_allow_origins.split(",") if origin.strip()]

    @model_validator(mode="after")
    def _one_identity_provider(self) -> Self:
        if self.auth_dev_provider and self.auth_jwks_url:
            raise ValueError("AUTH_JWKS_URL is set: also set AUTH_DEV_PROVIDER=false")
        if not self.auth_dev_provider and not self.auth_jwks_url:
            raise ValueError("AUTH_DEV_PROVIDER=false needs AUTH_JWKS_URL of your provider")
        if not self.auth_dev_provider and self.auth_issuer == DEV_ISSUER:
            raise ValueError("AUTH_ISSUER must name your identity provider, not the dev one")
        return self
