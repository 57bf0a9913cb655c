"""Which package may import which: the services share only the contracts, and the tools import a
service only through its published command-line modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
SOURCES = {
    "streampay_contracts": REPO / "libs/contracts/src/streampay_contracts",
    "streampay_gateway": REPO / "services/gateway/src/streampay_gateway",
    "streampay_streams": REPO / "services/streams/src/streampay_streams",
    "streampay_simulation": REPO / "services/simulation/src/streampay_simulation",
    "streampay_infra": REPO / "infra/src/streampay_infra",
}
ALLOWED: dict[str, tuple[str, ...]] = {
    "streampay_contracts": (),
    "streampay_gateway": ("streampay_contracts",),
    "streampay_streams": ("streampay_contracts",),
    "streampay_simulation": ("streampay_contracts",),
    # The audit replays the log with the streams package's replay tool (its projections); the
    # write-model bench writes commands with the gateway's correlation ids and fingerprints.
    "streampay_infra": (
        "streampay_contracts",
        "streampay_streams.replay",
        "streampay_gateway.commands.correlation",
    ),
}


def first_party_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {name for name in names if name.startswith("streampay_")}
    return found


@pytest.mark.parametrize("package", sorted(SOURCES))
def test_a_package_imports_only_itself_the_contracts_and_published_tools(package: str) -> None:
    allowed = (package, *ALLOWED[package])
    wrong = sorted(
        f"{path.relative_to(REPO)} imports {module}"
        for path in SOURCES[package].rglob("*.py")
        for module in first_party_imports(path)
        if not any(module == name or module.startswith(f"{name}.") for name in allowed)
    )
    assert not wrong, wrong
