"""The AsyncAPI document of StreamPay's topics, as the contracts generate it.

The HTTP API is described by ``/openapi.json``; what travels on Kafka between the services
(every topic's key, values, headers and cleanup, and who writes and reads it) by
``/asyncapi.json``. It is the same document as the committed ``docs/asyncapi.yaml``.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from streampay_contracts import asyncapi
from streampay_contracts.headers import JSON_CONTENT_TYPE

router = APIRouter()


@router.get("/asyncapi.json", include_in_schema=False)
async def asyncapi_document() -> Response:
    return Response(
        asyncapi.json_bytes(), media_type=JSON_CONTENT_TYPE, headers={"Cache-Control": "no-cache"}
    )
