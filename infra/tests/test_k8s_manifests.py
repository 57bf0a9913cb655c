"""infra/k8s, checked without a cluster: schema-valid and in step with the code and compose.

The kustomization is rendered here (its `resources` and `namespace`, the only features it uses;
any other key fails the test so the renderer is extended with it). Every document is validated
against the Kubernetes JSON schemas bundled with `kubernetes-validate`, in strict mode (unknown
fields are errors). The rest asserts what a schema cannot: probes on the routes the gateway
serves and the health module compose uses, resource requests everywhere, no more workers than
partitions, Services and budgets that select real pods, brokers the clients can name, and
environment variables that the services' settings classes actually read.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic_settings import BaseSettings

from streampay_contracts.settings import KafkaSettings
from streampay_gateway.auth.signing import KEY_FILE
from streampay_gateway.config import GatewaySettings
from streampay_streams.config import StreamsSettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "infra" / "k8s"
COMPOSE_FILE = REPO / "docker-compose.yml"

KUBERNETES_VERSIONS = ("1.33.0", kubernetes_validate.latest_version())
KUSTOMIZATION_KEYS = {"apiVersion", "kind", "namespace", "resources"}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "ClusterRole"}
WORKLOADS = {"Deployment", "StatefulSet", "Job", "DaemonSet"}

# StreamPay image (without tag) -> (compose service built from the same Dockerfile, settings).
IMAGES: dict[str, tuple[str, type[BaseSettings]]] = {
    "streampay-gateway": ("gateway", GatewaySettings),
    "streampay-streams": ("streams", StreamsSettings),
    "streampay-topics": ("topics", KafkaSettings),
}
# StreamPay workload -> the compose service that runs the same process (command, probe, env).
PROCESSES: dict[str, str] = {
    "streampay-gateway": "gateway",
    "streampay-streams": "streams",
    "streampay-projector": "projector",
    "streampay-topics": "topics",
}
# The Faust workers of the streams image: the deciders and the projectors, a group each.
FAUST_WORKLOADS = ("streampay-streams", "streampay-projector")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
HEALTH_MODULE_TIMEOUT_S = 10  # streampay_streams.health gives the broker this long to answer

Doc = dict[str, Any]


# -- rendering ---------------------------------------------------------------------------------


def render(directory: Path) -> list[Doc]:
    """The documents `kubectl kustomize directory` would produce, for the features used here."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_KEYS
    assert not unknown, f"the test's renderer does not handle {unknown}: extend it"
    documents: list[Doc] = []
    for entry in kustomization["resources"]:
        path = directory / entry
        if path.is_dir():
            documents += render(path)
        else:
            documents += [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    namespace = kustomization.get("namespace")
    if namespace:
        for document in documents:
            if document["kind"] not in CLUSTER_SCOPED:
                document["metadata"]["namespace"] = namespace
    return documents


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    return render(K8S)


@pytest.fixture(scope="module")
def compose() -> Doc:
    loaded: Doc = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def of_kind(docs: list[Doc], *kinds: str) -> list[Doc]:
    return [d for d in docs if d["kind"] in kinds]


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]["template"]["spec"]
    return spec


def all_containers(workload: Doc) -> Iterator[Doc]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def streampay_containers(docs: list[Doc]) -> Iterator[tuple[Doc, Doc, str]]:
    """(workload, container, image name) of every container running a StreamPay image."""
    for workload in of_kind(docs, *WORKLOADS):
        for container in all_containers(workload):
            image = container["image"].rsplit(":", 1)[0]
            if image in IMAGES:
                yield workload, container, image


def the_workload(docs: list[Doc], name: str) -> tuple[Doc, Doc]:
    """The workload `name` and its one StreamPay container."""
    found = [(w, c) for w, c, _ in streampay_containers(docs) if w["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one StreamPay container in {name}, found {len(found)}"
    return found[0]


def streams_settings(docs: list[Doc], name: str) -> StreamsSettings:
    """The settings the Faust workload `name` starts with, from exactly its environment."""
    _, container = the_workload(docs, name)
    env = environment(docs, container)
    return StreamsSettings.model_validate({key.lower(): value for key, value in env.items()})


def environment(docs: list[Doc], container: Doc) -> dict[str, str]:
    """The container's variables: its ConfigMaps' data, then its own `env` on top."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"unexpected envFrom {source}"
        env |= named(docs, "ConfigMap", source["configMapRef"]["name"])["data"]
    for variable in container.get("env", []):
        assert "value" in variable, f"{variable['name']}: StreamPay settings are plain values"
        env[variable["name"]] = variable["value"]
    return env


def env_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads (no prefix, case-insensitive)."""
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias or field.alias or name
        assert isinstance(alias, str), f"{settings.__name__}.{name}: extend env_names"
        names.add(alias.upper())
    return names


def selects(selector: dict[str, str], workload: Doc) -> bool:
    labels = workload["spec"]["template"]["metadata"].get("labels", {})
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def selected(docs: list[Doc], selector: dict[str, str], namespace: str) -> list[Doc]:
    return [
        w
        for w in of_kind(docs, *WORKLOADS)
        if w["metadata"].get("namespace") == namespace and selects(selector, w)
    ]


def container_port(container: Doc, port: int | str) -> int:
    """The container port a probe or Service names, by name or by number."""
    for declared in container.get("ports", []):
        if port in (declared.get("name"), declared["containerPort"]):
            number: int = declared["containerPort"]
            return number
    raise AssertionError(f"{container['name']} declares no port {port!r}")


def autoscaler_for(docs: list[Doc], workload: Doc) -> Doc | None:
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if (target["kind"], target["name"]) == (workload["kind"], workload["metadata"]["name"]):
            return hpa
    return None


def least_replicas(docs: list[Doc], workload: Doc) -> int:
    hpa = autoscaler_for(docs, workload)
    if hpa is not None:
        return int(hpa["spec"].get("minReplicas", 1))
    return int(workload["spec"].get("replicas", 1))


def doc_id(document: Doc) -> str:
    return f"{document['kind']}/{document['metadata']['name']}"


# -- the schema ----------------------------------------------------------------------------------


def test_the_kustomization_renders_every_part_of_the_system(docs: list[Doc]) -> None:
    kinds = {d["kind"] for d in docs}
    assert {"Namespace", "ConfigMap", "StatefulSet", "Job", "Deployment", "Service"} <= kinds
    assert {"PodDisruptionBudget", "HorizontalPodAutoscaler"} <= kinds
    assert {i for _, _, i in streampay_containers(docs)} == set(IMAGES)
    assert {w["metadata"]["name"] for w, _, _ in streampay_containers(docs)} == set(PROCESSES)
    names = [doc_id(d) for d in docs]
    assert len(names) == len(set(names)), "two documents of one kind share a name"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_document_is_valid_kubernetes_in_strict_mode(docs: list[Doc], version: str) -> None:
    errors = {}
    for document in docs:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors[doc_id(document)] = f"{error.message} at {'/'.join(map(str, error.path))}"
    assert not errors, f"invalid for Kubernetes {version}: {errors}"


def test_everything_lands_in_one_namespace_that_is_created(docs: list[Doc]) -> None:
    namespaces = {d["metadata"]["name"] for d in of_kind(docs, "Namespace")}
    placed = {d["metadata"].get("namespace") for d in docs if d["kind"] not in CLUSTER_SCOPED}
    assert placed == namespaces == {"streampay"}


# -- gateways ------------------------------------------------------------------------------------


def test_gateway_liveness_is_healthz_and_readiness_is_readyz_on_its_port(
    docs: list[Doc],
) -> None:
    for _, container, image in streampay_containers(docs):
        if image != "streampay-gateway":
            continue
        port = int(environment(docs, container)["GATEWAY_PORT"])
        live, ready = container["livenessProbe"]["httpGet"], container["readinessProbe"]["httpGet"]
        assert (live["path"], ready["path"]) == ("/healthz", "/readyz")
        assert container_port(container, live["port"]) == port
        assert container_port(container, ready["port"]) == port
        if "startupProbe" in container:
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_every_gateway_mounts_the_one_shared_signing_key_where_it_loads_it(
    docs: list[Doc],
) -> None:
    workload, container = the_workload(docs, "streampay-gateway")
    data_dir = environment(docs, container)["GATEWAY_DATA_DIR"]
    mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"] == data_dir]
    assert len(mounts) == 1 and mounts[0].get("readOnly") is True
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    secret = volumes[mounts[0]["name"]]["secret"]
    assert [(i["key"], i["path"]) for i in secret["items"]] == [(KEY_FILE, KEY_FILE)]
    assert secret["defaultMode"] & 0o007 == 0, "the private key must not be world-readable"


def test_gateways_run_at_least_two_and_autoscaling_owns_their_count(docs: list[Doc]) -> None:
    workload, _ = the_workload(docs, "streampay-gateway")
    hpa = autoscaler_for(docs, workload)
    assert hpa is not None and hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"]
    assert "replicas" not in workload["spec"], "kubectl apply would undo the autoscaler"


# -- streams workers and projectors ----------------------------------------------------------------


@pytest.mark.parametrize("name", FAUST_WORKLOADS)
def test_workers_are_probed_with_the_health_module_compose_uses(
    docs: list[Doc], compose: Doc, name: str
) -> None:
    check = compose["services"][PROCESSES[name]]["healthcheck"]["test"]
    assert check[0] == "CMD"
    assert importlib.util.find_spec(check[-1]) is not None
    _, container = the_workload(docs, name)
    for probe in PROBES:
        assert container[probe]["exec"]["command"] == check[1:], probe
        assert container[probe]["timeoutSeconds"] > HEALTH_MODULE_TIMEOUT_S, probe


@pytest.mark.parametrize("name", FAUST_WORKLOADS)
def test_no_more_workers_than_partitions(docs: list[Doc], name: str) -> None:
    workload, container = the_workload(docs, name)
    partitions = int(environment(docs, container)["KAFKA_PARTITIONS"])
    assert 1 <= workload["spec"]["replicas"] <= partitions
    hpa = autoscaler_for(docs, workload)
    assert hpa is None or hpa["spec"]["maxReplicas"] <= partitions


@pytest.mark.parametrize("name", FAUST_WORKLOADS)
def test_workers_keep_their_data_dir_on_a_pod_volume(docs: list[Doc], name: str) -> None:
    """STREAMS_DATA_DIR (and the projector's <STREAMS_DATA_DIR>/projector below it) is a
    writable emptyDir, not the image's filesystem."""
    workload, container = the_workload(docs, name)
    settings = streams_settings(docs, name)
    if name == "streampay-projector":
        settings = settings.as_projector()
    data_dir = environment(docs, container)["STREAMS_DATA_DIR"]
    mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"] == data_dir]
    assert len(mounts) == 1 and not mounts[0].get("readOnly")
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    assert "emptyDir" in volumes[mounts[0]["name"]]
    assert settings.ready_marker.is_relative_to(data_dir)


def test_the_projectors_run_the_streams_image_in_their_own_group(
    docs: list[Doc], compose: Doc
) -> None:
    """The projectors run what compose's projector runs, with the deciders' STREAMS_APP_ID
    (their group, changelogs and internal topics are named after it), in a group of their own;
    the deciders decide only, so nothing projects twice."""
    _, deciders_container = the_workload(docs, "streampay-streams")
    _, container = the_workload(docs, "streampay-projector")
    assert container["image"] == deciders_container["image"]
    assert container["command"] == compose["services"]["projector"]["command"]
    assert deciders_container["command"] == ["python", "-m", "streampay_streams"]
    deciders = streams_settings(docs, "streampay-streams")
    projectors = streams_settings(docs, "streampay-projector").as_projector()
    assert deciders.roles == {"decide"}
    assert projectors.roles == {"project"}
    assert projectors.streams_app_id == deciders.streams_app_id
    assert projectors.group_id == f"{deciders.streams_app_id}-projector" != deciders.group_id


def test_the_projectors_are_deployed_like_the_deciders(docs: list[Doc]) -> None:
    """Same pod security, rollout, grace period, resources and probe timings: only the names,
    the command and the health module differ."""
    deciders, deciders_container = the_workload(docs, "streampay-streams")
    projectors, container = the_workload(docs, "streampay-projector")
    assert projectors["kind"] == deciders["kind"] == "Deployment"
    assert projectors["spec"]["strategy"] == deciders["spec"]["strategy"]
    for key in ("securityContext", "terminationGracePeriodSeconds", "volumes"):
        assert pod_spec(projectors)[key] == pod_spec(deciders)[key], key
    for key in ("resources", "securityContext", "envFrom", "env", "volumeMounts"):
        assert container[key] == deciders_container[key], key
    for probe in PROBES:
        timings = {k: v for k, v in container[probe].items() if k != "exec"}
        assert timings == {k: v for k, v in deciders_container[probe].items() if k != "exec"}
    # spread over nodes like the deciders, each Deployment among its own pods
    for workload in (deciders, projectors):
        (term,) = pod_spec(workload)["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"
        ]
        selector = term["podAffinityTerm"]["labelSelector"]["matchLabels"]
        assert selector == workload["spec"]["selector"]["matchLabels"]


def test_topic_setup_runs_what_compose_runs(docs: list[Doc], compose: Doc) -> None:
    workload, container = the_workload(docs, "streampay-topics")
    assert workload["kind"] == "Job"
    assert container["command"] == compose["services"]["topics"]["command"]


# -- all StreamPay processes -----------------------------------------------------------------------


def test_images_are_the_ones_compose_builds(docs: list[Doc], compose: Doc) -> None:
    for image in {i for _, _, i in streampay_containers(docs)}:
        service = compose["services"][IMAGES[image][0]]
        assert (REPO / service["build"]["dockerfile"]).is_file(), image
    # each workload's compose twin builds the Dockerfile of the image the workload runs
    for workload, _, image in streampay_containers(docs):
        twin = compose["services"][PROCESSES[workload["metadata"]["name"]]]
        built = compose["services"][IMAGES[image][0]]
        assert twin["build"] == built["build"], doc_id(workload)
    redpanda = named(docs, "StatefulSet", "redpanda")
    images = {c["image"] for c in all_containers(redpanda)}
    assert images == {compose["services"]["redpanda"]["image"]}


def test_every_variable_is_one_the_service_reads_and_its_value_is_valid(
    docs: list[Doc],
) -> None:
    for _, container, image in streampay_containers(docs):
        settings = IMAGES[image][1]
        env = environment(docs, container)
        unknown = set(env) - env_names(settings)
        assert not unknown, f"{image} does not read {sorted(unknown)}"
        # Exactly these values (the test's own environment left out), as the service parses them.
        settings.model_validate({name.lower(): value for name, value in env.items()})


def test_the_shared_config_holds_only_shared_settings(docs: list[Doc]) -> None:
    shared = named(docs, "ConfigMap", "streampay-config")["data"]
    assert set(shared) <= env_names(KafkaSettings)


def test_every_process_sees_the_same_brokers_and_partitions(docs: list[Doc]) -> None:
    seen = set()
    for _, container, _ in streampay_containers(docs):
        env = environment(docs, container)
        seen.add((env["KAFKA_BOOTSTRAP_SERVERS"], env["KAFKA_PARTITIONS"]))
    assert len(seen) == 1, seen


def test_every_workload_requests_resources(docs: list[Doc]) -> None:
    for workload in of_kind(docs, *WORKLOADS):
        for container in all_containers(workload):
            resources = container.get("resources", {})
            where = f"{doc_id(workload)} {container['name']}"
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), where
            assert "memory" in resources.get("limits", {}), where


def test_streampay_containers_run_as_the_images_non_root_user(docs: list[Doc]) -> None:
    for workload, container, _ in streampay_containers(docs):
        assert pod_spec(workload)["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


# -- broker ----------------------------------------------------------------------------------------


def test_brokers_are_a_statefulset_of_three_with_disks_probes_and_a_headless_service(
    docs: list[Doc],
) -> None:
    brokers = named(docs, "StatefulSet", "redpanda")
    assert brokers["spec"]["replicas"] == 3
    assert brokers["spec"]["volumeClaimTemplates"]
    service = named(docs, "Service", brokers["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["publishNotReadyAddresses"] is True, "brokers find each other first"
    assert selects(service["spec"]["selector"], brokers)
    (container,) = pod_spec(brokers)["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert probe in container, probe


def broker_names(docs: list[Doc]) -> tuple[set[str], int]:
    brokers = named(docs, "StatefulSet", "redpanda")
    service = brokers["spec"]["serviceName"]
    names = {f"redpanda-{i}.{service}" for i in range(brokers["spec"]["replicas"])}
    (container,) = pod_spec(brokers)["containers"]
    return names, container_port(container, "kafka")


def test_clients_bootstrap_from_every_broker_by_its_stable_name(docs: list[Doc]) -> None:
    names, kafka_port = broker_names(docs)
    servers = named(docs, "ConfigMap", "streampay-config")["data"]["KAFKA_BOOTSTRAP_SERVERS"]
    assert {s.strip() for s in servers.split(",")} == {f"{n}:{kafka_port}" for n in names}


def test_brokers_seed_from_every_broker(docs: list[Doc]) -> None:
    names, _ = broker_names(docs)
    config = yaml.safe_load(named(docs, "ConfigMap", "redpanda-config")["data"]["redpanda.yaml"])
    seeds = {s["host"]["address"] for s in config["redpanda"]["seed_servers"]}
    assert seeds == names
    assert config["redpanda"]["empty_seed_starts_cluster"] is False


# -- Services and disruption budgets -------------------------------------------------------------


def test_every_service_selects_pods_and_their_ports(docs: list[Doc]) -> None:
    for service in of_kind(docs, "Service"):
        pods = selected(docs, service["spec"]["selector"], service["metadata"]["namespace"])
        assert pods, f"{doc_id(service)} selects no workload"
        containers = [c for w in pods for c in pod_spec(w)["containers"]]
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert any(
                target in (p.get("name"), p["containerPort"])
                for c in containers
                for p in c.get("ports", [])
            ), f"{doc_id(service)} targets no container port {target!r}"


def test_every_long_running_workload_has_a_budget_that_allows_a_drain(docs: list[Doc]) -> None:
    budgets = of_kind(docs, "PodDisruptionBudget")
    for workload in of_kind(docs, "Deployment", "StatefulSet"):
        namespace = workload["metadata"]["namespace"]
        mine = [
            b
            for b in budgets
            if workload in selected(docs, b["spec"]["selector"]["matchLabels"], namespace)
        ]
        assert len(mine) == 1, f"{doc_id(workload)} has {len(mine)} disruption budgets"
        spec = mine[0]["spec"]
        if "minAvailable" in spec:
            assert spec["minAvailable"] < least_replicas(docs, workload), doc_id(workload)
        else:
            assert spec["maxUnavailable"] >= 1, doc_id(workload)
    for budget in budgets:
        namespace = budget["metadata"]["namespace"]
        assert selected(docs, budget["spec"]["selector"]["matchLabels"], namespace)


def test_every_partition_has_a_copy_on_each_broker(docs: list[Doc]) -> None:
    """A broker can be lost (a drain, a failed node) without losing or pausing a partition."""
    brokers = named(docs, "StatefulSet", "redpanda")["spec"]["replicas"]
    shared = named(docs, "ConfigMap", "streampay-config")["data"]
    assert int(shared["KAFKA_REPLICATION_FACTOR"]) == brokers
