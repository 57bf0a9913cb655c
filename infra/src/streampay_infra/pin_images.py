"""Pin every container image the project builds from or runs to its digest.

``python -m streampay_infra.pin_images`` finds each image reference — the ``ARG *_IMAGE``
defaults of the Dockerfiles and the ``image:`` lines of ``docker-compose.yml`` — asks the
registry for the digest its tag names now (``docker buildx imagetools inspect``) and writes the
reference back as ``name:tag@sha256:…``. A reference pinned already is asked again, so running
it later moves every pin to the newest build of the same tag (the tag stays, for the reader).
``--check`` changes nothing and exits 1 when a reference has no digest.

It needs a registry that answers: the tag-to-digest step cannot be taken offline.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FILES = (
    "services/gateway/Dockerfile",
    "services/streams/Dockerfile",
    "services/simulation/Dockerfile",
    "infra/Dockerfile.topics",
    "docker-compose.yml",
)
REFERENCE = re.compile(
    r"^(?P<lead>\s*(?:ARG\s+\w+_IMAGE=|image:\s*))"
    r"(?P<name>[\w.\-/:]+?)(?:@(?P<digest>sha256:[0-9a-f]{64}))?\s*$",
    re.MULTILINE,
)

Resolve = Callable[[str], str]
"""An image reference (``name:tag``) → the digest its tag names now."""


def references(text: str) -> list[tuple[str, str | None]]:
    """Every image reference of a Dockerfile or compose file, with its digest if pinned."""
    return [(m["name"], m["digest"]) for m in REFERENCE.finditer(text)]


def pin(text: str, resolve: Resolve) -> str:
    """``text`` with every image reference pinned to the digest ``resolve`` gives."""
    return REFERENCE.sub(lambda m: f"{m['lead']}{m['name']}@{resolve(m['name'])}", text)


def registry_digest(reference: str) -> str:
    """The digest of ``reference``'s multi-platform index, as the registry gives it now."""
    answer = subprocess.run(
        ["docker", "buildx", "imagetools", "inspect", reference, "--format", "{{json .Manifest}}"],
        check=True,
        capture_output=True,
        text=True,
    )
    digest: str = json.loads(answer.stdout)["digest"]
    return digest


def unpinned(paths: Iterable[Path]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in paths
        for name, digest in references(path.read_text())
        if digest is None
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if an image is unpinned")
    args = parser.parse_args(argv)
    paths = [ROOT / name for name in FILES]
    if args.check:
        missing = unpinned(paths)
        print("\n".join(missing) or "every image is pinned by digest")
        return 1 if missing else 0
    for path in paths:
        path.write_text(pin(path.read_text(), registry_digest))
        print(f"pinned {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
