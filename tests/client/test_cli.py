"""`canet-client` as a script would run it: a real process, its JSON output and exit codes."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.client.conftest import CLI, World, cli_env


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    def __init__(self, tmp_path: Path, config: str, **env: str) -> None:
        self.config = tmp_path / "canet.toml"
        self.config.write_text(config)
        self.env = cli_env(tmp_path, CANET_CLIENT_CONFIG=str(self.config), **env)
        self.cwd = tmp_path

    def __call__(self, *args: str, stdin: str | None = None) -> Run:
        done = subprocess.run(
            [*CLI, *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Run(done.returncode, done.stdout, done.stderr)


def _profile(world: World) -> str:
    return f"""
default_profile = "ministry"

[profiles.ministry]
base_url = "{world.url}"
email = "{world.person.email}"
password_env = "MY_CANET_PASSWORD"
totp_secret_env = "MY_CANET_TOTP"

[profiles.broken]
base_url = "{world.url}"
token_env = "FORGED_TOKEN"
"""


def test_cli_json_output_and_exit_codes(world: World, tmp_path: Path) -> None:
    cli = Cli(
        tmp_path,
        _profile(world),
        MY_CANET_PASSWORD=world.person.password,
        MY_CANET_TOTP=world.person.totp_secret,
        FORGED_TOKEN="forged",
    )
    # Sign in once (password and TOTP); later runs use the kept tokens.
    login = cli("--json", "login")
    assert login.code == 0, login.err
    assert login.json()["email"] == world.person.email
    cache = tmp_path / "cache" / "canet-client" / "ministry.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    del cli.env["MY_CANET_TOTP"]  # no code at hand from here on

    created = cli(
        "--json", "cases", "create", "--type", "mla", "--to", str(world.ita.id),
        "--title", "Phone records", "--summary", "Subscriber data for two numbers.",
        "--legal-basis", "untoc_art18", "--offence", "fraud", "--measure", "telecom_data",
        "--language", "it", "--deadline", "2031-01-31", "--deadline-reason", "trial",
    )  # fmt: skip
    assert created.code == 0, created.err
    case = created.json()
    assert case["status"] == "draft" and case["title"] == "Phone records"

    listed = cli("--json", "cases", "list")
    assert listed.code == 0, listed.err
    assert [c["id"] for c in listed.json()] == [case["id"]]

    exhibit = tmp_path / "exhibit.txt"
    exhibit.write_bytes(b"call detail records\n" * 5000)
    attached = cli("--json", "--progress", "cases", "attach", case["id"], str(exhibit))
    assert attached.code == 0, attached.err
    (attachment,) = attached.json()
    assert attachment["sha256"] == hashlib.sha256(exhibit.read_bytes()).hexdigest()
    assert "exhibit.txt [" in attached.err and "100%" in attached.err  # the progress bar

    message = cli("--json", "cases", "message", case["id"], "--body-file", "-", stdin="Hello")
    assert message.code == 0, message.err
    assert message.json()["body"] == "Hello"

    submitted = cli("--json", "cases", "submit", case["id"])
    assert submitted.code == 0, submitted.err
    assert submitted.json()["status"] == "submitted"
    again = cli("--json", "cases", "transition", case["id"], "submit")
    assert again.code == 4  # conflict with the current state
    problem = json.loads(again.err)["error"]
    assert problem["status"] == 409 and problem["type"].startswith("urn:canet:problem:")

    downloaded = cli("--json", "cases", "download", case["id"], "--dir", str(tmp_path / "got"))
    assert downloaded.code == 0, downloaded.err
    (result,) = downloaded.json()
    assert Path(result["path"]).read_bytes() == exhibit.read_bytes()
    assert result["sha256"] == attachment["sha256"]

    exported = cli("cases", "export", case["id"], "--out", str(tmp_path / "case.json"))
    assert exported.code == 0, exported.err
    file = json.loads((tmp_path / "case.json").read_text())
    assert file["case"]["id"] == case["id"] and len(file["attachments"]) == 1

    tail = cli("--json", "events", "tail", "--once", "--after", "0")
    assert tail.code == 0, tail.err
    names = [json.loads(line)["event"] for line in tail.out.splitlines()]
    assert "case.created" in names and "case.attachment.created" in names

    found = cli("--json", "directory", "find", "--state", "ITA")
    assert found.code == 0, found.err
    assert [a["id"] for a in found.json()] == [str(world.ita.id)]

    # The exit codes scripts rely on.
    assert cli("--json", "cases", "show", str(uuid.uuid4())).code == 3  # not found
    assert cli("cases", "frobnicate").code == 1  # usage
    assert cli("--profile", "broken", "whoami").code == 2  # authentication
    unreachable = cli("--url", "http://127.0.0.1:9", "--profile", "broken", "whoami")
    assert unreachable.code == 5, unreachable.err  # network

    table = cli("cases", "list")  # for people: a table
    assert table.code == 0 and "REFERENCE" in table.out and case["reference"] in table.out
    assert cli("logout").code == 0
    assert not cache.exists()
