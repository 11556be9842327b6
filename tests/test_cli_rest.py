"""`profile migrate` and `fleet apply` into a real ZenML 0.20.5 server, through the command line."""

import io
import json
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from oracle.harness import read_store_over_rest, start_server


@pytest.fixture(scope="module")
def server(oracle_python_path, tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.mark.oracle
def test_migrate_into_server_with_password_from_stdin(run_cli, server, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(server.password + "\n"))
    args = ("profile", "migrate", str(FIXTURES / "multi-profile" / "profiles" / "prod"), "--store", server.url)
    result = run_cli(*args, "--username", server.username, "--password-stdin", "--project", "cli_rest", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["target"].startswith("http://127.0.0.1:")
    stored = read_store_over_rest(server)
    assert {s["name"] for s in stored["stacks"] if s["project"] == "cli_rest"} >= {"gke_stack"}

    monkeypatch.setenv("ZENML_STORE_USERNAME", server.username)
    monkeypatch.setenv("ZENML_STORE_PASSWORD", server.password)
    again = json.loads(run_cli(*args, "--project", "cli_rest", "--json").stdout)
    assert {a["operation"] for p in again["profiles"] for a in p["actions"]} == {"unchanged"}


@pytest.mark.oracle
def test_dry_run_against_server_writes_nothing(run_cli, server, monkeypatch) -> None:
    monkeypatch.setenv("ZENML_STORE_USERNAME", server.username)
    monkeypatch.setenv("ZENML_STORE_PASSWORD", server.password)
    before = read_store_over_rest(server)
    result = run_cli("profile", "migrate", str(FIXTURES / "custom-flavor"), "--store", server.url, "--project", "dry", "--dry-run")
    assert result.exit_code == 0, result.output
    assert read_store_over_rest(server) == before


@pytest.mark.oracle
def test_wrong_password_exit_2(run_cli, server, monkeypatch) -> None:
    monkeypatch.setenv("ZENML_STORE_USERNAME", server.username)
    monkeypatch.setenv("ZENML_STORE_PASSWORD", "not-the-password-1234")
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", server.url)
    assert result.exit_code == 2
    assert "rejected" in result.stderr
    assert "not-the-password-1234" not in result.output


def test_plain_http_to_remote_host_is_refused(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("ZENML_STORE_USERNAME", "default")
    monkeypatch.setenv("ZENML_STORE_PASSWORD", "")
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", "http://zenml.example.com")
    assert result.exit_code == 2
    assert "https://" in result.stderr


def test_server_without_credentials_is_refused(run_cli, monkeypatch) -> None:
    monkeypatch.delenv("ZENML_STORE_USERNAME", raising=False)
    monkeypatch.delenv("ZENML_STORE_PASSWORD", raising=False)
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", "https://zenml.example.com")
    assert result.exit_code == 2
    assert "--username" in result.stderr


def test_credentials_from_rest_config(tmp_path: Path, monkeypatch) -> None:
    from migrator.stores.target import resolve_target

    monkeypatch.delenv("ZENML_STORE_USERNAME", raising=False)
    monkeypatch.delenv("ZENML_STORE_PASSWORD", raising=False)
    (tmp_path / "config.yaml").write_text(
        "store:\n  type: rest\n  url: https://zenml.example.com\n  username: alice\n  password: s3cret\n  verify_ssl: false\n"
    )
    target = resolve_target(None, tmp_path)
    assert (target.kind, target.username, target.password, target.verify_ssl) == ("rest", "alice", "s3cret", False)
    assert "s3cret" not in repr(target)


@pytest.mark.oracle
def test_server_and_sqlite_plans_are_the_same(run_cli, server, monkeypatch, tmp_path: Path) -> None:
    """A dry run against a server and against a SQLite store report the same actions for the profile."""
    monkeypatch.setenv("ZENML_STORE_USERNAME", server.username)
    monkeypatch.setenv("ZENML_STORE_PASSWORD", server.password)
    args = ("profile", "migrate", str(FIXTURES / "multi-stack"), "--project", "same_plan", "--dry-run", "--json")
    over_rest = json.loads(run_cli(*args, "--store", server.url).stdout)
    sqlite_store = tmp_path / "zenml.db"
    assert run_cli("profile", "migrate", str(FIXTURES / "default-only" / "profiles" / "default"), "--store", f"sqlite:///{sqlite_store}").exit_code == 0
    over_sql = json.loads(run_cli(*args, "--store", f"sqlite:///{sqlite_store}").stdout)

    def migrated(report: dict) -> list[dict]:
        return [action for profile in report["profiles"] for action in profile["actions"] if action["legacy_name"] is not None]

    assert migrated(over_rest) == migrated(over_sql)
    assert over_rest["summary"] == over_sql["summary"]
