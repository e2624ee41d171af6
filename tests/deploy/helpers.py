"""What the deployment checks compare against: canet's real settings and commands."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings

import app
from app.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# `os.environ.get("CANET_...")` outside the settings classes (e.g. CANET_ADMIN_PASSWORD).
_DIRECT_READ = re.compile(r"""(?:environ\.get|getenv|environ\[)\(?\s*["'](CANET_[A-Z0-9_]+)["']""")


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@cache
def settings_classes() -> tuple[type[BaseSettings], ...]:
    """Every BaseSettings class of the app package (importing every module to find them)."""
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    return tuple(cls for cls in _subclasses(BaseSettings) if cls.__module__.split(".")[0] == "app")


def _names_of(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = set()
    for field_name, info in cls.model_fields.items():
        alias = info.validation_alias or info.alias
        names.add(str(alias).upper() if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return names


@cache
def canet_env_names() -> frozenset[str]:
    """Every CANET_* variable canet reads: the settings classes' fields, and direct reads."""
    names: set[str] = set()
    for cls in settings_classes():
        names |= _names_of(cls)
    for path in (ROOT / "app").rglob("*.py"):
        names |= set(_DIRECT_READ.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


def unknown_canet_names(names: set[str] | Mapping[str, object]) -> list[str]:
    known = canet_env_names()
    return sorted(name for name in names if name.startswith("CANET_") and name not in known)


def check_settings_accept(environment: Mapping[str, str]) -> None:
    """Build every settings class from exactly this environment: its validators must pass."""
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if n.startswith("CANET_")]:
            del os.environ[name]
        os.environ.update(environment)
        for cls in settings_classes():
            cls(_env_file=None)  # type: ignore[call-arg]
    finally:
        os.environ.clear()
        os.environ.update(saved)


def parse_canet_command(argv: list[str]) -> argparse.Namespace:
    """`canet <argv>` as the real parser reads it; an unknown command or option fails."""
    parser = build_parser()
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            return parser.parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"canet {' '.join(argv)}: {stderr.getvalue().strip()}") from exc
