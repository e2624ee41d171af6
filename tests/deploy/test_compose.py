"""deploy/compose: every reference in compose.yaml resolves, against canet's real code.

No container engine runs here: the file is read as Compose reads it (YAML, then `${VAR}`
interpolation from .env), and each service is checked against what it points at: the canet
command line parser, the settings classes, the files it mounts, the services it waits for.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.helpers import (
    DEPLOY,
    check_settings_accept,
    parse_canet_command,
    unknown_canet_names,
)

COMPOSE_DIR = DEPLOY / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
APP_IMAGE_VAR = "APP_IMAGE"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, $VAR; not $$.
_INTERPOLATION = re.compile(
    r"(?<!\$)\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# Values that only a person may choose: .env.example must leave them empty.
_SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|_KEY_ID$")
# Dummy values for the empty secrets when the settings classes are built from a service.
_FILLED = {"CANET_SECRET_KEY": "x" * 48, "CANET_AUDIT_SIGNING_KEY": "y" * 44}


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f".env.example: not NAME=value: {line!r}"
            values[name.strip()] = value
    return values


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation, for the forms this file uses."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op") or "", match.group("arg") or ""
        current = env.get(name)
        if op in (":-", "-"):
            return current if current or (op == "-" and current is not None) else arg
        if op in (":?", "?"):
            if not current and (op == ":?" or current is None):
                raise AssertionError(f"${{{name}}} is required: {arg}")
            return current or ""
        return current or ""

    return _INTERPOLATION.sub(one, value).replace("$$", "$")


def filled_env() -> dict[str, str]:
    """.env.example as an operator fills it in: every empty secret given a value."""
    env = env_example()
    for name, value in env.items():
        if not value:
            env[name] = _FILLED.get(name, f"{name.lower()}-value")
    return env


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    return interpolate(raw, filled_env())


def canet_services(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in raw["services"].items()
        if f"${{{APP_IMAGE_VAR}" in service.get("image", "")
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping, so that names are checked"
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def test_every_variable_is_named_in_env_example() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    used = {m.group("braced") or m.group("bare") for m in _INTERPOLATION.finditer(text)}
    example = env_example()
    assert sorted(used - example.keys()) == [], "used in compose.yaml, missing in .env.example"
    assert sorted(example.keys() - used) == [], "in .env.example, used nowhere"
    required = {
        m.group("braced") for m in _INTERPOLATION.finditer(text) if m.group("op") in (":?", "?")
    }
    for name in ("CANET_SECRET_KEY", "CANET_AUDIT_SIGNING_KEY", "CANET_STORAGE_MASTER_KEY"):
        assert name in required, f"{name} must be required (${{{name}:?...}})"


def test_env_example_commits_no_secret() -> None:
    example = env_example()
    secrets = [name for name in example if _SECRET_NAME.search(name)]
    assert {"POSTGRES_PASSWORD", "DB_OWNER_PASSWORD", "DB_APP_PASSWORD"} <= set(secrets)
    assert [name for name in secrets if example[name]] == []
    assert unknown_canet_names(example) == []


def test_the_file_needs_its_secrets(raw: dict[str, Any]) -> None:
    env = filled_env()
    del env["CANET_STORAGE_MASTER_KEY"]
    with pytest.raises(AssertionError, match="CANET_STORAGE_MASTER_KEY"):
        interpolate(raw, env)


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "build" not in service, f"{name}: the image is built elsewhere"
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image}"


def test_canet_commands_exist(raw: dict[str, Any], compose: dict[str, Any]) -> None:
    services = canet_services(raw)
    assert set(services) == {"migrate", "canet"}
    commands = {}
    for name in services:
        command = compose["services"][name]["command"]
        assert isinstance(command, list), f"{name}: command as a list (no shell)"
        commands[name] = parse_canet_command(command)
    assert (commands["migrate"].command, commands["migrate"].db_command) == ("db", "upgrade")
    serve = commands["canet"]
    assert serve.command == "serve"
    assert serve.host == "0.0.0.0" and serve.workers >= 2
    assert not serve.migrate, "migrations run once, in the migrate service, not per replica"


def test_canet_environment_is_real_settings(raw: dict[str, Any], compose: dict[str, Any]) -> None:
    for name in canet_services(raw):
        env = environment(compose["services"][name])
        assert unknown_canet_names(env) == [], name
        check_settings_accept(env)
    # The S3 profile's values are accepted too.
    s3 = environment(compose["services"]["canet"]) | {"CANET_STORAGE_BACKEND": "s3"}
    check_settings_accept(s3)


def test_no_other_service_invents_canet_settings(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert unknown_canet_names(environment(service)) == [], name


def test_the_two_roles_of_docs_audit(compose: dict[str, Any], raw: dict[str, Any]) -> None:
    services = compose["services"]
    owner_url = urlsplit(environment(services["migrate"])["CANET_DATABASE_URL"])
    app_url = urlsplit(environment(services["canet"])["CANET_DATABASE_URL"])
    assert (owner_url.username, owner_url.password) == ("canet_owner", None)
    assert (app_url.username, app_url.password) == ("canet_app", None)
    assert environment(services["migrate-grants"])["PGUSER"] == "canet_owner"
    # Each password reaches only its role's services (asyncpg and psql read PGPASSWORD).
    raw_env = {name: raw["services"][name].get("environment", {}) for name in raw["services"]}
    assert "DB_OWNER_PASSWORD" in raw_env["migrate"]["PGPASSWORD"]
    assert "DB_OWNER_PASSWORD" in raw_env["migrate-grants"]["PGPASSWORD"]
    assert "DB_APP_PASSWORD" in raw_env["canet"]["PGPASSWORD"]
    for name, env in raw_env.items():
        if name not in ("postgres", "migrate", "migrate-grants"):
            assert "DB_OWNER_PASSWORD" not in str(env), name
    init = services["postgres"]["volumes"]
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-canet-roles.sh:ro") for v in init)
    # The grants run after the upgrade, and the server after the grants.
    assert services["migrate-grants"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["canet"]["depends_on"]["migrate-grants"]["condition"] == (
        "service_completed_successfully"
    )


def test_dependencies_resolve(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency, spec in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} waits for unknown {dependency}"
            condition = spec["condition"]
            assert condition in _CONDITIONS, f"{name}: {condition}"
            target = services[dependency]
            if condition == "service_healthy":
                assert "healthcheck" in target, f"{name} waits for {dependency}'s health"
            if condition == "service_completed_successfully":
                assert target.get("restart") == "no", f"{dependency} must be one-shot"
            if set(target.get("profiles", [])) - set(service.get("profiles", [])):
                assert spec.get("required") is False, f"{name} needs {dependency}'s profile"


def test_long_running_services_have_healthchecks(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue
        check = service.get("healthcheck")
        assert check and check["test"][0] == "CMD", f"{name} needs a healthcheck"
        test = check["test"]
        if test[1:3] == ["python", "-c"]:
            ast.parse(test[3])  # the urllib probe of the slim image at least compiles


def test_canet_runs_read_only_and_replicated(compose: dict[str, Any]) -> None:
    canet = compose["services"]["canet"]
    assert canet["read_only"] is True
    assert canet["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in canet["security_opt"]
    tmpfs = [entry.split(":")[0] for entry in canet["tmpfs"]]
    assert "/tmp" in tmpfs and "/var/lib/canet/run" in tmpfs
    volumes = [entry.split(":") for entry in canet["volumes"]]
    assert ["canet-data", "/var/lib/canet"] in volumes
    assert canet["deploy"]["replicas"] >= 2
    assert "ports" not in canet, "only the proxy is published"
    assert "readyz" in " ".join(canet["healthcheck"]["test"])


def test_database_has_room_for_every_connection(compose: dict[str, Any]) -> None:
    canet = compose["services"]["canet"]
    env = environment(canet)
    workers = parse_canet_command(canet["command"]).workers
    per_worker = int(env["CANET_DB_POOL_SIZE"]) + int(env["CANET_DB_MAX_OVERFLOW"]) + 1
    needed = canet["deploy"]["replicas"] * workers * per_worker + 10
    command = compose["services"]["postgres"]["command"]
    setting = next(arg for arg in command if arg.startswith("max_connections="))
    assert int(setting.partition("=")[2]) >= needed


def test_volumes_and_configs_resolve(compose: dict[str, Any]) -> None:
    named = set(compose.get("volumes", {}))
    configs = compose.get("configs", {})
    for name, config in configs.items():
        assert (COMPOSE_DIR / config["file"]).is_file(), f"config {name}: {config['file']}"
    used: set[str] = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, _, target = volume.partition(":")
            assert target.startswith("/"), f"{name}: {volume}"
            if source.startswith((".", "/")):
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in named, f"{name}: volume {source} is not declared"
                used.add(source)
        for config in service.get("configs", []):
            assert config["source"] in configs, f"{name}: config {config['source']}"
    assert named == used, "declared volumes nobody mounts"


def test_the_init_script_is_executable() -> None:
    script = COMPOSE_DIR / "initdb" / "10-canet-roles.sh"
    # The postgres image runs an executable script and only sources a plain one.
    assert script.stat().st_mode & 0o111


def test_haproxy_config(compose: dict[str, Any]) -> None:
    config = COMPOSE_DIR / compose["configs"]["haproxy"]["file"]
    text = config.read_text(encoding="utf-8")
    serve = parse_canet_command(compose["services"]["canet"]["command"])
    assert re.search(rf"server-template \w+ (\d+) canet:{serve.port}\b", text)
    count = int(re.search(r"server-template \w+ (\d+)", text).group(1))  # type: ignore[union-attr]
    assert count >= compose["services"]["canet"]["deploy"]["replicas"]
    assert "option httpchk GET /readyz" in text
    assert re.search(r"timeout tunnel\s+1h", text), "websockets stay up while idle"
    published = compose["services"]["proxy"]["ports"][0].rsplit(":", 1)[1]
    assert re.search(rf"bind :{published}\b", text)
    haproxy = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if haproxy is None:
        pytest.skip("HAProxy is not installed (Debian's haproxy package checks the syntax)")
    checked = subprocess.run(
        [haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
