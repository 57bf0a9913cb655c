"""`python -m streampay_gateway`: serve the gateway with uvicorn."""

from __future__ import annotations

import uvicorn

from streampay_gateway.app import create_app
from streampay_gateway.config import GatewaySettings
from streampay_gateway.serving import guarded_protocol


def main() -> None:
    settings = GatewaySettings()
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level=settings.log_level.lower(),
        access_log=False,  # the gateway logs requests itself, without query strings (tokens)
        proxy_headers=True,
        http=guarded_protocol(settings.http_head_timeout_seconds, settings.http_max_head_bytes),
    )


if __name__ == "__main__":
    main()
