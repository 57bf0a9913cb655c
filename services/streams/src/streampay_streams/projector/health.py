"""`python -m streampay_streams.projector.health`: exit 0 when this projector is serving."""

from __future__ import annotations

import sys

from streampay_streams.config import StreamsSettings
from streampay_streams.health import check

if __name__ == "__main__":
    sys.exit(check(StreamsSettings().as_projector()))
