"""deploy/kubernetes: both overlays render, and every rendered object validates.

`kubectl kustomize` renders each overlay; then every object is checked against a schema:

- Kubernetes' own kinds against the Kubernetes 1.32 OpenAPI schemas (kubernetes-validate,
  strict: an unknown field fails);
- CloudNativePG's `Cluster` and `ScheduledBackup` against the openAPIV3Schema of their CRDs
  (tests/deploy/crds/, CloudNativePG 1.30), made strict the way the API server's field
  validation is: an object with declared properties accepts no other field. The CRDs' CEL
  rules (x-kubernetes-validations) are not evaluated; the few that matter here (the number
  of synchronous standbys) are asserted below;
- the Barman Cloud plugin's `ObjectStore` and the Prometheus Operator's `PodMonitor` against
  the small schemas below: their CRDs are not vendored in this repository, so each schema
  covers exactly the fields these manifests use, with their types and required fields as
  the projects' API references define them, and refuses any other field;
- any other kind FAILS the test: a new kind needs a schema here first.

Then what the manifests promise is asserted: security contexts, probes, replicas, the
migration order, the database roles, the secrets referenced and never rendered.
"""

from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.config import Settings
from app.db import Database
from tests.deploy.helpers import (
    DEPLOY,
    ROOT,
    check_settings_accept,
    parse_canet_command,
    unknown_canet_names,
)

K8S = DEPLOY / "kubernetes"
CRDS = Path(__file__).resolve().parent / "crds"
KUBERNETES_VERSION = "1.32.0"
OVERLAYS = ("dev", "production")

CORE_KINDS = {
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("batch/v1", "Job"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
}
CRD_FILES = {
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_clusters.yaml",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "postgresql.cnpg.io_scheduledbackups.yaml",
}

_REF = {
    "type": "object",
    "required": ["name", "key"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string", "minLength": 1}, "key": {"type": "string"}},
}
_METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}
# barmancloud.cnpg.io/v1 ObjectStore (plugin-barman-cloud's API reference): spec.configuration
# is the in-tree BarmanObjectStoreConfiguration, destinationPath required; retentionPolicy
# `XXu` with u in d, w, m.
OBJECT_STORE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "barmancloud.cnpg.io/v1"},
        "kind": {"const": "ObjectStore"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["configuration"],
            "additionalProperties": False,
            "properties": {
                "retentionPolicy": {"type": "string", "pattern": "^[1-9][0-9]*[dwm]$"},
                "configuration": {
                    "type": "object",
                    "required": ["destinationPath"],
                    "additionalProperties": False,
                    "properties": {
                        "destinationPath": {"type": "string", "minLength": 1},
                        "endpointURL": {"type": "string", "pattern": "^https?://"},
                        "s3Credentials": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "accessKeyId": _REF,
                                "secretAccessKey": _REF,
                                "region": _REF,
                                "sessionToken": _REF,
                                "inheritFromIAMRole": {"type": "boolean"},
                            },
                        },
                        "wal": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "compression": {
                                    "enum": ["bzip2", "gzip", "lz4", "snappy", "xz", "zstd"]
                                },
                                "encryption": {"enum": ["AES256", "aws:kms"]},
                                "maxParallel": {"type": "integer", "minimum": 1},
                            },
                        },
                        "data": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "compression": {"enum": ["bzip2", "gzip", "snappy"]},
                                "encryption": {"enum": ["AES256", "aws:kms"]},
                                "jobs": {"type": "integer", "minimum": 1},
                                "immediateCheckpoint": {"type": "boolean"},
                            },
                        },
                    },
                },
            },
        },
    },
}
# monitoring.coreos.com/v1 PodMonitor (Prometheus Operator API reference): a label selector
# and endpoints naming a container port; interval and timeout are Prometheus durations.
_DURATION = {
    "type": "string",
    "pattern": (
        r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?"
        r"(([0-9]+)ms)?)$"
    ),
}
POD_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PodMonitor"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["selector", "podMetricsEndpoints"],
            "additionalProperties": False,
            "properties": {
                "selector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "matchLabels": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        }
                    },
                },
                "podMetricsEndpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["port"],
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string", "minLength": 1},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": _DURATION,
                            "scrapeTimeout": _DURATION,
                        },
                    },
                },
            },
        },
    },
}
OWN_SCHEMAS = {
    ("barmancloud.cnpg.io/v1", "ObjectStore"): OBJECT_STORE_SCHEMA,
    ("monitoring.coreos.com/v1", "PodMonitor"): POD_MONITOR_SCHEMA,
}


def kubectl() -> str:
    found = shutil.which("kubectl") or "/usr/bin/kubectl"
    assert Path(found).exists(), "kubectl renders the overlays (kubectl kustomize)"
    return found


@functools.cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return tuple(doc for doc in yaml.load_all(done.stdout, Loader=yaml.CSafeLoader) if doc)


def one(objects: tuple[dict[str, Any], ...], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''}"
    return found[0]


def _strict(schema: Any) -> Any:
    """The CRD schema as the API server's strict field validation applies it."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_validator(file: str) -> jsonschema.Validator:
    crd = yaml.load((CRDS / file).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    (version,) = [v for v in crd["spec"]["versions"] if v.get("storage")]
    schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
    schema["properties"]["metadata"] = _METADATA
    return jsonschema.Draft7Validator(schema)


def validate(obj: dict[str, Any]) -> str:
    """Validate one rendered object; returns how. An unknown kind fails."""
    key = (obj["apiVersion"], obj["kind"])
    where = f"{obj['kind']}/{obj['metadata']['name']}"
    if key in CORE_KINDS:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            raise AssertionError(f"{where}: {path}: {exc.message}") from None
        return "kubernetes 1.32 (strict)"
    if key in CRD_FILES:
        errors = sorted(crd_validator(CRD_FILES[key]).iter_errors(obj), key=str)
        assert not errors, f"{where}: " + "; ".join(
            f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
        return "CloudNativePG 1.30 CRD"
    if key in OWN_SCHEMAS:
        errors = sorted(jsonschema.Draft7Validator(OWN_SCHEMAS[key]).iter_errors(obj), key=str)
        assert not errors, f"{where}: " + "; ".join(
            f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
        return "minimal schema in this test"
    raise AssertionError(
        f"{where}: no schema for {key}; add one to tests/deploy/test_kubernetes.py"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(overlay: str) -> None:
    validated: dict[str, set[str]] = {}
    for obj in render(overlay):
        validated.setdefault(validate(obj), set()).add(obj["kind"])
    expected_crd = {"Cluster"} | ({"ScheduledBackup"} if overlay == "production" else set())
    expected_own = {"PodMonitor"} | ({"ObjectStore"} if overlay == "production" else set())
    assert validated["CloudNativePG 1.30 CRD"] == expected_crd
    assert validated["minimal schema in this test"] == expected_own
    core = validated["kubernetes 1.32 (strict)"]
    assert {"Deployment", "Job", "Service", "Ingress", "NetworkPolicy"} <= core
    assert ("HorizontalPodAutoscaler" in core) == (overlay == "production")


def test_validation_catches_mistakes() -> None:
    deployment = copy.deepcopy(one(render("production"), "Deployment", "canet"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContex"] = {}
    with pytest.raises(AssertionError, match="securityContex"):
        validate(deployment)
    cluster = copy.deepcopy(one(render("production"), "Cluster", "canet-db"))
    cluster["spec"]["postgresql"]["synchronous"]["method"] = "all"
    with pytest.raises(AssertionError, match="method"):
        validate(cluster)
    cluster = copy.deepcopy(one(render("production"), "Cluster", "canet-db"))
    cluster["spec"]["instance"] = 3
    with pytest.raises(AssertionError, match="instance"):
        validate(cluster)
    monitor = copy.deepcopy(one(render("production"), "PodMonitor", "canet"))
    monitor["spec"]["podMetricsEndpoints"][0]["intervall"] = "30s"
    with pytest.raises(AssertionError, match="intervall"):
        validate(monitor)
    with pytest.raises(AssertionError, match="no schema"):
        validate({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}})


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_rendered(overlay: str) -> None:
    objects = render(overlay)
    assert [o for o in objects if o["kind"] == "Secret"] == []
    text = yaml.safe_dump_all(objects)
    for name in ("CANET_SECRET_KEY", "CANET_AUDIT_SIGNING_KEY", "CANET_STORAGE_MASTER_KEY"):
        assert re.search(rf"{name}=\S", text) is None
    for config_map in (o for o in objects if o["kind"] == "ConfigMap"):
        for key in config_map.get("data", {}):
            assert not re.search(r"PASSWORD|SECRET|_KEY$", key), f"{key} belongs in a Secret"


def _pod_specs(objects: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    return {
        f"{o['kind']}/{o['metadata']['name']}": o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in ("Deployment", "Job")
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_restricted(overlay: str) -> None:
    for where, pod in _pod_specs(render(overlay)).items():
        assert pod["automountServiceAccountToken"] is False, where
        assert pod["enableServiceLinks"] is False, f"{where}: CANET_PORT... from Service links"
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True, where
        assert security["runAsUser"] >= 1000, where
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, where
        for container in pod.get("initContainers", []) + pod["containers"]:
            context = container["securityContext"]
            name = f"{where}/{container['name']}"
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["runAsNonRoot"] is True, name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert "limits" in container["resources"] and "requests" in container["resources"]
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            if container["image"].split(":")[0].endswith("/canet"):
                assert "/tmp" in mounts, f"{name}: a writable /tmp on a read-only root"


def _server(objects: tuple[dict[str, Any], ...]) -> tuple[dict, dict]:
    deployment = one(objects, "Deployment", "canet")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = [c for c in pod["containers"] if c["name"] == "canet"]
    return deployment, container


def _uvicorn_graceful_seconds() -> int:
    source = (ROOT / "app" / "cli.py").read_text(encoding="utf-8")
    match = re.search(r"timeout_graceful_shutdown=(\d+)", source)
    assert match, "canet serve's graceful shutdown timeout (app/cli.py)"
    return int(match.group(1))


@pytest.mark.parametrize(("overlay", "replicas"), [("dev", 1), ("production", 3)])
def test_server_deployment(overlay: str, replicas: int) -> None:
    objects = render(overlay)
    deployment, container = _server(objects)
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == replicas
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] in (0, 1)
    if replicas > 1:
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0

    assert "command" not in container, "the image's entrypoint: canet"
    serve = parse_canet_command(container["args"])
    assert serve.command == "serve" and serve.host == "0.0.0.0" and not serve.migrate
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": serve.port, "metrics": 9464}

    probes = {
        kind: (container[kind]["httpGet"]["path"], container[kind]["httpGet"]["port"])
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes == {
        "startupProbe": ("/healthz", "http"),
        "livenessProbe": ("/healthz", "http"),
        "readinessProbe": ("/readyz", "http"),
    }

    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pre_stop >= 5, "time for the endpoint to leave the ingress controller's list"
    grace = pod["terminationGracePeriodSeconds"]
    assert grace >= pre_stop + _uvicorn_graceful_seconds() + 15, (
        "preStop, then requests in flight (uvicorn's graceful timeout), then shutdown"
    )


def _configmaps(objects: tuple[dict[str, Any], ...]) -> dict[str, dict[str, str]]:
    return {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}


def _container_env(container: dict, config_maps: dict[str, dict[str, str]]) -> dict[str, str]:
    """The container's environment as the kubelet builds it; Secret values as placeholders."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in config_maps, f"envFrom: no ConfigMap {name}"
        env.update(config_maps[name])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
            continue
        ref = item["valueFrom"]
        if "configMapKeyRef" in ref:
            cm = ref["configMapKeyRef"]
            assert cm["key"] in config_maps.get(cm["name"], {}), f"{cm['name']}/{cm['key']}"
            env[item["name"]] = config_maps[cm["name"]][cm["key"]]
        else:
            secret = ref["secretKeyRef"]
            env[item["name"]] = f"<{secret['name']}/{secret['key']}>-" + "s" * 40
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_environment_is_real_settings(overlay: str) -> None:
    objects = render(overlay)
    config_maps = _configmaps(objects)
    for where, pod in _pod_specs(objects).items():
        for container in pod.get("initContainers", []) + pod["containers"]:
            env = _container_env(container, config_maps)
            assert unknown_canet_names(env) == [], f"{where}/{container['name']}"
            if container["image"].split(":")[0].endswith("/canet"):
                check_settings_accept({k: v for k, v in env.items() if k.startswith("CANET_")})
    _, server = _server(objects)
    env = _container_env(server, config_maps)
    assert env["CANET_ENV"] == "production"
    assert env["CANET_METRICS_LISTEN"] == "0.0.0.0:9464"
    for key in ("CANET_SECRET_KEY", "CANET_AUDIT_SIGNING_KEY", "CANET_STORAGE_MASTER_KEY"):
        assert env[key].startswith("<canet-keys/"), key
    url = urlsplit(env["CANET_DATABASE_URL"])
    assert (url.username, url.password) == ("canet_app", None)
    assert env["PGPASSWORD"].startswith("<canet-db-app-credentials/password>")
    assert env["PGSSLMODE"] == "verify-full"
    storage = "local" if overlay == "dev" else "s3"
    assert env["CANET_STORAGE_BACKEND"] == storage


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secret_references_are_the_documented_ones(overlay: str) -> None:
    objects = render(overlay)
    referenced: dict[str, set[str]] = {}
    for pod in _pod_specs(objects).values():
        for container in pod.get("initContainers", []) + pod["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    referenced.setdefault(ref["name"], set()).add(ref["key"])
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                keys = {item["key"] for item in volume["secret"].get("items", [])}
                referenced.setdefault(volume["secret"]["secretName"], set()).update(keys)
    cluster = one(objects, "Cluster", "canet-db")
    referenced.setdefault(cluster["spec"]["bootstrap"]["initdb"]["secret"]["name"], set())
    for role in cluster["spec"]["managed"]["roles"]:
        referenced.setdefault(role["passwordSecret"]["name"], set()).update(
            {"username", "password"}
        )
    for store in (o for o in objects if o["kind"] == "ObjectStore"):
        for ref in store["spec"]["configuration"]["s3Credentials"].values():
            referenced.setdefault(ref["name"], set()).add(ref["key"])
    ingress = one(objects, "Ingress", "canet")
    referenced.setdefault(ingress["spec"]["tls"][0]["secretName"], set())

    documented = (K8S / "base" / "secrets.example.md").read_text(encoding="utf-8")
    for name, keys in referenced.items():
        assert f"`{name}`" in documented, f"{name} is not in secrets.example.md"
        row = next(line for line in documented.splitlines() if line.startswith(f"| `{name}`"))
        for key in keys:
            assert f"`{key}`" in row, f"{name}: key {key} is not in secrets.example.md"
    assert {"canet-keys", "canet-db-app-credentials", "canet-db-owner-credentials"} <= set(
        referenced
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job_runs_first_as_the_owner(overlay: str) -> None:
    objects = render(overlay)
    config_maps = _configmaps(objects)
    _, server = _server(objects)
    tag = server["image"].rsplit(":", 1)[1]
    job = one(objects, "Job")
    assert job["metadata"]["name"] == f"canet-migrate-{tag}"
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (upgrade,) = pod["initContainers"]
    assert upgrade["image"] == server["image"]
    command = parse_canet_command(upgrade["args"])
    assert (command.command, command.db_command) == ("db", "upgrade")
    env = _container_env(upgrade, config_maps)
    assert urlsplit(env["CANET_DATABASE_URL"]).username == "canet_owner"
    assert env["PGPASSWORD"].startswith("<canet-db-owner-credentials/password>")
    assert "CANET_SECRET_KEY" not in env, "the Job needs none of the keys"

    (grant,) = pod["containers"]
    script = grant["command"][grant["command"].index("-f") + 1]
    mount = next(m for m in grant["volumeMounts"] if script.startswith(m["mountPath"] + "/"))
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    data = config_maps[volume["configMap"]["name"]]
    grants = (K8S / "base" / "app-role-grants.sql").read_text(encoding="utf-8")
    assert data[Path(script).name] == grants
    assert _container_env(grant, config_maps)["PGUSER"] == "canet_owner"
    assert "ON_ERROR_STOP=1" in grant["command"]

    # The server's pods wait until the schema is this release's.
    (wait,) = one(objects, "Deployment", "canet")["spec"]["template"]["spec"]["initContainers"]
    assert wait["image"] == server["image"]
    assert "canet db current" in wait["command"][-1]
    assert "grep -q '(head)$'" in wait["command"][-1]
    assert urlsplit(_container_env(wait, config_maps)["CANET_DATABASE_URL"]).username == (
        "canet_app"
    )


def test_wait_for_schema_passes_on_a_database_at_head(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    # `db` too: the suite's isolation fixture asks for it, and must find it made already.
    # The init container's own command, against a database the migrations brought to head.
    (wait,) = one(render("production"), "Deployment", "canet")["spec"]["template"]["spec"][
        "initContainers"
    ]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "CANET_ENV": "development",
        "CANET_DATABASE_URL": database_url,
        "CANET_DATA_DIR": str(tmp_path),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        wait["command"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "waiting for the migration Job" not in done.stdout
    # and the pattern does not take "not at head" for head
    assert not re.search(r"\(head\)$", "0016_library (head is 0017_retention)")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_database_cluster(overlay: str) -> None:
    objects = render(overlay)
    cluster = one(objects, "Cluster", "canet-db")["spec"]
    instances = cluster["instances"]
    synchronous = cluster["postgresql"].get("synchronous")
    if overlay == "production":
        assert instances == 3
        assert synchronous["number"] >= 1 and synchronous["number"] <= instances - 1
        assert synchronous["dataDurability"] == "required"
        (plugin,) = cluster["plugins"]
        assert plugin["isWALArchiver"] is True
        store = one(objects, "ObjectStore", plugin["parameters"]["barmanObjectName"])
        assert store["spec"]["retentionPolicy"]
        backup = one(objects, "ScheduledBackup")["spec"]
        assert backup["cluster"]["name"] == "canet-db"
        assert (backup["method"], backup["pluginConfiguration"]["name"]) == (
            "plugin",
            plugin["name"],
        )
        assert len(backup["schedule"].split()) == 6, "CloudNativePG schedules start with seconds"
    else:
        assert instances == 1
        assert synchronous is None, "no standby to wait for"
    assert cluster["bootstrap"]["initdb"]["owner"] == "canet_owner"
    assert cluster["bootstrap"]["initdb"]["database"] == "canet"
    roles = {role["name"]: role for role in cluster["managed"]["roles"]}
    assert set(roles) == {"canet_owner", "canet_app"}
    app = roles["canet_app"]
    assert app["login"] is True and not app.get("superuser") and not app.get("createrole")
    assert cluster["enableSuperuserAccess"] is False
    assert cluster["monitoring"]["enablePodMonitor"] is True


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_database_has_room_for_every_connection(overlay: str) -> None:
    objects = render(overlay)
    env = _container_env(_server(objects)[1], _configmaps(objects))
    workers = parse_canet_command(_server(objects)[1]["args"]).workers
    hpas = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    pods = (
        hpas[0]["spec"]["maxReplicas"] if hpas else one(objects, "Deployment")["spec"]["replicas"]
    )
    per_worker = int(env["CANET_DB_POOL_SIZE"]) + int(env["CANET_DB_MAX_OVERFLOW"]) + 1
    cluster = one(objects, "Cluster", "canet-db")["spec"]
    (app,) = [r for r in cluster["managed"]["roles"] if r["name"] == "canet_app"]
    assert pods * workers * per_worker <= app["connectionLimit"]
    assert app["connectionLimit"] + 20 <= int(
        cluster["postgresql"]["parameters"]["max_connections"]
    )


def test_autoscaling_and_disruption() -> None:
    objects = render("production")
    hpa = one(objects, "HorizontalPodAutoscaler", "canet")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "canet"}
    for overlay in OVERLAYS:
        objects = render(overlay)
        pod_labels = one(objects, "Deployment", "canet")["spec"]["template"]["metadata"]["labels"]
        pdb = one(objects, "PodDisruptionBudget", "canet")["spec"]
        assert pdb["maxUnavailable"] == 1
        assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_ingress_and_monitor_reach_the_pods(overlay: str) -> None:
    objects = render(overlay)
    deployment, container = _server(objects)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    port_names = {p["name"] for p in container["ports"]}

    service = one(objects, "Service", "canet")["spec"]
    assert service["selector"].items() <= pod_labels.items()
    (http,) = service["ports"]
    assert http["targetPort"] in port_names

    ingress = one(objects, "Ingress", "canet")
    annotations = ingress["metadata"]["annotations"]
    for key in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{key}"]) >= 3600
    body = annotations["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert re.fullmatch(r"\d+m", body)
    assert int(body[:-1]) * 1024 * 1024 > Settings.model_fields["max_attachment_bytes"].default
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "canet", "port": {"name": http["name"]}}

    monitor = one(objects, "PodMonitor", "canet")["spec"]
    assert monitor["selector"]["matchLabels"].items() <= pod_labels.items()
    assert monitor["podMetricsEndpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies(overlay: str) -> None:
    objects = render(overlay)
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    deny = policies["canet-default-deny"]
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    for where, obj in (("server", one(objects, "Deployment")), ("job", one(objects, "Job"))):
        labels = obj["spec"]["template"]["metadata"]["labels"]
        assert deny["podSelector"]["matchLabels"].items() <= labels.items(), where

    ingress = policies["canet-ingress"]["ingress"]
    sources = {
        rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]: {
            port["port"] for port in rule["ports"]
        }
        for rule in ingress
    }
    assert sources == {"ingress-nginx": {"http"}, "monitoring": {"metrics"}}

    egress = policies["canet-egress"]["egress"]
    allowed = set()
    for rule in egress:
        for peer in rule["to"]:
            target = (
                peer.get("podSelector", {}).get("matchLabels", {}).get("cnpg.io/cluster")
                or peer.get("podSelector", {}).get("matchLabels", {}).get("k8s-app")
                or peer.get("ipBlock", {}).get("cidr")
            )
            for port in rule["ports"]:
                allowed.add((target, port["port"], port["protocol"]))
    assert allowed == {
        ("canet-db", 5432, "TCP"),
        ("kube-dns", 53, "UDP"),
        ("kube-dns", 53, "TCP"),
        ("0.0.0.0/0", 25, "TCP"),
        ("0.0.0.0/0", 465, "TCP"),
        ("0.0.0.0/0", 587, "TCP"),
        ("0.0.0.0/0", 443, "TCP"),
    }
    assert one(objects, "Cluster")["metadata"]["name"] == "canet-db"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_config_map_references_resolve(overlay: str) -> None:
    objects = render(overlay)
    config_maps = _configmaps(objects)
    claims = {o["metadata"]["name"] for o in objects if o["kind"] == "PersistentVolumeClaim"}
    for where, pod in _pod_specs(objects).items():
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for volume in volumes.values():
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, where
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, where
        for container in pod.get("initContainers", []) + pod["containers"]:
            _container_env(container, config_maps)  # every configMapKeyRef resolves
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{where}/{container['name']}: {mount['name']}"
