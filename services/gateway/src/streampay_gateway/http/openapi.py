"""The OpenAPI document: the contracts' models as schemas, and the routes' raw JSON bodies.

Routes read raw bodies and decode them with the contracts codec (FastAPI's own body parsing
would turn amounts into floats), so their request and response schemas are declared here, from
the very models the codec validates against, instead of being inferred from signatures.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from streampay_contracts import Problem
from streampay_contracts.headers import JSON_CONTENT_TYPE

_REF = "#/components/schemas/{model}"
_models: dict[str, type[BaseModel]] = {"Problem": Problem}


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to ``model``'s schema, which the document will include."""
    _models[model.__name__] = model
    return {"$ref": _REF.format(model=model.__name__)}


def json_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of ``model``."""
    content = {JSON_CONTENT_TYPE: {"schema": schema_ref(model)}}
    return {"requestBody": {"required": required, "content": content}}


def json_response(
    model: type[BaseModel], description: str, *, array: bool = False
) -> dict[str, Any]:
    """One OpenAPI ``responses`` entry: a JSON ``model`` (or a list of them)."""
    schema: dict[str, Any] = schema_ref(model)
    if array:
        schema = {"type": "array", "items": schema}
    return {"description": description, "content": {JSON_CONTENT_TYPE: {"schema": schema}}}


def install(app: FastAPI) -> None:
    """Generate ``app``'s document once, with every referenced model under components."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(_model_schemas())
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _model_schemas() -> dict[str, Any]:
    pairs = [(model, "validation") for model in _models.values()]
    _, definitions = models_json_schema(pairs, ref_template=_REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = definitions.get("$defs", {})
    return schemas
