"""`python -m streampay_streams.projector`: run one projector (see the package docstring)."""

from __future__ import annotations

from streampay_streams.__main__ import run
from streampay_streams.config import StreamsSettings

if __name__ == "__main__":
    run(StreamsSettings().as_projector())
