"""Shared test helpers: fixture paths, tree hashing, the CLI run in-process, table dumps."""

import hashlib
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "real-0.13.2"
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Genuine ZenML 0.13.2 config dirs and the YAML profiles in them that hold more than the defaults.
LOCAL_PROFILES = {
    "custom-flavor": ["custom"],
    "many-stacks": ["default"],
    "multi-profile": ["default", "prod"],
    "multi-stack": ["production"],
    "odd-names": ["default", "équipe β"],
}
# What ZenML 0.20 cannot hold: a 134-character component name (names have at most 128)
# and the stack that uses it.
EXPECTED_ERRORS = {
    ("odd-names", "default"): {
        "orchestrator with a very long name that a user typed because they wanted to describe its purpose in full détail, version two point one",
        "long names stack",
    },
}
ALL_CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def tree_digest(root: Path) -> str:
    """Hash every path, mode and file content under `root`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        digest.update(str(path.relative_to(root)).encode() + b"\0" + oct(stat.st_mode).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def dump_tables(db: Path) -> dict[str, list[tuple]]:
    """Return every row of every table of a SQLite file, sorted, for before/after comparisons."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}
    finally:
        connection.close()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run `zenml-migrate` in-process with a private ZENML_CONFIG_PATH; return its exit code and output."""
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(tmp_path / "zenml-config"))
    monkeypatch.setenv("COLUMNS", "200")
    from migrator.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 2
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def store_url(tmp_path: Path) -> tuple[str, Path]:
    db = tmp_path / "zenml.db"
    return f"sqlite:///{db}", db


@pytest.fixture
def legacy_copy(tmp_path: Path):
    """Copy a genuine fixture case into a scratch dir that a test may break."""
    import shutil

    def copy(case: str) -> Path:
        target = tmp_path / "legacy" / case
        shutil.copytree(FIXTURES / case, target)
        for path in [target, *target.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        return target

    return copy


@pytest.fixture(scope="session")
def oracle_python_path() -> Path:
    """The Python of the real ZenML 0.20.5 environment, built on first use.

    Tests that need it skip with the reason when it cannot be built, except
    where ZENML_MIGRATE_REQUIRE_ORACLE=1 (CI), where they fail instead.
    """
    from oracle.harness import OracleUnavailable, oracle_python

    try:
        return oracle_python()
    except OracleUnavailable as error:
        if os.environ.get("ZENML_MIGRATE_REQUIRE_ORACLE") == "1":
            pytest.fail(f"ZenML 0.20.5 environment required but unavailable: {error.reason}")
        pytest.skip(f"ZenML 0.20.5 environment unavailable: {error.reason}")


# -- MySQL -------------------------------------------------------------------

# The server of the tests marked `mysql`; they connect as root without a password.
MYSQL_HOST = "127.0.0.1"
MYSQL_PORT = 3306
# The options of every test database. schema/mysql/record_schema.py records
# ZenML's tables in a database with the same options.
MYSQL_DATABASE_OPTIONS = "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"


@dataclass
class MysqlDatabase:
    """A scratch database: its name, and its store URL as users write it (root, no password)."""

    name: str
    url: str


@pytest.fixture
def mysql_database(monkeypatch: pytest.MonkeyPatch):
    """Create an empty database with a random name on the test server, and drop it after the test.

    ZENML_STORE_PASSWORD is removed from the environment, so that the URL
    without a password connects as root without one.
    """
    import secrets

    import pymysql

    monkeypatch.delenv("ZENML_STORE_PASSWORD", raising=False)
    name = f"zenml_migrate_test_{secrets.token_hex(6)}"
    admin = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` {MYSQL_DATABASE_OPTIONS}")
        try:
            yield MysqlDatabase(name=name, url=f"mysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{name}")
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()
