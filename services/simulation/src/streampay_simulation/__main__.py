"""`python -m streampay_simulation`: run the virtual users until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

from streampay_contracts import logs
from streampay_simulation import runner
from streampay_simulation.config import SimulationSettings


async def _main(settings: SimulationSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runner.run(settings, stop)


def main() -> None:
    settings = SimulationSettings()
    logs.configure(settings.log_level)
    # httpx logs every request at INFO: the simulation logs its own commands instead.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(_main(settings))


if __name__ == "__main__":
    main()
