"""Shared settings: the same variable names and local defaults in every service."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from streampay_contracts import KafkaSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_PARTITIONS",
        "REPLIES_RETENTION_MS",
        "SIGNUP_GRANT",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_work_locally() -> None:
    settings = KafkaSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.kafka_partitions == 3
    assert settings.replies_retention_ms == 86_400_000
    assert settings.signup_grant == Decimal("100.00")
    assert str(settings.signup_grant) == "100.00"
    assert settings.log_level == "INFO"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:29092")
    monkeypatch.setenv("KAFKA_PARTITIONS", "6")
    monkeypatch.setenv("SIGNUP_GRANT", "12.5")
    monkeypatch.setenv("log_level", "debug")
    settings = KafkaSettings()
    assert settings.kafka_bootstrap_servers == "broker:29092"
    assert settings.kafka_partitions == 6
    assert str(settings.signup_grant) == "12.50"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SIGNUP_GRANT", "1e2", "must be a decimal number such as 100.00"),
        ("SIGNUP_GRANT", "-5", "amount must not be negative"),
        ("SIGNUP_GRANT", "0.005", "amount must have at most 2 decimal places"),
        ("SIGNUP_GRANT", "1000000.01", "must be at most 1000000.00"),
        ("KAFKA_PARTITIONS", "0", "greater than or equal to 1"),
        ("LOG_LEVEL", "LOUD", "Input should be 'DEBUG'"),
    ],
)
def test_invalid_settings_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        KafkaSettings()


def test_services_extend_the_shared_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    class GatewaySettings(KafkaSettings):
        http_port: int = 9090

    monkeypatch.setenv("HTTP_PORT", "8080")
    monkeypatch.setenv("KAFKA_PARTITIONS", "2")
    settings = GatewaySettings()
    assert (settings.http_port, settings.kafka_partitions) == (8080, 2)
