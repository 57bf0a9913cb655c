"""Every settings class reads ``.env``; ``.env.example`` lists every setting with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from streampay_contracts.settings import ENV_FILE, KafkaSettings
from streampay_gateway.config import GatewaySettings
from streampay_infra.__main__ import StackSettings
from streampay_simulation.config import SimulationSettings
from streampay_streams.config import StreamsSettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / ".env.example"
CLASSES: list[type[BaseSettings]] = [
    KafkaSettings,
    GatewaySettings,
    StreamsSettings,
    SimulationSettings,
    StackSettings,
]
LINE = re.compile(r"^# ([A-Z][A-Z0-9_]*)=(.*)$")


def example() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line)
        if match:
            assert match[1] not in found, f"{match[1]} is listed twice"
            found[match[1]] = match[2]
    return found


def every_settings_class() -> set[type[BaseSettings]]:
    """The listed classes and every subclass of them that is loaded."""
    found: set[type[BaseSettings]] = set()
    pending: list[type[BaseSettings]] = list(CLASSES)
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("streampay_") and cls not in found:
            found.add(cls)
            pending += cls.__subclasses__()
    return found


@pytest.mark.parametrize("cls", sorted(every_settings_class(), key=lambda c: c.__name__))
def test_every_settings_class_reads_the_env_file(
    cls: type[BaseSettings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cls.model_config.get("env_file") == ENV_FILE
    name = next(iter(cls.model_fields))
    monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    default = cls().model_dump()[name]
    field = cls.model_fields[name]
    value = {int: "7", str: "from-the-file"}.get(field.annotation)  # type: ignore[call-overload]
    if value is None:
        pytest.skip(f"{cls.__name__}.{name} is not a plain int or str")
    (tmp_path / ENV_FILE).write_text(f"{name.upper()}={value}\n", encoding="utf-8")
    assert str(cls().model_dump()[name]) == value != str(default)
    monkeypatch.setenv(name.upper(), "8" if value == "7" else "from-the-environment")
    assert str(cls().model_dump()[name]) != value  # the environment wins over the file


def test_the_example_lists_every_setting_and_nothing_else() -> None:
    names = {name.upper() for cls in every_settings_class() for name in cls.model_fields}
    listed = set(example())
    assert sorted(names - listed) == [], "settings missing from .env.example"
    assert sorted(listed - names) == [], ".env.example lists settings that do not exist"


def test_the_examples_values_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uncommenting the whole example changes nothing (paths aside: the example's are relative
    to the repository, the defaults absolute)."""
    listed = example()
    for name in listed:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ENV_FILE).write_text(
        "".join(f"{name}={value}\n" for name, value in listed.items() if value), encoding="utf-8"
    )
    nothing = tmp_path / "without-env-file"
    nothing.mkdir()
    for cls in every_settings_class():
        monkeypatch.chdir(nothing)
        defaults = cls().model_dump()
        monkeypatch.chdir(tmp_path)
        from_file = cls().model_dump()
        for name, default in defaults.items():
            if isinstance(default, Path):
                assert from_file[name] == Path(listed[name.upper()]), name
            else:
                assert from_file[name] == default, f"{cls.__name__}.{name}"
