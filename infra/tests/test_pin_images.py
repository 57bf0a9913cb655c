"""Pinning image references by digest: every reference found, rewritten in place, re-pinned."""

from __future__ import annotations

import pytest

from streampay_infra.pin_images import FILES, ROOT, pin, references

pytestmark = pytest.mark.unit

DOCKERFILE = """ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9@sha256:{old}
FROM ${{PYTHON_IMAGE}} AS runtime
"""
COMPOSE = """services:
  redpanda:
    image: docker.redpanda.com/redpandadata/redpanda:v25.3.9
    command: [redpanda, start]
"""


def digest(name: str) -> str:
    return "sha256:" + format(abs(hash(name)), "x").rjust(64, "0")[:64]


def test_every_reference_of_the_project_is_found() -> None:
    found = {name for path in FILES for name, _ in references((ROOT / path).read_text())}
    assert "python:3.11-slim-bookworm" in found
    assert any(name.startswith("docker.redpanda.com/redpandadata/redpanda:") for name in found)
    assert all(":" in name.rsplit("/", 1)[-1] for name in found), found  # each with its tag


def test_pinning_writes_the_digest_after_the_tag_and_replaces_an_old_one() -> None:
    text = DOCKERFILE.format(old="0" * 64)
    pinned = pin(text, digest)
    assert references(pinned) == [
        ("python:3.11-slim-bookworm", digest("python:3.11-slim-bookworm")),
        ("ghcr.io/astral-sh/uv:0.13.9", digest("ghcr.io/astral-sh/uv:0.13.9")),
    ]
    assert pinned.endswith("FROM ${PYTHON_IMAGE} AS runtime\n")
    assert pin(pinned, digest) == pinned


def test_compose_images_are_pinned_and_the_rest_is_left_alone() -> None:
    pinned = pin(COMPOSE, digest)
    name = "docker.redpanda.com/redpandadata/redpanda:v25.3.9"
    assert f"    image: {name}@{digest(name)}\n" in pinned
    assert pinned.replace(f"@{digest(name)}", "") == COMPOSE
