"""A single-node Apache Kafka broker (KRaft) for machines without a Docker engine.

The broker is a plain Java process: Maven resolves the pinned `kafka_2.13` artifact and its
runtime dependencies (see `infra/kafka/pom.xml`) into a git-ignored jar cache once; storage is
formatted once per data folder, so topics and their records survive restarts. Java 17 and
Maven are the only prerequisites.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parents[2]
POM = INFRA_DIR / "kafka" / "pom.xml"
LOG4J_CONFIG = INFRA_DIR / "kafka" / "log4j2.xml"
MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"


class MissingPrerequisiteError(RuntimeError):
    """A tool the local broker needs is not installed; the message says what to install."""


@dataclass(frozen=True)
class BrokerConfig:
    """Where one local broker keeps its data and which loopback ports it listens on."""

    data_dir: Path
    port: int = 9092
    controller_port: int = 9093
    partitions: int = 3
    heap: str = "512m"

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    def properties(self) -> str:
        """The broker's configuration: one combined broker+controller node on 127.0.0.1."""
        return "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                f"CONTROLLER://127.0.0.1:{self.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={self.data_dir / 'logs'}",
                f"num.partitions={self.partitions}",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                # Topics are created explicitly with their contract configs; a typo in a
                # client must not silently create a topic with the wrong partition count.
                "auto.create.topics.enable=false",
                # One node: a consumer group may start as soon as its first member joins.
                "group.initial.rebalance.delay.ms=0",
                # The log cleaner keeps a key map of this size on the heap for good (default
                # 128 MiB, a quarter of this broker's) and zeroes all of it before each cleaning,
                # which the changelogs' one-minute segments bring every few seconds. A cleaning
                # here covers a few thousand keys; 8 MiB holds about 300,000 (what does not fit
                # is left to the next cleaning). At 100 commands/s: the old generation 162 → 43
                # MiB, the cleaner thread 0.017 → 0.013 of a core; young collections the same.
                f"log.cleaner.dedupe.buffer.size={8 * 1024 * 1024}",
                "",
            ]
        )


def require_tool(name: str, install_hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MissingPrerequisiteError(f"'{name}' was not found on PATH: {install_hint}")
    return path


def ensure_jars(cache_dir: Path) -> Path:
    """Resolve the broker's jars with Maven into `cache_dir/libs` unless already there."""
    libs = cache_dir / "libs"
    marker = cache_dir / ".resolved"
    pom_stamp = POM.read_text()
    if marker.exists() and marker.read_text() == pom_stamp and any(libs.glob("kafka_*.jar")):
        return libs
    require_tool("java", "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre)")
    mvn = require_tool("mvn", "install Apache Maven (Debian: apt-get install maven)")
    if libs.exists():
        shutil.rmtree(libs)
    subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
        ],
        check=True,
    )
    marker.write_text(pom_stamp)
    return libs


def java_command(libs: Path, main_class: str, *args: str, heap: str | None = None) -> list[str]:
    java = require_tool(
        "java", "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre)"
    )
    memory = [f"-Xms{heap}", f"-Xmx{heap}"] if heap else ["-Xmx256m"]
    return [
        java,
        *memory,
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp",
        f"{libs}/*",
        main_class,
        *args,
    ]


def ensure_formatted(config: BrokerConfig, libs: Path, cluster_id: str | None = None) -> bool:
    """Write the broker's properties and format its storage once; True when newly formatted."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    config.properties_file.write_text(config.properties())
    if (config.data_dir / "logs" / "meta.properties").exists():
        return False
    # Kafka cluster ids are 16 random bytes in unpadded URL-safe base64.
    cluster_id = cluster_id or base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    subprocess.run(
        java_command(
            libs,
            STORAGE_TOOL,
            "format",
            "--ignore-formatted",
            # One id in 64 starts with "-": as a separate argument it would read as an option.
            f"--cluster-id={cluster_id}",
            "-c",
            str(config.properties_file),
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True


def broker_command(config: BrokerConfig, libs: Path) -> list[str]:
    return java_command(libs, MAIN_CLASS, str(config.properties_file), heap=config.heap)
