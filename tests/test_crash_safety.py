"""SIGKILL at every write of an apply leaves the store as before or fully migrated, one profile at a time.

Each case runs the real command line in a child process with
ZENML_MIGRATE_TEST_KILL_AT set (see migrator/stores/sql.py), which makes the
process kill itself right before its Nth write statement, right before the
first commit or right after it. The sweeps fork their children from a
server that has imported the command line (`run_cli_forked`), so a run
takes a fifth of a second instead of a second and a half.
`test_console_script_killed` runs the installed entry point the usual way. After the kill, the store must equal its
state before the run, or the state after one or more whole profiles. A run
without the hook must then finish the migration.

The kill points of the stores that already hold data are all tested. On a
new SQLite file, the apply creates the ZenML tables first, in the same
transaction; CI tests a sample of those DDL kill points and every later one.
Set ZENML_MIGRATE_FULL_KILL_SWEEP=1 to test every kill point everywhere.
"""

import os
import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURES
from fixtures_builders import (  # noqa: F401 - repository_fixtures_unchanged is autouse: fixtures/ stays unchanged
    logical_dump,
    mysql_rows,
    repository_fixtures_unchanged,
    run_cli_forked,
    run_cli_process,
    sqlite_rows,
)

from migrator.legacy import read_profiles
from migrator.stores import kill_switch as kill_switch_module
from migrator.stores import sql as sql_module

FULL_SWEEP = os.environ.get("ZENML_MIGRATE_FULL_KILL_SWEEP") == "1"
SIGKILLED = -9
WORKERS = 2


@dataclass
class KillOutcome:
    point: str
    exit_code: int
    output: str
    rows: dict[str, list[dict]]


def count_write_statements(run_cli, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run the command line in-process with a kill point it never reaches; return how many write statements it made."""
    monkeypatch.setenv(kill_switch_module.KILL_VARIABLE, "1000000")
    monkeypatch.setattr(kill_switch_module.KillSwitch, "_instance", None)
    result = run_cli(*args)
    monkeypatch.delenv(kill_switch_module.KILL_VARIABLE)
    assert result.exit_code == 0, result.output
    switch = kill_switch_module.KillSwitch._instance
    assert switch is not None
    return switch.statements


def kill_points(statements: int, sample: set[int] | None = None) -> list[str]:
    """Return the kill points of a run with `statements` writes: each statement, one past the end (no kill), and the commit.

    With `sample`, only those statement numbers are used, unless ZENML_MIGRATE_FULL_KILL_SWEEP=1.
    """
    numbers = list(range(1, statements + 2))
    if sample is not None and not FULL_SWEEP:
        numbers = [n for n in numbers if n in sample]
    return [str(n) for n in numbers] + ["commit", "after-commit"]


def ddl_statements() -> int:
    """Return how many CREATE TABLE and CREATE INDEX statements make the ZenML tables of a new store."""
    return sum(1 + len(table.indexes) for table in sql_module.tables.metadata.sorted_tables)


def run_kill_points(
    points: list[str],
    args_for: Callable[[str], list[str]],
    rows_for: Callable[[str], dict[str, list[dict]]],
    environment: dict[str, str],
    output_dir: Path,
) -> list[KillOutcome]:
    def run(point: str) -> KillOutcome:
        environment_of_point = {**environment, kill_switch_module.KILL_VARIABLE: point}
        result = run_cli_forked(*args_for(point), env=environment_of_point, output=output_dir / f"output-{point}.txt")
        return KillOutcome(point, result.exit_code, result.output, rows_for(point))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(run, points))


def assert_whole_states(outcomes: list[KillOutcome], before: dict[str, list[dict]], allowed: list[dict[str, object]]) -> None:
    """Each store must equal `before` row for row, or one of the `allowed` logical states."""
    for outcome in outcomes:
        assert outcome.exit_code in (SIGKILLED, 0), f"kill point {outcome.point}: {outcome.output}"
        assert "Traceback" not in outcome.output, f"kill point {outcome.point}: {outcome.output}"
        if outcome.rows == before:
            continue
        assert logical_dump(outcome.rows) in allowed, f"kill point {outcome.point} left a partial migration"


# -- SQLite --------------------------------------------------------------------------


def test_sqlite_existing_store_every_kill_point(run_cli, legacy_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An --overwrite run that creates and updates: every kill point, then a finishing run."""
    setup = legacy_copy("multi-stack") / "profiles" / "production"
    stacks = (setup / "stacks.yaml").read_text()
    (setup / "stacks.yaml").write_text(stacks.replace("    mlflow_deployer: mlflow\n", "").split("  mlflow_serving:\n")[0] + "store_associations: []\n")
    for name, old, new in (("alerters/slack_alerts.yaml", "C01ABCDEF", "C02OLD"), ("experiment_trackers/wandb_tracker.yaml", "churn", "churn_old")):
        (setup / name).write_text((setup / name).read_text().replace(old, new))
    seed = tmp_path / "seed.db"
    assert run_cli("profile", "migrate", str(setup), "--store", f"sqlite:///{seed}").exit_code == 0
    before = sqlite_rows(seed)

    source = str(FIXTURES / "multi-stack" / "profiles" / "production")
    reference = tmp_path / "reference.db"
    shutil.copyfile(seed, reference)
    statements = count_write_statements(run_cli, monkeypatch, "profile", "migrate", source, "--overwrite", "--store", f"sqlite:///{reference}")
    after = logical_dump(sqlite_rows(reference))
    assert statements >= 5  # insert components, two updates, insert stacks, insert stack links

    def store(point: str) -> Path:
        db = tmp_path / f"kill-{point}.db"
        if not db.exists():
            shutil.copyfile(seed, db)
        return db

    points = kill_points(statements)
    for point in points:
        store(point)
    environment = {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}
    outcomes = run_kill_points(
        points,
        lambda point: ["profile", "migrate", source, "--overwrite", "--store", f"sqlite:///{store(point)}"],
        lambda point: sqlite_rows(store(point)),
        environment,
        tmp_path,
    )
    assert_whole_states(outcomes, before, [after])
    killed = {o.point for o in outcomes if o.exit_code == SIGKILLED}
    assert killed == set(points) - {str(statements + 1)}
    assert [o.rows == before for o in outcomes if o.point in ("1", "commit")] == [True, True]
    assert logical_dump(next(o.rows for o in outcomes if o.point == "after-commit")) == after

    for outcome in outcomes:  # the next run, without a kill, finishes the migration and does not wait for a lock
        finish = run_cli("profile", "migrate", source, "--overwrite", "--no-wait", "--store", f"sqlite:///{store(outcome.point)}")
        assert finish.exit_code == 0, f"after kill point {outcome.point}: {finish.output}"
        assert logical_dump(sqlite_rows(store(outcome.point))) == after


def test_sqlite_new_file_kill_points(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first apply into a new file creates the tables in its transaction: a kill leaves no table."""
    source = str(FIXTURES / "multi-stack")
    reference = tmp_path / "reference.db"
    statements = count_write_statements(run_cli, monkeypatch, "profile", "migrate", source, "--store", f"sqlite:///{reference}")
    after = logical_dump(sqlite_rows(reference))
    ddl = ddl_statements()
    assert statements > ddl

    def store(point: str) -> Path:
        return tmp_path / f"kill-{point}.db"

    # The first DDL statement, the last, the insert of the project, of the user (after its bcrypt hash) and the last insert.
    points = kill_points(statements, sample={1, ddl, ddl + 1, ddl + 2, statements, statements + 1})
    environment = {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}
    outcomes = run_kill_points(
        points,
        lambda point: ["profile", "migrate", source, "--store", f"sqlite:///{store(point)}"],
        lambda point: sqlite_rows(store(point)),
        environment,
        tmp_path,
    )
    # A killed first apply leaves an empty database file: no table, no row.
    assert_whole_states(outcomes, {}, [after])
    assert {o.point for o in outcomes if o.rows == {}} == {p for p in points if p not in ("after-commit", str(statements + 1))}

    finish = run_cli("profile", "migrate", source, "--no-wait", "--store", f"sqlite:///{store('commit')}")
    assert finish.exit_code == 0, finish.output
    assert logical_dump(sqlite_rows(store("commit"))) == after


def test_sqlite_all_profiles_whole_profiles_only(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --all each profile is its own transaction: a kill keeps the profiles committed before it, whole."""
    config_dir = FIXTURES / "multi-profile"
    references: list[dict] = [{}]
    reference = tmp_path / "reference.db"
    for profile in read_profiles(config_dir).profiles:  # in the order --all applies them
        if profile.store_type != "rest":
            assert run_cli("profile", "migrate", profile.path, "--store", f"sqlite:///{reference}").exit_code == 0
            state = logical_dump(sqlite_rows(reference))
            if state != references[-1]:
                references.append(state)
    assert len(references) >= 3  # prod and shared_sql each add stacks
    all_args = ["profile", "migrate", str(config_dir), "--all"]
    statements = count_write_statements(run_cli, monkeypatch, *all_args, "--store", f"sqlite:///{tmp_path / 'counted.db'}")
    assert logical_dump(sqlite_rows(tmp_path / "counted.db")) == references[-1]
    ddl = ddl_statements()

    def store(point: str) -> Path:
        return tmp_path / f"kill-{point}.db"

    outcomes = run_kill_points(
        kill_points(statements, sample={1, ddl + 1, ddl + (statements - ddl) // 2, ddl + (statements - ddl) * 3 // 4, statements, statements + 1}),
        lambda point: [*all_args, "--store", f"sqlite:///{store(point)}"],
        lambda point: sqlite_rows(store(point)),
        {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")},
        tmp_path,
    )
    assert_whole_states(outcomes, {}, references[1:])
    states = {references.index(logical_dump(o.rows)) if o.rows else 0 for o in outcomes}
    assert {0, len(references) - 1} < states  # killed before any commit, between two, and not at all


def test_console_script_killed(run_cli, tmp_path: Path) -> None:
    """The installed entry point, started the usual way, is killed before its commit and leaves no table."""
    db = tmp_path / "zenml.db"
    source = str(FIXTURES / "custom-flavor")
    environment = {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")}
    killed = run_cli_process("profile", "migrate", source, "--store", f"sqlite:///{db}", env={**environment, kill_switch_module.KILL_VARIABLE: "commit"})
    assert killed.exit_code == SIGKILLED
    assert sqlite_rows(db) == {}
    finished = run_cli("profile", "migrate", source, "--no-wait", "--store", f"sqlite:///{db}")
    assert finished.exit_code == 0, finished.output
    assert "inhouse_stack" in {row["name"] for row in sqlite_rows(db)["stackschema"]}


# -- MySQL ---------------------------------------------------------------------------


@pytest.fixture
def mysql_databases(monkeypatch: pytest.MonkeyPatch):
    """Create empty databases with random names on the test server on request; drop them after the test."""
    from fixtures_builders import require_mysql

    import pymysql

    require_mysql()
    monkeypatch.delenv("ZENML_STORE_PASSWORD", raising=False)
    created: list[str] = []
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)

    def create() -> str:
        name = f"zenml_migrate_kill_{secrets.token_hex(5)}"
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        created.append(name)
        return name

    try:
        yield create
    finally:
        with admin.cursor() as cursor:
            for name in created:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def mysql_url(database: str) -> str:
    return f"mysql://root@127.0.0.1:3306/{database}"


@pytest.mark.mysql
def test_mysql_existing_store_every_kill_point(run_cli, mysql_databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kill point of an apply into a database that contains a migrated profile, each followed by a finishing run."""
    seed_profile = str(FIXTURES / "many-stacks" / "profiles" / "default")
    source = str(FIXTURES / "multi-stack" / "profiles" / "production")
    reference = mysql_databases()
    assert run_cli("profile", "migrate", seed_profile, "--store", mysql_url(reference)).exit_code == 0
    statements = count_write_statements(run_cli, monkeypatch, "profile", "migrate", source, "--store", mysql_url(reference))
    after = logical_dump(mysql_rows(reference))

    # A kill that leaves the database as before lets the next kill point reuse it, so the points run one after the other.
    database, before = None, None
    outcomes = []
    for point in kill_points(statements):
        if database is None:
            database = mysql_databases()
            assert run_cli("profile", "migrate", seed_profile, "--store", mysql_url(database)).exit_code == 0
            before = mysql_rows(database)
        environment = {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config"), kill_switch_module.KILL_VARIABLE: point}
        result = run_cli_forked("profile", "migrate", source, "--store", mysql_url(database), env=environment, output=tmp_path / f"output-{point}.txt")
        outcome = KillOutcome(point, result.exit_code, result.output, mysql_rows(database))
        assert_whole_states([outcome], before, [after])
        outcomes.append(outcome)
        if outcome.rows != before:
            finish = run_cli("profile", "migrate", source, "--store", mysql_url(database))
            assert finish.exit_code == 0, f"after kill point {point}: {finish.output}"
            assert logical_dump(mysql_rows(database)) == after
            database = None
    assert [o.point for o in outcomes if o.exit_code == SIGKILLED] == [o.point for o in outcomes if o.point != str(statements + 1)]
    assert [o.point for o in outcomes if logical_dump(o.rows) == after] == [str(statements + 1), "after-commit"]


@pytest.mark.mysql
def test_mysql_new_database_kill_in_commit(run_cli, mysql_databases, tmp_path: Path) -> None:
    """Killed around the commit of the first apply into a new database, whose tables exist by then."""
    source = str(FIXTURES / "multi-stack" / "profiles" / "production")
    databases = {point: mysql_databases() for point in ("commit", "after-commit")}
    outcomes = run_kill_points(
        list(databases),
        lambda point: ["profile", "migrate", source, "--store", mysql_url(databases[point])],
        lambda point: mysql_rows(databases[point]),
        {"ZENML_CONFIG_PATH": str(tmp_path / "zenml-config")},
        tmp_path,
    )
    killed_before_commit = outcomes[0].rows
    assert killed_before_commit and all(rows == [] for rows in killed_before_commit.values())
    for database in databases.values():
        assert run_cli("profile", "migrate", source, "--store", mysql_url(database)).exit_code == 0
    assert logical_dump(mysql_rows(databases["commit"])) == logical_dump(mysql_rows(databases["after-commit"]))


@pytest.mark.mysql
def test_mysql_new_database_kill_during_table_creation(run_cli, mysql_databases, tmp_path: Path) -> None:
    source = str(FIXTURES / "multi-stack" / "profiles" / "production")
    database = mysql_databases()
    killed = run_cli_process(
        "profile", "migrate", source, "--store", mysql_url(database), env={kill_switch_module.KILL_VARIABLE: "3", "ZENML_CONFIG_PATH": str(tmp_path)}
    )
    assert killed.exit_code == SIGKILLED
    assert all(rows == [] for rows in mysql_rows(database).values())
    finish = run_cli("profile", "migrate", source, "--store", mysql_url(database))
    assert finish.exit_code == 0, finish.output
