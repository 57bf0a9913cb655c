"""`python -m streampay_simulation`: run the virtual users."""

from __future__ import annotations

import asyncio

from streampay_simulation import world
from streampay_simulation.config import SimulationSettings


def main() -> None:
    asyncio.run(world.run(SimulationSettings()))


if __name__ == "__main__":
    main()
