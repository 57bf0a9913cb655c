"""docker-compose.yml, the Dockerfiles and .dockerignore, checked without a Docker engine.

Compose itself validates and resolves the file (infra/compose_check.sh: `docker compose` v2, or
Debian's docker-compose 1.29, installed by the script when missing); these tests then assert the
resolved shape. The Dockerfiles are parsed here: every COPY source must exist in the repository
and survive .dockerignore, dependencies come from uv.lock, images run as a non-root user, and
every `python -m MODULE` the images and compose run must exist in the workspace.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from streampay_streams.config import StreamsSettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
CHECK_SCRIPT = REPO / "infra" / "compose_check.sh"
DOCKERIGNORE = REPO / ".dockerignore"

SERVICES = {"redpanda", "console", "topics", "streams", "projector", "simulation", "gateway"}

# service -> (Dockerfile relative to the repo root, workspace package it installs, its module)
BUILT: dict[str, tuple[str, str, str]] = {
    "gateway": ("services/gateway/Dockerfile", "streampay-gateway", "streampay_gateway"),
    "streams": ("services/streams/Dockerfile", "streampay-streams", "streampay_streams"),
    "simulation": (
        "services/simulation/Dockerfile",
        "streampay-simulation",
        "streampay_simulation",
    ),
    "topics": ("infra/Dockerfile.topics", "streampay-infra", "streampay_infra.topics"),
}
# service -> (the service of BUILT whose image it runs, the module its `command` runs instead)
SAME_IMAGE: dict[str, tuple[str, str]] = {
    "projector": ("streams", "streampay_streams.projector"),
}

KAFKA_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "redpanda:9092",
    "KAFKA_PARTITIONS": "3",
    "LOG_LEVEL": "INFO",
}
EXPECTED_ENV: dict[str, dict[str, str]] = {
    "topics": KAFKA_ENV,
    "streams": {**KAFKA_ENV, "STREAMS_DATA_DIR": "/app/data/streams"},
    "projector": {**KAFKA_ENV, "STREAMS_DATA_DIR": "/app/data/streams"},
    "gateway": {
        **KAFKA_ENV,
        "GATEWAY_HOST": "0.0.0.0",
        "GATEWAY_PORT": "9090",
        "GATEWAY_DATA_DIR": "/app/data/gateway",
        "FRONTEND_DIST": "/app/frontend/dist",
    },
    "simulation": {**KAFKA_ENV, "GATEWAY_URL": "http://gateway:9090"},
}

HEALTHY = "service_healthy"
COMPLETED = "service_completed_successfully"
EXPECTED_DEPENDS_ON: dict[str, dict[str, str]] = {
    "redpanda": {},
    "console": {"redpanda": HEALTHY},
    "topics": {"redpanda": HEALTHY},
    "streams": {"redpanda": HEALTHY, "topics": COMPLETED},
    "projector": {"redpanda": HEALTHY, "topics": COMPLETED},
    "gateway": {"redpanda": HEALTHY, "topics": COMPLETED},
    "simulation": {"topics": COMPLETED, "streams": HEALTHY, "gateway": HEALTHY},
}

PINNED_REDPANDA = re.compile(r"^docker\.redpanda\.com/redpandadata/redpanda:v\d+\.\d+\.\d+$")
PINNED_CONSOLE = re.compile(r"^docker\.redpanda\.com/redpandadata/console:v\d+\.\d+\.\d+$")

DOCKERFILE_INSTRUCTIONS = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}


# --------------------------------------------------------------------------- Compose, resolved


def _compose_env() -> dict[str, str]:
    """The caller's environment without the variables the compose file interpolates, so that
    the resolved file shows its own defaults."""
    interpolated = set(re.findall(r"\$\{(\w+)", COMPOSE_FILE.read_text()))
    drop = interpolated | {"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_CHECK_FILE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK_SCRIPT), *args],
        cwd=REPO,
        env=_compose_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    proc = _run_check("--print")
    assert proc.returncode == 0, f"compose config failed:\n{proc.stderr}"
    config = yaml.safe_load(proc.stdout)
    assert isinstance(config, dict)
    return config


@pytest.fixture(scope="module")
def services(resolved: dict[str, Any]) -> dict[str, dict[str, Any]]:
    svcs = resolved["services"]
    assert isinstance(svcs, dict)
    return svcs


def _ports(service: dict[str, Any]) -> set[tuple[int, int]]:
    """(published, target) pairs, from the short ("9090:9090") or the long syntax."""
    pairs: set[tuple[int, int]] = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            pairs.add((int(port["published"]), int(port["target"])))
        else:
            *_, published, target = str(port).split("/")[0].split(":")
            pairs.add((int(published), int(target)))
    return pairs


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def _argv(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else shlex.split(str(value))


def test_compose_check_script_validates_the_file() -> None:
    proc = _run_check()
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "docker-compose.yml is valid" in proc.stdout


def test_compose_check_script_rejects_an_invalid_file(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace(COMPLETED, "service_finished", 1))
    proc = subprocess.run(
        ["bash", str(CHECK_SCRIPT)],
        env={**_compose_env(), "COMPOSE_CHECK_FILE": str(broken)},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode != 0
    assert "service_finished" in proc.stdout + proc.stderr


def test_every_service_is_defined(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == SERVICES


def test_broker_and_console_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    assert PINNED_REDPANDA.match(services["redpanda"]["image"]), services["redpanda"]["image"]
    assert PINNED_CONSOLE.match(services["console"]["image"]), services["console"]["image"]
    for name, svc in services.items():
        if "image" in svc:
            assert not svc["image"].endswith(":latest"), name
            assert ":" in svc["image"].rsplit("/", 1)[-1], f"{name}: image has no tag"


def test_redpanda_runs_one_dev_node_with_internal_and_external_listeners(
    resolved: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    redpanda = services["redpanda"]
    argv = _argv(redpanda["command"])
    assert argv[:2] == ["redpanda", "start"]
    for flag in ("--mode=dev-container", "--smp=1", "--overprovisioned"):
        assert flag in argv
    assert "--kafka-addr=internal://0.0.0.0:9092,external://0.0.0.0:19092" in argv
    assert "--advertise-kafka-addr=internal://redpanda:9092,external://localhost:19092" in argv
    assert (19092, 19092) in _ports(redpanda)

    mounts = [
        v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in redpanda["volumes"]
    ]
    assert any(m.startswith("redpanda-data:/var/lib/redpanda/data") for m in mounts), mounts
    assert "redpanda-data" in resolved["volumes"]

    check = _argv(redpanda["healthcheck"]["test"])
    assert check[0] == "CMD-SHELL"
    assert "rpk cluster health" in check[1]
    assert "Healthy:.+true" in check[1]
    assert "start_period" in redpanda["healthcheck"]


def test_console_is_published_on_8080_and_points_at_the_broker(
    services: dict[str, dict[str, Any]],
) -> None:
    console = services["console"]
    assert (8080, 8080) in _ports(console)
    env = console["environment"]
    config = yaml.safe_load(env["CONSOLE_CONFIG_FILE"])
    assert config["kafka"]["brokers"] == ["redpanda:9092"]
    assert config["redpanda"]["adminApi"]["urls"] == ["http://redpanda:9644"]
    assert env["CONFIG_FILEPATH"] in str(console["command"])


def test_gateway_is_published_on_9090_with_an_http_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    gateway = services["gateway"]
    assert _ports(gateway) == {(9090, 9090)}
    check = _argv(gateway["healthcheck"]["test"])
    assert check[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:9090/healthz" in check[3]
    assert "start_period" in gateway["healthcheck"]
    # the probe is valid Python (the slim image has no curl)
    compile(check[3], "<gateway healthcheck>", "exec")


def test_only_the_browser_facing_ports_and_the_broker_are_published(
    services: dict[str, dict[str, Any]],
) -> None:
    published = {name: {p for p, _ in _ports(svc)} for name, svc in services.items()}
    assert published == {
        "redpanda": {19092, 19644},
        "console": {8080},
        "gateway": {9090},
        "topics": set(),
        "streams": set(),
        "projector": set(),
        "simulation": set(),
    }


def test_topics_is_a_one_shot_job(services: dict[str, dict[str, Any]]) -> None:
    topics = services["topics"]
    assert topics["restart"] == "no"
    assert _argv(topics["command"]) == ["python", "-m", "streampay_infra.topics", "create"]
    assert "healthcheck" not in topics


def test_environment_of_each_service(services: dict[str, dict[str, Any]]) -> None:
    for name, expected in EXPECTED_ENV.items():
        env = {k: str(v) for k, v in services[name].get("environment", {}).items()}
        assert env == expected, name


def test_start_order_is_health_ordered(services: dict[str, dict[str, Any]]) -> None:
    actual = {name: _depends_on(svc) for name, svc in services.items()}
    assert actual == EXPECTED_DEPENDS_ON

    for name, deps in actual.items():
        for dep, condition in deps.items():
            if condition == HEALTHY:
                check = services[dep].get("healthcheck", {})
                assert check and not check.get("disable"), f"{name} waits on {dep}'s health"
            if condition == COMPLETED:
                assert services[dep].get("restart") == "no", f"{dep} must be one-shot"

    # `docker compose up --wait` (make up) accepts a one-shot that exits 0 only when a
    # long-running service waits for it with service_completed_successfully
    for name, svc in services.items():
        if svc.get("restart") == "no":
            adopters = [
                other
                for other, deps in actual.items()
                if deps.get(name) == COMPLETED and services[other].get("restart") != "no"
            ]
            assert adopters, f"one-shot {name} is not awaited by a long-running service"

    # acyclic, and every application service starts after the broker is healthy and the topics
    # exist (directly or through another service that waits for them)
    def ancestors(name: str, seen: tuple[str, ...] = ()) -> set[tuple[str, str]]:
        assert name not in seen, f"dependency cycle: {(*seen, name)}"
        found: set[tuple[str, str]] = set()
        for dep, condition in actual[name].items():
            found |= {(dep, condition)} | ancestors(dep, (*seen, name))
        return found

    for app in ("streams", "projector", "gateway", "simulation"):
        assert ("redpanda", HEALTHY) in ancestors(app), app
        assert ("topics", COMPLETED) in ancestors(app), app

    # Commands are decided and answered by streams alone; the projector only feeds the views,
    # which may lag. Nothing waits for it, so a slow or restarting projector delays no command.
    assert not [name for name, deps in actual.items() if "projector" in deps]


def test_services_with_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    with_check = {name for name, svc in services.items() if "healthcheck" in svc}
    assert with_check == {"redpanda", "gateway", "streams", "projector"}
    streams_check = _argv(services["streams"]["healthcheck"]["test"])
    assert streams_check == ["CMD", "python", "-m", "streampay_streams.health"]
    projector_check = _argv(services["projector"]["healthcheck"]["test"])
    assert projector_check == ["CMD", "python", "-m", "streampay_streams.projector.health"]
    # the same tolerances as the streams worker's: both recover Faust tables before "healthy"
    timings = {k: v for k, v in services["streams"]["healthcheck"].items() if k != "test"}
    assert {k: v for k, v in services["projector"]["healthcheck"].items() if k != "test"} == timings


def test_the_projector_is_the_streams_image_in_its_project_role(
    services: dict[str, dict[str, Any]],
) -> None:
    """Same image, environment and restart policy as streams; its own command and probe; the
    settings class accepts its environment and gives it a group and data dir of its own."""
    streams, projector = services["streams"], services["projector"]
    assert projector["build"] == streams["build"]
    assert "command" not in streams, "streams runs the image's CMD"
    assert _argv(projector["command"]) == ["python", "-m", "streampay_streams.projector"]
    assert projector["restart"] == streams["restart"] == "unless-stopped"
    assert projector["environment"] == streams["environment"]
    assert "ports" not in projector and "volumes" not in projector

    def settings(name: str) -> StreamsSettings:
        env = services[name]["environment"]
        fields = {field.upper() for field in StreamsSettings.model_fields}
        assert set(env) <= fields, f"{name}: StreamsSettings does not read {set(env) - fields}"
        return StreamsSettings.model_validate({k.lower(): str(v) for k, v in env.items()})

    decider, project = settings("streams"), settings("projector").as_projector()
    assert decider.roles == {"decide"}, "streams must not project beside the projector"
    assert project.roles == {"project"}
    assert project.streams_app_id == decider.streams_app_id  # its internal topics' names
    assert project.group_id == f"{decider.streams_app_id}-projector" != decider.group_id
    assert project.ready_marker.parent == Path("/app/data/streams/projector")


def test_built_services_use_the_repo_root_context_and_existing_dockerfiles(
    services: dict[str, dict[str, Any]],
) -> None:
    built = {name for name, svc in services.items() if "build" in svc}
    assert built == set(BUILT) | set(SAME_IMAGE)
    for name, (image_of, _) in SAME_IMAGE.items():
        assert services[name]["build"] == services[image_of]["build"], name
    for name, (dockerfile, _, _) in BUILT.items():
        build = services[name]["build"]
        assert Path(build["context"]).resolve() == REPO, name
        path = (Path(build["context"]) / build["dockerfile"]).resolve()
        assert path == (REPO / dockerfile).resolve(), name
        assert path.is_file(), f"{name}: {path} does not exist"


# ----------------------------------------------------------------------------- Dockerfiles


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass
class Dockerfile:
    path: Path
    global_args: dict[str, str]
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations and drop comment lines, as the Dockerfile parser does."""
    lines: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        lines.append((start, buffer.strip()))
        buffer = ""
    assert not buffer, "Dockerfile ends inside a line continuation"
    return lines


def _expand(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), value)


def parse_dockerfile(path: Path) -> Dockerfile:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for number, line in _logical_lines(path.read_text()):
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        assert keyword in DOCKERFILE_INSTRUCTIONS, f"{path}:{number}: unknown {keyword}"
        if keyword == "FROM":
            words = args.split()
            words = [w for w in words if not w.startswith("--platform")]
            assert len(words) in (1, 3), f"{path}:{number}: FROM image [AS name]"
            name = words[2] if len(words) == 3 else None
            if name is not None:
                assert words[1].upper() == "AS", f"{path}:{number}"
            stages.append(Stage(_expand(words[0], global_args), name))
        elif not stages:
            assert keyword == "ARG", f"{path}:{number}: only ARG may precede the first FROM"
            arg_name, _, default = args.partition("=")
            global_args[arg_name.strip()] = default.strip()
        else:
            stages[-1].instructions.append(Instruction(keyword, args, number))
    assert stages, f"{path}: no FROM"
    return Dockerfile(path, global_args, stages)


def _copy_parts(args: str) -> tuple[dict[str, str], list[str], str]:
    """(flags, sources, destination) of a COPY/ADD in shell or exec (JSON array) form."""
    words = yaml.safe_load(args) if args.lstrip().startswith("[") else shlex.split(args)
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    assert len(words) >= 2, f"COPY needs a source and a destination: {args}"
    return flags, words[:-1], words[-1]


def _exec_form(args: str) -> list[str]:
    value = yaml.safe_load(args)
    assert isinstance(value, list), f"use the exec (JSON array) form: {args}"
    return [str(v) for v in value]


def _dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = os.path.normpath(pattern.lstrip("!").strip()).lstrip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex)))
    return rules


def dockerignored(relative: str) -> bool:
    """Whether .dockerignore keeps `relative` (or a folder above it) out of the build context."""
    parts = Path(os.path.normpath(relative)).parts
    excluded = False
    for negate, regex in _dockerignore_rules():
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            excluded = not negate
    return excluded


def _workspace() -> tuple[list[str], dict[str, Path]]:
    """(member folders, package name -> member folder) from the root pyproject.toml."""
    root = tomllib.loads((REPO / "pyproject.toml").read_text())
    members: list[str] = root["tool"]["uv"]["workspace"]["members"]
    names = {
        tomllib.loads((REPO / m / "pyproject.toml").read_text())["project"]["name"]: REPO / m
        for m in members
    }
    return members, names


def _workspace_deps(package: str) -> set[str]:
    """The package and every workspace package it depends on, transitively."""
    _, names = _workspace()
    found, todo = set(), [package]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        project = tomllib.loads((names[name] / "pyproject.toml").read_text())["project"]
        for req in project.get("dependencies", []):
            dep = re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]
            if dep in names:
                todo.append(dep)
    return found


def _module_exists(module: str) -> bool:
    """Whether `python -m module` would find it in some workspace member's src/."""
    _, names = _workspace()
    rel = Path(*module.split("."))
    for folder in names.values():
        base = folder / "src" / rel
        if (base / "__main__.py").is_file() or base.with_suffix(".py").is_file():
            return True
    return False


DOCKERFILES = sorted(BUILT.items())


@pytest.fixture(params=[name for name, _ in DOCKERFILES])
def built(request: pytest.FixtureRequest) -> tuple[str, Dockerfile, str, str]:
    name: str = request.param
    relative, package, module = BUILT[name]
    return name, parse_dockerfile(REPO / relative), package, module


DIGEST_OPTIONAL = r"%s(@sha256:[0-9a-f]{64})?"
"""A base image by tag, optionally pinned further by its digest (``tag@sha256:…``)."""


def test_dockerfiles_pin_their_base_images(built: tuple[str, Dockerfile, str, str]) -> None:
    name, dockerfile, _, _ = built
    stage_names = {s.name for s in dockerfile.stages}
    for stage in dockerfile.stages:
        if stage.image in stage_names:
            continue
        assert "$" not in stage.image, f"{name}: unresolved {stage.image}"
        assert ":" in stage.image.rsplit("/", 1)[-1], f"{name}: {stage.image} has no tag"
        assert not stage.image.endswith(":latest"), f"{name}: {stage.image}"
    python_stages = [s for s in dockerfile.stages if s.image.startswith("python:")]
    assert python_stages, name
    for stage in python_stages:
        assert re.fullmatch(DIGEST_OPTIONAL % r"python:3\.11(\.\d+)?-slim(-\w+)?", stage.image)
    assert dockerfile.final.image.startswith("python:3.11"), name


def test_dockerfile_copy_sources_exist_and_are_in_the_context(
    built: tuple[str, Dockerfile, str, str],
) -> None:
    name, dockerfile, _, _ = built
    missing, ignored = [], []
    for stage in dockerfile.stages:
        for instr in stage.all("COPY") + stage.all("ADD"):
            flags, sources, _ = _copy_parts(instr.args)
            if "from" in flags:
                continue
            for source in sources:
                assert not source.startswith(("/", "..")), f"{name}: {source} leaves the context"
                matches = glob.glob(source.rstrip("/"), root_dir=REPO)
                if not matches:
                    missing.append(f"line {instr.line}: {source}")
                ignored += [f"line {instr.line}: {m}" for m in matches if dockerignored(m)]
    assert not missing, f"{dockerfile.path}: COPY sources missing from the repo: {missing}"
    assert not ignored, f"{dockerfile.path}: COPY sources excluded by .dockerignore: {ignored}"


def test_dockerfile_stage_copies_name_earlier_stages(
    built: tuple[str, Dockerfile, str, str],
) -> None:
    name, dockerfile, _, _ = built
    for index, stage in enumerate(dockerfile.stages):
        earlier = {s.name for s in dockerfile.stages[:index]}
        for instr in stage.all("COPY"):
            flags, _, _ = _copy_parts(instr.args)
            if "from" in flags:
                assert flags["from"] in earlier, f"{name}:{instr.line}: unknown stage"


def test_dockerfile_installs_from_the_workspace_lock_without_dev_deps(
    built: tuple[str, Dockerfile, str, str],
) -> None:
    name, dockerfile, package, _ = built
    members, _ = _workspace()
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    assert package in {p["name"] for p in lock["package"]}

    copied: list[str] = []
    syncs: list[tuple[int, str]] = []
    for stage in dockerfile.stages:
        for instr in stage.instructions:
            if instr.keyword == "COPY":
                flags, sources, _ = _copy_parts(instr.args)
                if "from" not in flags:
                    copied += [s.rstrip("/") for s in sources]
            if instr.keyword == "RUN" and "uv sync" in instr.args:
                syncs.append((len(copied), instr.args))

    assert {"pyproject.toml", "uv.lock"} <= set(copied), name
    for member in members:  # uv resolves the workspace from every member's metadata
        assert f"{member}/pyproject.toml" in copied, f"{name}: {member}/pyproject.toml"
    assert syncs, f"{name}: no uv sync"
    for _, command in syncs:
        words = command.split()
        assert "--frozen" in words and "--no-dev" in words, f"{name}: {command}"
        assert words[words.index("--package") + 1] == package, f"{name}: {command}"
    assert any("--no-install-workspace" in c for _, c in syncs[:-1]), name

    # the last sync installs this package and its workspace dependencies from their sources,
    # copied before it runs
    copied_before_last = set(copied[: syncs[-1][0]])
    _, names = _workspace()
    for dep in _workspace_deps(package):
        src = (names[dep] / "src").relative_to(REPO).as_posix()
        assert src in copied_before_last, f"{name}: {src} not copied before the last uv sync"
    assert "--no-editable" in syncs[-1][1].split(), name


def test_dockerfile_runtime_is_non_root_and_runs_its_module(
    built: tuple[str, Dockerfile, str, str],
) -> None:
    name, dockerfile, _, module = built
    final = dockerfile.final
    stage_args = dict(dockerfile.global_args)
    for instr in final.all("ARG"):
        key, _, default = instr.args.partition("=")
        stage_args[key.strip()] = default.strip()
    users = final.all("USER")
    assert users, f"{name}: the runtime stage sets no USER"
    user = _expand(users[-1].args, stage_args).split(":")[0]
    assert user not in {"root", "0", ""}, f"{name}: runs as {user}"

    venv = [i for i in final.all("COPY") if "/app/.venv" in i.args]
    assert venv and "--from=builder" in venv[0].args, name
    env_text = " ".join(i.args for i in final.all("ENV"))
    assert "/app/.venv/bin" in env_text, f"{name}: venv not on PATH"
    assert not [i for i in final.all("RUN") if re.search(r"\b(uv|pip)\b", i.args)], name

    cmd = _exec_form(final.all("CMD")[-1].args)
    assert cmd[:3] == ["python", "-m", module], name


def test_data_dirs_are_writable_by_the_service_user(
    built: tuple[str, Dockerfile, str, str], services: dict[str, dict[str, Any]]
) -> None:
    """Settings default their data dirs relative to the installed package (inside the venv,
    owned by root), so images and compose point them below /app, which the user owns."""
    name, dockerfile, _, _ = built
    final = dockerfile.final
    runs = " ".join(i.args for i in final.all("RUN"))
    assert re.search(r"install -d -o streampay -g streampay /app(\s|$)", runs), name
    assert final.all("WORKDIR")[-1].args == "/app", name
    env_text = " ".join(i.args for i in final.all("ENV"))
    image_dirs = dict(re.findall(r"(\w+_DATA_DIR)=(\S+)", env_text))
    compose_dirs = {
        key: str(value)
        for key, value in services[name].get("environment", {}).items()
        if key.endswith("_DATA_DIR")
    }
    assert image_dirs == compose_dirs, name
    for key, value in compose_dirs.items():
        assert value.startswith("/app/data/"), f"{name}: {key}={value}"
    for other, (image_of, _) in SAME_IMAGE.items():
        if image_of == name:
            env = services[other].get("environment", {})
            dirs = {k: str(v) for k, v in env.items() if k.endswith("_DATA_DIR")}
            assert dirs == image_dirs, other


def _copy_into_context(source: str, target: Path) -> None:
    """Copy a build-context path as Docker does, leaving out what .dockerignore excludes."""
    origin = REPO / source
    if origin.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)
        return
    for path in sorted(origin.rglob("*")):
        relative = path.relative_to(REPO).as_posix()
        if path.is_file() and not dockerignored(relative):
            destination = target / path.relative_to(origin)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def test_builder_stage_installs_the_service_from_only_what_it_copies(
    built: tuple[str, Dockerfile, str, str], tmp_path: Path
) -> None:
    """Replay the builder stage (WORKDIR, ENV, COPY from the context, RUN uv sync) in a temp
    folder standing in for the image's /, then import the service from the venv it made."""
    name, dockerfile, _, module = built
    uv = shutil.which("uv")
    assert uv, "uv is needed (make bootstrap installs it)"
    builder = next(s for s in dockerfile.stages if s.name == "builder")
    root = tmp_path / "image"
    workdir = root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    for instr in builder.instructions:
        if instr.keyword == "WORKDIR":
            workdir = root / instr.args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instr.keyword == "ENV":
            for key, value in re.findall(r"(\w+)=(\S+)", instr.args):
                if key == "UV_PROJECT_ENVIRONMENT":
                    value = str(root / value.lstrip("/"))
                if key != "UV_NO_CACHE":  # the host's uv cache keeps this test fast
                    env[key] = value
        elif instr.keyword == "COPY":
            flags, sources, destination = _copy_parts(instr.args)
            if "from" in flags:
                continue
            base = root if destination.startswith("/") else workdir
            target = base / destination.lstrip("/")
            for source in sources:
                into = (
                    target / Path(source).name
                    if destination.endswith("/") and ((REPO / source).is_file())
                    else target
                )
                _copy_into_context(source.rstrip("/"), into)
        elif instr.keyword == "RUN":
            argv = shlex.split(instr.args)
            assert argv[:2] == ["uv", "sync"], f"{name}: builder RUN not replayed: {instr.args}"
            proc = subprocess.run(
                [uv, *argv[1:]],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert proc.returncode == 0, f"{name}: {instr.args}\n{proc.stderr}"

    venv = Path(env["UV_PROJECT_ENVIRONMENT"])
    python = venv / "bin" / "python"
    probe = (
        "import importlib.util, sys; "
        f"spec = importlib.util.find_spec({module!r}); "
        "assert spec and spec.origin and '/site-packages/' in spec.origin, spec; "
        "sys.exit(1 if importlib.util.find_spec('pytest') else 0)"
    )
    proc = subprocess.run(
        [str(python), "-c", probe],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"{name}: {module} not installed as a wheel, or dev deps\n{proc}"


def test_gateway_image_builds_and_serves_the_frontend(
    services: dict[str, dict[str, Any]],
) -> None:
    dockerfile = parse_dockerfile(REPO / BUILT["gateway"][0])
    node = [s for s in dockerfile.stages if s.image.startswith("node:22")]
    assert len(node) == 1, "one node:22 (LTS) stage builds the UI"
    runs = " && ".join(i.args for i in node[0].all("RUN"))
    assert "npm ci" in runs and "npm run build" in runs

    workdir = node[0].all("WORKDIR")[-1].args
    copies = [
        _copy_parts(i.args)
        for i in dockerfile.final.all("COPY")
        if f"--from={node[0].name}" in i.args
    ]
    assert len(copies) == 1, "the runtime stage copies the built UI"
    _, sources, destination = copies[0]
    assert sources == [f"{workdir}/dist"]

    env_text = " ".join(i.args for i in dockerfile.final.all("ENV"))
    assert f"FRONTEND_DIST={destination}" in env_text
    assert services["gateway"]["environment"]["FRONTEND_DIST"] == destination
    assert "9090" in " ".join(i.args for i in dockerfile.final.all("EXPOSE"))


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    for path in (
        ".git",
        ".venv",
        "frontend/node_modules",
        "frontend/dist",
        "services/gateway/src/streampay_gateway/__pycache__/x.pyc",
    ):
        assert dockerignored(path), path
    for path in (
        "uv.lock",
        "pyproject.toml",
        "services/gateway/src/streampay_gateway/app.py",
        "frontend/src/main.ts",
        "frontend/package-lock.json",
        "frontend/.npmrc",
    ):
        assert not dockerignored(path), path


def test_every_module_the_containers_run_exists(services: dict[str, dict[str, Any]]) -> None:
    """`python -m X` in a CMD, a compose command or a healthcheck must name a real module."""
    modules: set[str] = set()
    for relative, _, _ in BUILT.values():
        cmd = _exec_form(parse_dockerfile(REPO / relative).final.all("CMD")[-1].args)
        modules.add(cmd[cmd.index("-m") + 1])
    for svc in services.values():
        for argv in (svc.get("command"), svc.get("healthcheck", {}).get("test")):
            words = _argv(argv) if argv else []
            if "python" in words and "-m" in words:
                modules.add(words[words.index("-m") + 1])
    assert modules == {
        "streampay_gateway",
        "streampay_streams",
        "streampay_streams.health",
        "streampay_streams.projector",
        "streampay_streams.projector.health",
        "streampay_simulation",
        "streampay_infra.topics",
    }
    for _, module in SAME_IMAGE.values():
        assert module in modules
    missing = sorted(m for m in modules if not _module_exists(m))
    assert not missing, f"modules run by the containers but not in the workspace: {missing}"
