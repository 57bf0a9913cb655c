"""The functional core names no topic, header, encoding or Kafka client: it decides, and the
adapters turn its decisions into records."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import streampay_streams.domain

pytestmark = pytest.mark.unit

DOMAIN = Path(streampay_streams.domain.__file__).parent
FORBIDDEN_MODULES = ("faust", "aiokafka", "mode", "streampay_streams.adapters")
FORBIDDEN_CONTRACTS = {"topics", "headers", "codec", "kafka", "encode", "decode"}


def imports(path: Path) -> list[tuple[str, str]]:
    """``(module, name)`` for every import in ``path``; name is empty for ``import module``."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_kafka_topic_header_or_codec(path: Path) -> None:
    for module, name in imports(path):
        assert not module.startswith(FORBIDDEN_MODULES), f"{path.name} imports {module}"
        contracts_part = module.removeprefix("streampay_contracts").lstrip(".")
        if module.startswith("streampay_contracts"):
            assert contracts_part not in FORBIDDEN_CONTRACTS, f"{path.name} imports {module}"
            assert name not in FORBIDDEN_CONTRACTS, f"{path.name} imports {name} from {module}"
