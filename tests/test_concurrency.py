"""Concurrent zenml-migrate runs into one store: a lock file serializes SQLite runs, and a named lock serializes MySQL runs.

On MySQL, row locks also guard against writers that take no named lock.

The runs are child processes of the real command line (`run_cli_forked`).
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import filelock
import pymysql
import pytest
from conftest import FIXTURES, MysqlDatabase
from fixtures_builders import (  # noqa: F401 - repository_fixtures_unchanged is autouse: fixtures/ stays unchanged
    logical_dump,
    mysql_rows,
    repository_fixtures_unchanged,
    require_mysql,
    run_cli_forked,
    sqlite_rows,
)

from migrator.stores.sql import LOCK_FILE_SUFFIX, SqlStore

WAITING = "waiting for another zenml-migrate run on"
PROFILES = {
    "production": FIXTURES / "multi-stack" / "profiles" / "production",
    "custom": FIXTURES / "custom-flavor" / "profiles" / "custom",
    "many": FIXTURES / "many-stacks" / "profiles" / "default",
    "prod": FIXTURES / "multi-profile" / "profiles" / "prod",
}


def lock_of(db: Path) -> filelock.BaseFileLock:
    """Return a lock on the lock file of `db`, as another process would take it."""
    return filelock.FileLock(str(db) + LOCK_FILE_SUFFIX)


def wait_for_text(path: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace").lower():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} did not show {text!r} within {timeout} s: {path.read_text(errors='replace') if path.exists() else ''}")


def migrate_in_background(args: list[str], output: Path, environment: dict[str, str]) -> tuple[threading.Thread, list]:
    results: list = []
    thread = threading.Thread(target=lambda: results.append(run_cli_forked(*args, env=environment, output=output)))
    thread.start()
    return thread, results


def test_second_run_waits_for_lock(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    environment = {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}
    output = tmp_path / "output.txt"
    lock = lock_of(db)
    lock.acquire()
    try:
        thread, results = migrate_in_background(
            ["profile", "migrate", str(PROFILES["custom"]), "--store", f"sqlite:///{db}"], output, environment
        )
        wait_for_text(output, WAITING)
        assert thread.is_alive()
        assert not db.exists()  # it waits before reading the store, so its plan will see what the holder wrote
    finally:
        lock.release()
    thread.join(60)
    (result,) = results
    assert result.exit_code == 0, result.output
    assert f"lock file {db}{LOCK_FILE_SUFFIX}" in result.output
    assert "inhouse_stack" in {row["name"] for row in sqlite_rows(db)["stackschema"]}


def test_no_wait_fails_at_once(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    with lock_of(db):
        started = time.monotonic()
        result = run_cli_forked(
            "profile", "migrate", str(PROFILES["custom"]), "--store", f"sqlite:///{db}", "--no-wait",
            env={"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}, output=tmp_path / "output.txt",
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert "Another zenml-migrate run is migrating into" in result.output
    assert "without --no-wait" in result.output
    assert "Traceback" not in result.output
    assert elapsed < 10
    assert not db.exists()


def test_dry_run_takes_no_lock(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    with lock_of(db):
        result = run_cli_forked(
            "profile", "migrate", str(PROFILES["custom"]), "--store", f"sqlite:///{db}", "--dry-run", "--no-wait",
            env={"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}, output=tmp_path / "output.txt", timeout=30,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not db.exists()


def test_fleet_apply_waits_for_lock(tmp_path: Path) -> None:
    """The fleet commands take the lock in the store's apply; they log the same message while they wait."""
    db = tmp_path / "zenml.db"
    manifest = tmp_path / "fleet.yaml"
    manifest.write_text(f"target: sqlite:///{db}\nsources:\n  - path: {FIXTURES / 'custom-flavor'}\n")
    output = tmp_path / "output.txt"
    lock = lock_of(db)
    lock.acquire()
    try:
        thread, results = migrate_in_background(["fleet", "apply", str(manifest)], output, {"ZENML_CONFIG_PATH": str(tmp_path / "cfg")})
        wait_for_text(output, WAITING)
    finally:
        lock.release()
    thread.join(60)
    (result,) = results
    assert result.exit_code == 0, result.output
    assert "inhouse_stack" in {row["name"] for row in sqlite_rows(db)["stackschema"]}


def run_concurrently(runs: list[list[str]], tmp_path: Path) -> list:
    environment = {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = [
            pool.submit(run_cli_forked, *args, env=environment, output=tmp_path / f"output-{index}.txt") for index, args in enumerate(runs)
        ]
        return [future.result() for future in futures]


def test_concurrent_sqlite_runs_all_apply(tmp_path: Path) -> None:
    """Four runs start together on a new file: each waits its turn, plans against what the others wrote, and applies."""
    db = tmp_path / "zenml.db"
    runs = [["profile", "migrate", str(path), "--prefix", f"{name}_", "--store", f"sqlite:///{db}"] for name, path in PROFILES.items()]
    results = run_concurrently(runs, tmp_path)
    for result in results:
        assert result.exit_code == 0, result.output
    assert sum(WAITING in result.output.lower() for result in results) >= 1
    state = logical_dump(sqlite_rows(db))
    assert state["projects"] == [("default", "")]
    assert state["users"] == ["default"]
    stacks = [name for *_, name, _shared, _members in state["stacks"]]
    for name in PROFILES:
        assert any(stack.startswith(f"{name}_") for stack in stacks), name
    assert_unique_names(state)


def test_concurrent_sqlite_runs_of_one_profile(tmp_path: Path) -> None:
    """The same profile three times at once: the first applies, the others plan against it and find nothing to write."""
    db = tmp_path / "zenml.db"
    results = run_concurrently([["profile", "migrate", str(PROFILES["production"]), "--store", f"sqlite:///{db}"]] * 3, tmp_path)
    assert [result.exit_code for result in results] == [0, 0, 0], [result.output for result in results]
    assert sum("Nothing to write" in result.output for result in results) == 2
    assert_unique_names(logical_dump(sqlite_rows(db)))


def assert_unique_names(state: dict) -> None:
    """Assert that no project contains two stack components of one type and name, two stacks or two flavors of one name."""
    components = Counter((project, component_type, name) for project, _user, component_type, name, *_ in state["components"])
    stacks = Counter((project, name) for project, _user, name, *_ in state["stacks"])
    flavors = Counter((project, flavor_type, name) for project, _user, flavor_type, name, *_ in state["flavors"])
    for counter in (components, stacks, flavors):
        duplicates = [key for key, count in counter.items() if count > 1]
        assert duplicates == []


# -- MySQL ---------------------------------------------------------------------------


@pytest.mark.mysql
def test_concurrent_mysql_runs_stay_consistent(run_cli, mysql_database: MysqlDatabase, tmp_path: Path) -> None:
    """Five runs at once into one database, two of them of the same profile.

    Without a lock file they plan concurrently. Row locks make a run whose
    plan went stale fail with exit status 1 and write nothing. Every profile
    is then all there or not at all, no name is duplicated, and running the
    failed runs again completes the migration.
    """
    require_mysql()
    url = mysql_database.url
    assert run_cli("profile", "migrate", str(FIXTURES / "default-only" / "profiles" / "default"), "--all", "--store", url).exit_code == 0
    runs = [
        ["profile", "migrate", str(PROFILES["production"]), "--store", url],
        ["profile", "migrate", str(PROFILES["production"]), "--store", url],
        ["profile", "migrate", str(PROFILES["custom"]), "--prefix", "custom_", "--store", url],
        ["profile", "migrate", str(PROFILES["many"]), "--prefix", "many_", "--store", url],
        ["profile", "migrate", str(PROFILES["prod"]), "--prefix", "prod_", "--project", "other", "--store", url],
    ]
    results = run_concurrently(runs, tmp_path)
    for result in results:
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output, result.output
        assert "Internal error" not in result.output, result.output
        if result.exit_code == 1:
            assert "nothing was written" in result.output or "Nothing to write" in result.output or "already exists" in result.output
    assert sum(result.exit_code == 0 for result in results[:2]) >= 1

    state = logical_dump(mysql_rows(mysql_database.name))
    assert_unique_names(state)
    stacks = {(project, name) for project, _user, name, *_ in state["stacks"]}
    expected = {
        0: {("default", "aws_prod"), ("default", "gcp_vertex")},
        2: {("default", "custom_inhouse_stack")},
        3: {("default", "many_stack_000"), ("default", "many_stack_049")},
        4: {("other", "prod_gke_stack")},
    }
    for index, names in expected.items():
        if results[index].exit_code == 0:
            assert names <= stacks, results[index].output
    # A run that failed wrote nothing of its own: its names are absent unless another run of the same profile applied.
    for index in (2, 3, 4):
        if results[index].exit_code == 1:
            assert not expected[index] & stacks

    for index, args in enumerate(runs):
        again = run_cli(*args)
        assert again.exit_code == 0, again.output
    final = logical_dump(mysql_rows(mysql_database.name))
    assert_unique_names(final)
    assert set().union(*expected.values()) <= {(project, name) for project, _user, name, *_ in final["stacks"]}


@pytest.mark.mysql
def test_concurrent_first_runs_into_new_mysql_database(run_cli, mysql_database: MysqlDatabase, tmp_path: Path) -> None:
    require_mysql()
    url = mysql_database.url
    runs = [["profile", "migrate", str(path), "--prefix", f"{name}_", "--store", url] for name, path in PROFILES.items()]
    results = run_concurrently(runs, tmp_path)
    for result in results:
        assert result.exit_code in (0, 1), result.output
    for args in runs:
        again = run_cli(*args)
        assert again.exit_code == 0, again.output
    assert_unique_names(logical_dump(mysql_rows(mysql_database.name)))


def hold_mysql_lock(database: MysqlDatabase) -> pymysql.connections.Connection:
    """Take the named lock of `database` on a connection of its own, as another zenml-migrate run would."""
    name = SqlStore(database.url).mysql_lock_name
    connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, 0)", (name,))
        assert cursor.fetchone() == (1,)
    return connection


@pytest.mark.mysql
def test_second_mysql_run_waits_for_named_lock(mysql_database: MysqlDatabase, tmp_path: Path) -> None:
    require_mysql()
    output = tmp_path / "output.txt"
    holder = hold_mysql_lock(mysql_database)
    try:
        thread, results = migrate_in_background(
            ["profile", "migrate", str(PROFILES["custom"]), "--store", mysql_database.url], output,
            {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")},
        )  # fmt: skip
        wait_for_text(output, WAITING)
        assert thread.is_alive()
        assert not mysql_rows(mysql_database.name)  # it waits before reading the store or creating its tables
    finally:
        holder.close()  # the server releases the named lock with the connection
    thread.join(60)
    (result,) = results
    assert result.exit_code == 0, result.output
    assert "MySQL lock 'zenml-migrate:" in result.output
    assert "inhouse_stack" in {row["name"] for row in mysql_rows(mysql_database.name)["stackschema"]}


@pytest.mark.mysql
def test_mysql_no_wait_fails_at_once(mysql_database: MysqlDatabase, tmp_path: Path) -> None:
    require_mysql()
    holder = hold_mysql_lock(mysql_database)
    try:
        started = time.monotonic()
        result = run_cli_forked(
            "profile", "migrate", str(PROFILES["custom"]), "--store", mysql_database.url, "--no-wait",
            env={"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}, output=tmp_path / "output.txt",
        )  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        holder.close()
    assert result.exit_code == 2
    assert "Another zenml-migrate run is migrating into" in result.output
    assert "without --no-wait" in result.output
    assert "Traceback" not in result.output
    assert elapsed < 10
    assert not mysql_rows(mysql_database.name)


def test_mysql_lock_name_fits_the_server_limit() -> None:
    long_name = "d" * 64
    name = SqlStore(f"mysql+pymysql://root@127.0.0.1/{long_name}").mysql_lock_name
    assert len(name) <= 64
    assert name.startswith("zenml-migrate:")
    assert SqlStore("mysql+pymysql://root@127.0.0.1/test").mysql_lock_name == "zenml-migrate:test"
