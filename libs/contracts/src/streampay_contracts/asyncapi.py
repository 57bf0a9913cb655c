"""The AsyncAPI 3 document of StreamPay's topics, generated from the contracts.

Every topic of :mod:`.topics` is a channel: its address, cleanup and retention (Kafka channel
binding), its key (Kafka message binding), the models of its values with their headers, and
which component writes and which reads it (one operation each, tagged with the component), as
:mod:`.channels` describes them. The document is committed as ``docs/asyncapi.yaml`` and served
by the gateway at ``/asyncapi.json``; a test keeps the committed file equal to this output::

    python -m streampay_contracts.asyncapi            # rewrite docs/asyncapi.yaml
    python -m streampay_contracts.asyncapi --check    # exit 1 when it differs from the code
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from streampay_contracts import codec, headers
from streampay_contracts.channels import APP_ID, COMPONENTS, Channel, Message, channels
from streampay_contracts.topics import TopicSpec

OUTPUT = Path("docs/asyncapi.yaml")
"""Where the document is committed, from the repository's root."""

ASYNCAPI_VERSION = "3.1.0"
KAFKA_BINDING_VERSION = "0.5.0"
_SCHEMAS = "#/components/schemas/{model}"


def document() -> dict[str, Any]:
    """The AsyncAPI 3 document, as plain data (its keys in the order written)."""
    found = channels()
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "StreamPay topics",
            "version": "0.1.0",
            "description": _DESCRIPTION,
            "tags": [{"name": name, "description": text} for name, text in COMPONENTS.items()],
        },
        "defaultContentType": headers.JSON_CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The broker `make up` starts (`KAFKA_BOOTSTRAP_SERVERS`)",
            }
        },
        "channels": {cid: _channel(spec, channel) for cid, (spec, channel) in found.items()},
        "operations": dict(_operations(found)),
        "components": {"schemas": _schemas(found.values())},
    }


_DESCRIPTION = """\
Every Kafka topic of StreamPay: what each record's key and value are, the headers it carries,
how the topic is cleaned up, and which component writes and reads it. Values are JSON with
camelCase names; amounts are JSON numbers with at most two decimals, read as exact decimals.
Every topic has `KAFKA_PARTITIONS` partitions, so that equal keys land in equal partition
numbers across topics. Operations are named `<component>.<send|receive>.<channel>` and tagged
with their component."""


def _channel(spec: TopicSpec, channel: Channel) -> dict[str, Any]:
    configuration: dict[str, Any] = {"cleanup.policy": [spec.cleanup_policy]}
    if spec.retention_ms is not None:
        configuration["retention.ms"] = spec.retention_ms
    found: dict[str, Any] = {
        "address": spec.name,
        "title": spec.name,
        "description": spec.description,
        "messages": {m.name: _message(spec, m) for m in channel.messages},
        "bindings": {
            "kafka": {"topicConfiguration": configuration, "bindingVersion": KAFKA_BINDING_VERSION}
        },
    }
    if "{" + APP_ID + "}" in spec.name:
        found["parameters"] = {
            APP_ID: {
                "description": "The streams worker's app id, `STREAMS_APP_ID`",
                "default": "streampay-streams",
            }
        }
    return found


def _message(spec: TopicSpec, message: Message) -> dict[str, Any]:
    payload: Mapping[str, Any] = (
        {"$ref": _SCHEMAS.format(model=message.model.__name__)}
        if message.model is not None
        else message.schema or {}
    )
    found: dict[str, Any] = {
        "name": message.name,
        "summary": message.summary,
        "payload": dict(payload),
    }
    if message.headers:
        found["headers"] = {
            "type": "object",
            "properties": {name: schema for name, (schema, _) in message.headers.items()},
            "required": [name for name, (_, required) in message.headers.items() if required],
        }
    key = {"type": "string", "description": spec.key}
    found["bindings"] = {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING_VERSION}}
    return found


def _operations(
    found: Mapping[str, tuple[TopicSpec, Channel]],
) -> Iterator[tuple[str, dict[str, Any]]]:
    for cid, (spec, channel) in found.items():
        for action, verb, components in (
            ("send", "writes", _writers(channel)),
            ("receive", "reads", channel.readers),
        ):
            for component in components:
                messages = [
                    {"$ref": f"#/channels/{cid}/messages/{m.name}"}
                    for m in channel.messages
                    if action == "receive" or component in (m.writers or channel.writers)
                ]
                yield (
                    f"{component}.{action}.{cid}",
                    {
                        "action": action,
                        "channel": {"$ref": f"#/channels/{cid}"},
                        "title": f"{component} {verb} {spec.name}",
                        "tags": [{"name": component}],
                        "messages": messages,
                    },
                )


def _writers(channel: Channel) -> tuple[str, ...]:
    named = [w for m in channel.messages for w in m.writers]
    return tuple(dict.fromkeys([*channel.writers, *named]))


def _schemas(found: Iterable[tuple[TopicSpec, Channel]]) -> dict[str, Any]:
    models = {
        m.model.__name__: m.model
        for _, channel in found
        for m in channel.messages
        if m.model is not None
    }
    pairs = [(model, "validation") for model in models.values()]
    _, definitions = models_json_schema(pairs, ref_template=_SCHEMAS)  # type: ignore[arg-type]
    schemas: dict[str, Any] = definitions.get("$defs", {})
    return dict(sorted(schemas.items()))


class _Dumper(yaml.SafeDumper):
    """Plain YAML for people: no anchors for repeated parts, paragraphs as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text_block(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text_block)


def render(spec: Mapping[str, Any]) -> str:
    """The document as the committed YAML text."""
    return yaml.dump(dict(spec), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


@cache
def json_bytes() -> bytes:
    """The document as JSON, built once (the gateway serves it at ``/asyncapi.json``)."""
    return codec.dumps(document())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check StreamPay's AsyncAPI document.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)
    text = render(document())
    output: Path = args.output
    if args.check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            print(
                f"{output} is stale: run `python -m streampay_contracts.asyncapi`", file=sys.stderr
            )
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
