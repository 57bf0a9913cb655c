"""`python -m streampay_streams`: run one Faust worker of the write model."""

from __future__ import annotations

import sys

from streampay_streams import agents
from streampay_streams.app import create_app
from streampay_streams.config import StreamsSettings


def main() -> None:
    settings = StreamsSettings()
    app = create_app(settings)
    agents.register(app)
    # Faust reads its command line; run the worker without its web server.
    sys.argv = [sys.argv[0], "worker", "--without-web", "--loglevel", settings.log_level.lower()]
    app.main()


if __name__ == "__main__":
    main()
