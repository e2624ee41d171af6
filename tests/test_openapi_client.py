"""A standard generator makes a clean client of the OpenAPI document.

National case systems generate their client from `/api/v1/openapi.json`, so the document
must give every schema one name a generator can turn into a class and every operation an id
it can turn into a function. openapi-python-client is run here on the document as the app
serves it; any warning it prints (a duplicate model, an unresolved reference, a body it
cannot send) fails the test, and the generated package must import with one function per
operation.

The document needs no database: the app is built, never started.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.main import create_app
from tests.factories import TEST_SECRET_KEY

PACKAGE = "canet_generated_client"
# A schema name as generators turn it into a class: no `-Input`/`-Output`, no module path.
SCHEMA_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
OPERATION_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Post hooks are off: by default the generator runs ruff on its output, which checks ruff
# rather than the document and warns when ruff is not on PATH.
GENERATOR_CONFIG = "post_hooks: []\n"

# Imports every module of the generated package and lists each one's public names.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = {package.__name__: sorted(vars(package))}
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    names[info.name] = sorted(n for n in vars(importlib.import_module(info.name)) if n[:1] != "_")
print(json.dumps(names))
"""


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        database_url="postgresql://unused@127.0.0.1:1/unused",
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key=TEST_SECRET_KEY,
        base_url="http://testserver",
    )
    return create_app(settings).openapi()


@pytest.fixture(scope="module")
def generated(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """The generator's output and the directory holding the generated package."""
    work = tmp_path_factory.mktemp("client")
    (work / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (work / "config.yaml").write_text(GENERATOR_CONFIG, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            PACKAGE,
            "--meta",
            "none",
            "--config",
            "config.yaml",
            "--fail-on-warning",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output, work


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_the_generator_warns_of_nothing(generated: tuple[str, Path]) -> None:
    output, _work = generated
    said = [line for line in output.splitlines() if line.strip()]
    assert said == [f"Generating {PACKAGE}"], output


def test_the_generated_client_imports_with_a_function_per_operation(
    document: dict[str, Any], generated: tuple[str, Path]
) -> None:
    _output, work = generated
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", _IMPORT_ALL, PACKAGE],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    names: dict[str, list[str]] = json.loads(result.stdout)

    assert "FinderAnswer" in names[f"{PACKAGE}.models"]
    # One module per operation: <package>.api.<tag>.<operationId>.
    operations = {
        name.rsplit(".", 1)[1]: name
        for name in names
        if name.startswith(f"{PACKAGE}.api.") and name.count(".") == 3
    }
    for method, path, operation in _operations(document):
        module = operations.get(operation["operationId"])
        assert module, f"no function for {method.upper()} {path}"
        assert {"sync_detailed", "asyncio_detailed"} <= set(names[module]), module
        # Each model a success answer is made of is parsed: the answer was not dropped.
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                for ref in _refs(response):
                    model = ref.rsplit("/", 1)[1]
                    assert model in names[module], f"{method.upper()} {path} answers no {model}"
    assert "FinderAnswer" in names[operations["find_authority"]]


def test_every_schema_has_one_name_a_client_can_use(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document["components"]["schemas"]
    bad = [name for name in schemas if not SCHEMA_NAME.fullmatch(name)]
    # `X-Input`/`X-Output`: one model differs as request and as answer, or two models share a
    # name in different modules (`app__<module>__X`): rename or split the models.
    assert not bad, f"schemas a client cannot name: {bad}"
    clashes = [n for n, count in Counter(n.lower() for n in schemas).items() if count > 1]
    assert not clashes, f"names differing only in case: {clashes}"
    # Generators name a class by the title when there is one.
    titled = {name: s["title"] for name, s in schemas.items() if s.get("title", name) != name}
    assert not titled, f"titles other than the name: {titled}"


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = set(_refs(document))
    assert refs
    for ref in sorted(refs):
        assert ref.startswith("#/"), ref
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
            node = node[part]


def test_operation_ids_are_short_unique_and_snake_case(document: dict[str, Any]) -> None:
    ids = []
    for method, path, operation in _operations(document):
        operation_id = operation.get("operationId")
        assert operation_id, f"{method.upper()} {path} has no operationId"
        assert OPERATION_ID.fullmatch(operation_id), operation_id
        # Not FastAPI's generated kind, the name with the path and method appended
        # (`list_cases_api_v1_cases_get`): the endpoint's name, a verb and its object.
        assert not operation_id.endswith(re.sub(r"\W", "_", path) + f"_{method}"), operation_id
        assert len(operation_id) <= 40, operation_id
        ids.append(operation_id)
    assert [i for i, count in Counter(ids).items() if count > 1] == []
