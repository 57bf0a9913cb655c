"""Which broker a test session runs on; without TEST_BROKER=redpanda nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from streampay_infra import session_broker, stack
from streampay_infra.session_broker import choose, external_broker
from streampay_infra.stack import Stack, scratch_config

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def no_docker_call() -> bool:
    raise AssertionError("the default path never asks for Docker")


def test_by_default_the_session_runs_on_local_kafka_without_asking_docker() -> None:
    assert choose({}, docker=no_docker_call) == "kafka"
    assert choose({"TEST_BROKER": "kafka"}, docker=no_docker_call) == "kafka"


def test_redpanda_is_used_when_asked_for_and_a_docker_engine_answers() -> None:
    assert choose({"TEST_BROKER": "redpanda"}, docker=lambda: True) == "redpanda"
    assert choose({"TEST_BROKER": " Redpanda "}, docker=lambda: True) == "redpanda"


def test_without_a_docker_engine_redpanda_falls_back_to_local_kafka_and_says_so() -> None:
    said: list[str] = []
    assert choose({"TEST_BROKER": "redpanda"}, docker=lambda: False, say=said.append) == "kafka"
    assert said and "no Docker engine" in said[0]


def test_an_unknown_broker_is_refused() -> None:
    with pytest.raises(ValueError, match="kafka or redpanda"):
        choose({"TEST_BROKER": "rabbitmq"}, docker=lambda: True)


def test_local_kafka_needs_no_container() -> None:
    with external_broker("kafka") as bootstrap:
        assert bootstrap is None


def test_the_container_is_the_redpanda_of_docker_compose() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    assert compose["services"]["redpanda"]["image"] == session_broker.REDPANDA_IMAGE


def test_a_stack_on_an_external_broker_starts_no_broker_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(stack, "broker_answers", lambda servers: not asked.append(servers))
    config = scratch_config(tmp_path, external_broker="localhost:32768")
    assert config.bootstrap_servers == "localhost:32768"
    assert config.service_env()["KAFKA_BOOTSTRAP_SERVERS"] == "localhost:32768"
    test_stack = Stack(config)
    test_stack.start_broker()
    assert asked == ["localhost:32768"]
    assert test_stack.supervisor.record("broker") is None


def test_a_scratch_stack_has_a_broker_of_its_own_by_default(tmp_path: Path) -> None:
    config = scratch_config(tmp_path)
    assert config.external_broker is None
    assert config.bootstrap_servers == f"127.0.0.1:{config.kafka_port}"
