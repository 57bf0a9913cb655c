"""What the simulation did: every command it sent and the status of its reply."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Outcome:
    """The answer to one command: its HTTP status (504 when no reply came) and why."""

    command: str
    status: int
    detail: str = ""


@dataclass
class Stats:
    by_command: Counter[tuple[str, int]] = field(default_factory=Counter)
    deposited: Decimal = Decimal("0.00")
    replayed: int = 0

    def record(self, outcome: Outcome, amount: Decimal | None = None) -> None:
        self.by_command[(outcome.command, outcome.status)] += 1
        if outcome.command == "DepositCommand" and outcome.status == 200 and amount is not None:
            self.deposited += amount

    @property
    def sent(self) -> int:
        return sum(self.by_command.values())

    def count(self, predicate: str) -> int:
        """Commands whose status class is `predicate` ('2xx', '4xx', '5xx')."""
        digit = int(predicate[0])
        return sum(n for (_, status), n in self.by_command.items() if status // 100 == digit)

    @property
    def unanswered(self) -> int:
        """Commands that never got a reply (counted as 504)."""
        return sum(n for (_, status), n in self.by_command.items() if status == 504)

    def summary(self) -> str:
        lines = [f"{'command':<24}{'status':>7}{'count':>8}"]
        for (command, status), n in sorted(self.by_command.items()):
            lines.append(f"{command:<24}{status:>7}{n:>8}")
        lines.append(
            f"sent {self.sent} commands: {self.count('2xx')} accepted, "
            f"{self.count('4xx')} refused, {self.count('5xx')} failed, "
            f"{self.unanswered} unanswered; deposits {self.deposited}"
        )
        return "\n".join(lines)
