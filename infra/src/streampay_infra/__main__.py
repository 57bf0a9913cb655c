"""Command line of the local stack, called by the Makefile.

python -m streampay_infra up | down | status
python -m streampay_infra tail TOPIC [--from-beginning]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic_settings import BaseSettings, SettingsConfigDict

from streampay_contracts.settings import ENV_FILE
from streampay_infra import kafka, tail
from streampay_infra.stack import Stack, StackConfig, StackError, http_ok


class StackSettings(BaseSettings):
    """Ports of the local demo; the defaults are the ones the README promises."""

    model_config = SettingsConfigDict(extra="ignore", env_file=ENV_FILE, env_file_encoding="utf-8")

    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    gateway_port: int = 9090
    kafka_partitions: int = 3

    def stack(self) -> Stack:
        return Stack(
            StackConfig(
                kafka_port=self.kafka_port,
                controller_port=self.kafka_controller_port,
                gateway_port=self.gateway_port,
                partitions=self.kafka_partitions,
            )
        )


def up(stack: Stack) -> int:
    try:
        stack.up()
    except (StackError, kafka.MissingPrerequisiteError) as error:
        print(f"✗ {error}", file=sys.stderr)
        return 1
    url = stack.config.gateway_url.replace("127.0.0.1", "localhost")
    print(
        f"\n  StreamPay     {url}\n  API docs      {url}/docs\n"
        f"  Kafka         {stack.config.bootstrap_servers}\n"
        f"  Logs          make logs   ·   Topics  make tail TOPIC=commands\n"
    )
    return 0


def status(stack: Stack) -> int:
    running = stack.status()
    for name, alive in running.items():
        rec = stack.supervisor.record(name)
        pid = f"pid {rec.pid}" if rec and alive else ""
        print(f"  {name:<11} {'running' if alive else 'stopped':<8} {pid}")
    healthy = http_ok(f"{stack.config.gateway_url}/healthz")
    print(f"  gateway /healthz: {'200 OK' if healthy else 'no answer'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streampay_infra")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start broker, topics, UI, streams, gateway, simulation")
    sub.add_parser("down", help="stop what `up` started")
    sub.add_parser("status", help="what is running")
    tail_parser = sub.add_parser("tail", help="print a topic's records live")
    tail_parser.add_argument("topic")
    tail_parser.add_argument("--from-beginning", action="store_true")
    args = parser.parse_args(argv)
    # The readiness probes expect refused connections while the broker starts; only the
    # probes' verdicts are worth printing.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    settings = StackSettings()
    stack = settings.stack()
    if args.command == "up":
        return up(stack)
    if args.command == "down":
        stack.down()
        return 0
    if args.command == "status":
        return status(stack)
    bootstrap = stack.config.bootstrap_servers
    asyncio.run(tail.follow(bootstrap, args.topic, from_beginning=args.from_beginning))
    return 0


if __name__ == "__main__":
    sys.exit(main())
