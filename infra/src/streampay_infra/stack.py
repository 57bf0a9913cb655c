"""The local StreamPay stack: broker, topics, UI build, streams worker, gateway, simulation.

`make up` runs `python -m streampay_infra.stack up` with the run directory `.run/` and the
default ports; the test suite builds a `Stack` with a temporary run directory and free ports,
so it never disturbs a running demo. Every process is recorded by pid (see `process.py`), so
`down` stops exactly what `up` started, and `up` twice is harmless: whatever is already running
and healthy is left alone.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from streampay_contracts.topics import topic_specs
from streampay_infra import frontend, kafka, topics
from streampay_infra.process import Supervisor, poll

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("streams", "projector", "gateway", "simulation")
MODULES = {"projector": "streampay_streams.projector"}
"""The module a service runs as, where it is not ``streampay_<service>``."""


REPLICA_METRICS_PORT = {
    "gateway": "GATEWAY_METRICS_PORT",
    "streams": "STREAMS_METRICS_PORT",
    "projector": "PROJECTOR_METRICS_PORT",
}
"""The setting naming a service's metrics port: every replica on this host gets one of its own."""


def module_of(service: str) -> str:
    return MODULES.get(service, f"streampay_{service}")


class StackError(RuntimeError):
    """A component did not start; the message names it and points at its log."""


@dataclass
class StackConfig:
    run_dir: Path = ROOT / ".run"
    data_dir: Path = ROOT / ".data"
    cache_dir: Path = ROOT / ".cache" / "kafka"
    kafka_port: int = 9092
    controller_port: int = 9093
    gateway_port: int = 9090
    metrics_port: int = 9091
    streams_metrics_port: int = 9094
    projector_metrics_port: int = 9095
    partitions: int = 3
    build_frontend: bool = True
    services: tuple[str, ...] = SERVICES
    env: dict[str, str] = field(default_factory=dict)
    say: Callable[[str], None] = print
    external_broker: str | None = None
    """Bootstrap servers of a broker started elsewhere (a test session's Redpanda container),
    used instead of starting Apache Kafka here."""

    @property
    def bootstrap_servers(self) -> str:
        return self.external_broker or f"127.0.0.1:{self.kafka_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def metrics_url(self) -> str:
        """The gateway's Prometheus metrics, served apart from the API."""
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def service_env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "KAFKA_PARTITIONS": str(self.partitions),
            "GATEWAY_PORT": str(self.gateway_port),
            "GATEWAY_METRICS_PORT": str(self.metrics_port),
            "STREAMS_METRICS_PORT": str(self.streams_metrics_port),
            "PROJECTOR_METRICS_PORT": str(self.projector_metrics_port),
            "GATEWAY_URL": self.gateway_url,
            "GATEWAY_DATA_DIR": str(self.data_dir / "gateway"),
            "STREAMS_DATA_DIR": str(self.data_dir / "streams"),
            "FRONTEND_DIST": str(ROOT / "frontend" / "dist"),
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LOOPBACK_LIMITS = {
    "HTTP_MAX_CONNECTIONS": "100000",
    "HTTP_MAX_CONNECTIONS_PER_ADDRESS": "100000",
    "AUTH_SIGN_INS_PER_MINUTE": "1000000",
    "NEW_PROFILES_PER_HOUR": "1000000",
}
"""Every client of a scratch stack (tests, bench) is 127.0.0.1: the gateway's limits per client
address would count them all as one client. The attack tests check those limits on a gateway
of their own."""


def scratch_config(
    folder: Path,
    say: Callable[[str], None] | None = None,
    env: dict[str, str] | None = None,
    external_broker: str | None = None,
) -> StackConfig:
    """A stack of its own in `folder` on free loopback ports (broker, streams worker, projector,
    gateway; no web app build), as the tests, the bench and the fault tier run it beside
    `make up`; on ``external_broker`` instead of a broker of its own when given."""
    return StackConfig(
        run_dir=folder / "run",
        data_dir=folder / "data",
        kafka_port=free_port(),
        controller_port=free_port(),
        gateway_port=free_port(),
        metrics_port=free_port(),
        streams_metrics_port=free_port(),
        projector_metrics_port=free_port(),
        build_frontend=False,
        services=("streams", "projector", "gateway"),
        env={**LOOPBACK_LIMITS, **(env or {})},
        say=say or (lambda line: None),
        external_broker=external_broker,
    )


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.supervisor = Supervisor(config.run_dir)
        self.broker = kafka.BrokerConfig(
            data_dir=config.data_dir / "kafka",
            port=config.kafka_port,
            controller_port=config.controller_port,
            partitions=config.partitions,
        )

    # -- the whole stack -------------------------------------------------------------------

    def up(self) -> None:
        started = time.monotonic()
        self.start_broker()
        self.create_topics()
        if self.config.build_frontend:
            self.config.say("• building the web app (frontend/dist)")
            frontend.build(self.config.say)
        for name in self.config.services:
            self.start_service(name)
        self.config.say(f"✓ StreamPay is up ({time.monotonic() - started:.0f} s)")

    def down(self) -> None:
        """Stop every process of this run directory: services and replicas, then the broker."""
        known = (*reversed(SERVICES), "broker")
        replicas = [r.name for r in self.supervisor.records() if r.name not in known]
        for name in (*replicas, *known):
            if self.supervisor.stop(name):
                self.config.say(f"• stopped {name}")

    def status(self) -> dict[str, bool]:
        return {n: self.supervisor.is_running(n) for n in ("broker", *SERVICES)}

    # -- components ------------------------------------------------------------------------

    def start_broker(self) -> None:
        say = self.config.say
        external = self.config.external_broker
        if external is not None:
            say(f"• using the broker on {external}")
            if not poll(lambda: broker_answers(external), 90, interval=0.5):
                raise StackError(f"the broker on {external} did not answer within 90 s")
            return
        if self.supervisor.is_running("broker"):
            say(f"• broker already running on {self.broker.bootstrap_servers}")
        else:
            say("• resolving Apache Kafka with Maven (cached after the first run)")
            libs = kafka.ensure_jars(self.config.cache_dir)
            if kafka.ensure_formatted(self.broker, libs):
                say(f"• formatted new KRaft storage in {self.broker.data_dir}")
            say(f"• starting Apache Kafka on {self.broker.bootstrap_servers}")
            self.supervisor.spawn("broker", kafka.broker_command(self.broker, libs))
        self._wait("broker", lambda: broker_answers(self.config.bootstrap_servers), 90)

    def create_topics(self) -> None:
        self.config.say(f"• creating topics ({self.config.partitions} partitions each)")
        specs = topic_specs()
        actions = asyncio.run(
            topics.apply(self.config.bootstrap_servers, self.config.partitions, specs)
        )
        for name, action in actions.items():
            self.config.say(f"    {name:<22} {action}")

    def start_service(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start one service (unless running) with extra `env`, and wait until it is ready."""
        if self.supervisor.is_running(name):
            self.config.say(f"• {name} already running")
        else:
            self.config.say(f"• starting {name}")
            command = [sys.executable, "-m", module_of(name)]
            service_env = {**self.config.service_env(), **(env or {})}
            self.supervisor.spawn(name, command, env=service_env, cwd=ROOT)
        self._wait(name, self._ready_check(name), 120)

    def start_replica(self, service: str, name: str, env: dict[str, str]) -> None:
        """Start one more process of `service`, recorded as `name`, with extra `env` (e.g. a
        second streams worker with its own data directory, a second gateway on another
        `GATEWAY_PORT`, and its metrics on a free port of their own unless `env` names one);
        wait until its own probe passes. `down` stops it too."""
        if service in REPLICA_METRICS_PORT:
            env = {REPLICA_METRICS_PORT[service]: str(free_port()), **env}
        if not self.supervisor.is_running(name):
            self.config.say(f"• starting {name} ({service})")
            command = [sys.executable, "-m", module_of(service)]
            self.supervisor.spawn(name, command, env={**self.config.service_env(), **env}, cwd=ROOT)
        if service == "gateway":
            port = env.get("GATEWAY_PORT", str(self.config.gateway_port))
            self._wait(name, lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), 120)
        else:
            self._wait(name, lambda: self._probe(service, env), 120)

    def stop_service(self, name: str) -> None:
        self.supervisor.stop(name)

    def _ready_check(self, name: str) -> Callable[[], bool]:
        if name == "gateway":
            return lambda: http_ok(f"{self.config.gateway_url}/healthz")
        if name in ("streams", "projector"):
            return lambda: self._probe(name)
        return lambda: True

    def _probe(self, name: str, env: dict[str, str] | None = None) -> bool:
        """Run a service's own health probe, the one docker compose uses too."""
        command = [sys.executable, "-m", f"{module_of(name)}.health"]
        result = subprocess.run(
            command,
            env={**os.environ, **self.config.service_env(), **(env or {})},
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def _wait(self, name: str, ready: Callable[[], bool], timeout: float) -> None:
        def check() -> bool:
            if not self.supervisor.is_running(name):
                raise StackError(self._failure(name, "exited"))
            return ready()

        if not poll(check, timeout, interval=0.5):
            raise StackError(self._failure(name, f"was not ready within {timeout:.0f} s"))

    def _failure(self, name: str, what: str) -> str:
        log = self.supervisor.log_path(name)
        tail = log.read_text(errors="replace").splitlines()[-25:] if log.exists() else []
        return f"{name} {what}; last lines of {log}:\n" + "\n".join(tail)


# -- probes ---------------------------------------------------------------------------------


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def broker_answers(bootstrap_servers: str) -> bool:
    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())
