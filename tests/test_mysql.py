"""The SQL store writer on a real MySQL or MariaDB server: schema, rows, idempotence, atomicity, locks and errors.

Every test gets its own database (the `mysql_database` fixture) on
127.0.0.1:3306 and connects as root without a password. Without a server
there the tests skip, except where ZENML_MIGRATE_REQUIRE_MYSQL=1 (CI), where
they fail.
"""

import base64
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql
import pytest
from conftest import EXPECTED_ERRORS, FIXTURES, LOCAL_PROFILES, MYSQL_DATABASE_OPTIONS, MYSQL_HOST, MYSQL_PORT, MysqlDatabase

from migrator.errors import ApplyError, StoreSchemaError, StoreUnavailable
from migrator.legacy import read_profile_dir, read_profiles
from migrator.plan import EntityKind, MigrationOptions, Operation, plan_migration
from migrator.stores import SqlStore
from migrator.stores import sql as sql_module
from migrator.stores.target import normalize_store_url

ROOT = Path(__file__).resolve().parents[1]
RECORDED_SCHEMA = ROOT / "schema" / "mysql" / "zenml-0.20.5.sql"
ALEMBIC = [sys.executable, "-m", "alembic", "-c", str(ROOT / "schema" / "alembic.ini")]
PRODUCTION = FIXTURES / "multi-stack" / "profiles" / "production"


def _server_problem() -> str | None:
    try:
        pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", connect_timeout=5).close()
    except pymysql.MySQLError as error:
        return f"no MySQL server accepts root without a password at {MYSQL_HOST}:{MYSQL_PORT}: {error}"
    return None


_PROBLEM = _server_problem()
if _PROBLEM is not None:
    if os.environ.get("ZENML_MIGRATE_REQUIRE_MYSQL") == "1":
        pytest.fail(f"{_PROBLEM} (ZENML_MIGRATE_REQUIRE_MYSQL=1 requires the server)", pytrace=False)
    pytest.skip(_PROBLEM, allow_module_level=True)

pytestmark = pytest.mark.mysql


# -- helpers -----------------------------------------------------------------


@contextmanager
def admin(database: str | None = None) -> Iterator[pymysql.cursors.Cursor]:
    """Yield a cursor of a root connection in autocommit mode."""
    connection = pymysql.connect(
        host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", database=database, autocommit=True, charset="utf8mb4"
    )
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def dump_database(database: str) -> dict[str, list[tuple]]:
    """Return every row of every table of a database, sorted, for before/after comparisons."""
    with admin(database) as cursor:
        cursor.execute("SHOW TABLES")
        names = sorted(row[0] for row in cursor.fetchall())
        dump = {}
        for name in names:
            cursor.execute(f"SELECT * FROM `{name}`")
            dump[name] = sorted(cursor.fetchall(), key=repr)
        return dump


def create_statements(database: str) -> dict[str, str]:
    """Return SHOW CREATE TABLE of every ZenML `*schema` table of a database, by table name."""
    with admin(database) as cursor:
        cursor.execute("SHOW TABLES LIKE '%%schema'")
        statements = {}
        for (name,) in cursor.fetchall():
            cursor.execute(f"SHOW CREATE TABLE `{name}`")
            statements[name] = cursor.fetchone()[1]
        return statements


def recorded_statements() -> dict[str, str]:
    """Return the statements of schema/mysql/zenml-0.20.5.sql by table name."""
    lines = [line for line in RECORDED_SCHEMA.read_text().splitlines() if not line.startswith("--")]
    statements = [part.strip() for part in "\n".join(lines).split(";\n") if part.strip()]
    return {re.match(r"CREATE TABLE `(\w+)`", s).group(1): s.rstrip(";") for s in statements}


def migrate(url: str, profile_dir: Path, options: MigrationOptions | None = None):
    store = SqlStore(normalize_store_url(url))
    try:
        snapshot = store.snapshot()
        plan = plan_migration(read_profile_dir(profile_dir), options or MigrationOptions(), snapshot)
        outcome = store.apply(plan, snapshot)
        return plan, outcome
    finally:
        store.close()


def closed_port() -> int:
    """Return a port of 127.0.0.1 on which nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def password_user(database: str) -> Iterator[tuple[str, str]]:
    """Create a user with a random password and every privilege on `database`; drop it afterwards."""
    user = f"zm_{secrets.token_hex(5)}"
    password = f"pw-{secrets.token_urlsafe(12)}"
    hosts = ("127.0.0.1", "localhost")  # the server identifies a client of 127.0.0.1 by either name
    with admin() as cursor:
        for host in hosts:
            cursor.execute(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY %s", (password,))
            cursor.execute(f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{user}'@'{host}'")
    try:
        yield user, password
    finally:
        with admin() as cursor:
            for host in hosts:
                cursor.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


def renamed_copy(legacy_copy, old: str, new: str, path: str | None = None) -> Path:
    """Copy the production profile of multi-stack with artifact store `old` renamed to `new`, and optionally a new path."""
    root = legacy_copy("multi-stack") / "profiles" / "production"
    stacks = root / "stacks.yaml"
    stacks.write_text(re.sub(rf"\b{old}\b", new, stacks.read_text()))
    component = root / "artifact_stores" / f"{old}.yaml"
    text = component.read_text().replace(f"name: {old}", f"name: {new}")
    if path is not None:
        text = re.sub(r"^path: .*$", f"path: {path}", text, flags=re.MULTILINE)
    (root / "artifact_stores" / f"{new}.yaml").write_text(text)
    component.unlink()
    return root


# -- migrating the genuine fixtures ------------------------------------------------


@pytest.mark.parametrize(
    "case,profile", [(case, name) for case, names in sorted(LOCAL_PROFILES.items()) for name in names]
)
def test_every_fixture_profile_migrates_and_reruns_unchanged(mysql_database: MysqlDatabase, case: str, profile: str) -> None:
    found = read_profiles(FIXTURES / case)
    profile_dir = Path(next(p.path for p in found.profiles if p.name == profile))
    expected_errors = EXPECTED_ERRORS.get((case, profile), set())
    options = MigrationOptions(ignore_errors=bool(expected_errors))

    plan, outcome = migrate(mysql_database.url, profile_dir, options)
    assert {a.legacy_name for a in plan.actions if a.operation is Operation.ERROR} == expected_errors
    assert outcome.applied
    assert outcome.rows_written > 0
    before = dump_database(mysql_database.name)

    again, outcome = migrate(mysql_database.url, profile_dir, options)
    expected = {"unchanged", "error"} if expected_errors else {"unchanged"}
    assert {a.operation.value for a in again.actions} == expected
    assert outcome.rows_written == 0
    assert dump_database(mysql_database.name) == before


def test_rows_equal_the_sqlite_rows(mysql_database: MysqlDatabase, tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    migrate(f"sqlite:///{db}", PRODUCTION)
    migrate(mysql_database.url, PRODUCTION)
    query = (
        "SELECT c.type, c.name, c.flavor, c.configuration, c.is_shared, p.name, u.name FROM stackcomponentschema c "
        "JOIN projectschema p ON c.project_id = p.id JOIN userschema u ON c.user_id = u.id"
    )
    links = (
        "SELECT s.name, c.type, c.name FROM stackcompositionschema l "
        "JOIN stackschema s ON l.stack_id = s.id JOIN stackcomponentschema c ON l.component_id = c.id"
    )
    users = "SELECT name, full_name, email, active, activation_token, email_opted_in FROM userschema"
    sqlite = sqlite3.connect(db)
    with admin(mysql_database.name) as cursor:
        for statement in (query, links, users, "SELECT name, description FROM projectschema"):
            cursor.execute(statement)
            ours = sorted(tuple(bytes(v) if isinstance(v, (bytes, memoryview)) else v for v in row) for row in cursor.fetchall())
            reference = sorted(tuple(bytes(v) if isinstance(v, (bytes, memoryview)) else v for v in row) for row in sqlite.execute(statement))
            assert ours == reference, statement

        cursor.execute("SELECT id, password, created FROM userschema")
        user_id, password, created = cursor.fetchone()
    assert re.fullmatch(r"[0-9a-f]{32}", user_id)
    assert password.startswith("$2b$12$")
    assert created.microsecond == 0  # DATETIME without fractional seconds, as ZenML 0.20.5 creates it


def test_snapshot_folds_names(mysql_database: MysqlDatabase) -> None:
    store = SqlStore(normalize_store_url(mysql_database.url))
    try:
        assert store.snapshot().names_case_insensitive
    finally:
        store.close()


# -- schema ------------------------------------------------------------------


def test_schema_matches_zenml_0205(mysql_database: MysqlDatabase) -> None:
    assert f"Database options: {MYSQL_DATABASE_OPTIONS}." in RECORDED_SCHEMA.read_text()
    migrate(mysql_database.url, PRODUCTION)
    recorded = recorded_statements()
    assert len(recorded) == 17
    assert create_statements(mysql_database.name) == recorded


def test_alembic_creates_zenml_0205_tables(mysql_database: MysqlDatabase) -> None:
    url = f"url={mysql_database.url}"
    subprocess.run([*ALEMBIC, "-x", url, "upgrade", "head"], check=True, capture_output=True)
    assert create_statements(mysql_database.name) == recorded_statements()
    subprocess.run([*ALEMBIC, "-x", url, "downgrade", "base"], check=True, capture_output=True)
    assert list(dump_database(mysql_database.name)) == ["alembic_version"]


def test_alembic_offline_renders_mysql_sql() -> None:
    result = subprocess.run(
        [*ALEMBIC, "-x", f"url=mysql://root@{MYSQL_HOST}:{MYSQL_PORT}/unused", "upgrade", "head", "--sql"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "CREATE TABLE stackcomponentschema" in result.stdout
    assert "name VARCHAR(255) NOT NULL" in result.stdout
    assert "configuration BLOB NOT NULL" in result.stdout
    assert "ENGINE=InnoDB" in result.stdout


def test_foreign_database_is_refused(mysql_database: MysqlDatabase) -> None:
    with admin(mysql_database.name) as cursor:
        cursor.execute("CREATE TABLE stackschema (id CHAR(32))")
    with pytest.raises(StoreSchemaError, match="missing the ZenML 0.20 tables"):
        SqlStore(normalize_store_url(mysql_database.url)).snapshot()


def test_myisam_tables_rejected(mysql_database: MysqlDatabase) -> None:
    """ZenML's tables on a server whose default engine is MyISAM cannot roll back a failed apply."""
    with admin(mysql_database.name) as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0")
        for statement in recorded_statements().values():
            cursor.execute(statement.replace("ENGINE=InnoDB", "ENGINE=MyISAM"))
    with pytest.raises(StoreSchemaError, match="uses the MyISAM engine, which has no transactions"):
        migrate(mysql_database.url, PRODUCTION)
    assert all(rows == [] for rows in dump_database(mysql_database.name).values())


# -- atomicity and concurrency -----------------------------------------------------


def test_injected_failure_leaves_rows_unchanged(mysql_database: MysqlDatabase) -> None:
    migrate(mysql_database.url, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    before = dump_database(mysql_database.name)
    for fail_after in range(0, 3):  # the plan writes components, stacks and stack links: 3 statements
        store = SqlStore(normalize_store_url(mysql_database.url))
        snapshot = store.snapshot()
        plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
        store.fail_after_statements = fail_after
        with pytest.raises(ApplyError, match="nothing was written"):
            store.apply(plan, snapshot)
        store.close()
        assert dump_database(mysql_database.name) == before


def test_injected_failure_on_new_database_leaves_no_tables(mysql_database: MysqlDatabase) -> None:
    store = SqlStore(normalize_store_url(mysql_database.url))
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    store.fail_after_statements = 2
    with pytest.raises(ApplyError, match="nothing was written"):
        store.apply(plan, snapshot)
    store.close()
    assert dump_database(mysql_database.name) == {}


def test_store_changed_after_planning(mysql_database: MysqlDatabase) -> None:
    migrate(mysql_database.url, FIXTURES / "many-stacks" / "profiles" / "default")
    store = SqlStore(normalize_store_url(mysql_database.url))
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    with admin(mysql_database.name) as cursor:  # another writer changes a stack component the plan refers to
        cursor.execute("UPDATE stackcomponentschema SET configuration = 'eyJhIjogMX0=' WHERE name = 'default' AND type = 'orchestrator'")
    before = dump_database(mysql_database.name)
    with pytest.raises(ApplyError, match="changed after the plan was made"):
        store.apply(plan, snapshot)
    store.close()
    assert dump_database(mysql_database.name) == before


def test_new_database_filled_after_planning(mysql_database: MysqlDatabase) -> None:
    store = SqlStore(normalize_store_url(mysql_database.url))
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    migrate(mysql_database.url, FIXTURES / "custom-flavor" / "profiles" / "custom")
    before = dump_database(mysql_database.name)
    with pytest.raises(ApplyError, match="changed after the plan was made"):
        store.apply(plan, snapshot)
    store.close()
    assert dump_database(mysql_database.name) == before


def test_apply_locks_compared_rows(mysql_database: MysqlDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the check and the commit, another session can neither change a row the plan depends on nor take one of its names."""
    migrate(mysql_database.url, FIXTURES / "many-stacks" / "profiles" / "default")
    blocked: list[int] = []
    original_write = sql_module._PlanWriter.write

    def write_while_another_session_tries(self, connection) -> None:
        other = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", database=mysql_database.name)
        try:
            with other.cursor() as cursor:
                cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
                for statement in (
                    "INSERT INTO stackschema (id, created, updated, name, is_shared) VALUES (REPEAT('a', 32), NOW(), NOW(), 'aws_prod', 0)",
                    "UPDATE projectschema SET description = 'changed'",
                    "UPDATE stackcomponentschema SET configuration = 'e30=' WHERE name = 'default' AND type = 'artifact_store'",
                ):
                    with pytest.raises(pymysql.err.OperationalError) as error:
                        cursor.execute(statement)
                    blocked.append(error.value.args[0])
            other.rollback()
        finally:
            other.close()
        original_write(self, connection)

    monkeypatch.setattr(sql_module._PlanWriter, "write", write_while_another_session_tries)
    plan, outcome = migrate(mysql_database.url, PRODUCTION)
    assert outcome.applied
    assert blocked == [1205, 1205, 1205]  # lock wait timeout exceeded
    with admin(mysql_database.name) as cursor:
        cursor.execute("SELECT count(*) FROM stackschema WHERE name = 'aws_prod'")
        assert cursor.fetchone() == (1,)


def test_connection_lost_mid_apply(mysql_database: MysqlDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(mysql_database.url, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    before = dump_database(mysql_database.name)
    original_insert = sql_module._PlanWriter._insert
    inserts: list[str] = []

    def insert_after_losing_the_connection(self, connection, table, rows) -> None:
        if rows:
            inserts.append(table.name)
        if len(inserts) == 2:
            connection_id = connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
            with admin() as cursor:
                cursor.execute(f"KILL CONNECTION {connection_id}")
        original_insert(self, connection, table, rows)

    monkeypatch.setattr(sql_module._PlanWriter, "_insert", insert_after_losing_the_connection)
    with pytest.raises(StoreUnavailable) as error:
        migrate(mysql_database.url, PRODUCTION)
    assert "the connection to the MySQL server was lost" in str(error.value)
    assert "nothing was written" in str(error.value)
    assert error.value.exit_code == 2
    assert dump_database(mysql_database.name) == before


def test_connection_lost_before_commit(mysql_database: MysqlDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(mysql_database.url, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    before = dump_database(mysql_database.name)
    original_write = sql_module._PlanWriter.write

    def write_then_lose_the_connection(self, connection) -> None:
        original_write(self, connection)
        connection_id = connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
        with admin() as cursor:
            cursor.execute(f"KILL CONNECTION {connection_id}")

    monkeypatch.setattr(sql_module._PlanWriter, "write", write_then_lose_the_connection)
    with pytest.raises(StoreUnavailable, match="may or may not have been committed"):
        migrate(mysql_database.url, PRODUCTION)
    assert dump_database(mysql_database.name) == before  # the server rolled the transaction back


def test_too_long_value_rejected(mysql_database: MysqlDatabase) -> None:
    """A flavor name of many non-ASCII letters makes its JSON config_schema longer than varchar(255)."""
    migrate(mysql_database.url, PRODUCTION)
    before = dump_database(mysql_database.name)
    profile = FIXTURES / "custom-flavor" / "profiles" / "custom"
    with pytest.raises(ApplyError) as error:
        migrate(mysql_database.url, profile, MigrationOptions(prefix="é" * 40))
    assert "a value is longer than its column allows" in str(error.value)
    assert "config_schema" in str(error.value)
    assert dump_database(mysql_database.name) == before


# -- names that differ only in case ------------------------------------------------


def test_case_only_rename_conflicts(mysql_database: MysqlDatabase, legacy_copy) -> None:
    migrate(mysql_database.url, PRODUCTION)
    before = dump_database(mysql_database.name)
    profile = renamed_copy(legacy_copy, "s3_artifacts", "S3_Artifacts", path="s3://another-bucket")

    plan, outcome = migrate(mysql_database.url, profile)
    (action,) = [a for a in plan.actions if a.legacy_name == "S3_Artifacts"]
    assert action.operation is Operation.ERROR
    assert "already exists" in action.reason
    assert not outcome.applied
    assert dump_database(mysql_database.name) == before

    plan, outcome = migrate(mysql_database.url, profile, MigrationOptions(overwrite=True))
    assert outcome.applied
    with admin(mysql_database.name) as cursor:
        cursor.execute("SELECT name, configuration FROM stackcomponentschema WHERE LOWER(name) = 's3_artifacts'")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert json.loads(base64.b64decode(rows[0][1]))["path"] == "s3://another-bucket"


def test_case_only_rename_same_config_conflicts(mysql_database: MysqlDatabase, legacy_copy) -> None:
    migrate(mysql_database.url, PRODUCTION)
    before = dump_database(mysql_database.name)
    profile = renamed_copy(legacy_copy, "s3_artifacts", "S3_Artifacts")
    plan, outcome = migrate(mysql_database.url, profile)
    (action,) = [a for a in plan.actions if a.legacy_name == "S3_Artifacts"]
    assert action.operation is Operation.ERROR
    assert "stored as 's3_artifacts'" in action.reason
    assert not outcome.applied
    assert dump_database(mysql_database.name) == before


# -- connection errors on the command line ---------------------------------------


def test_wrong_password(run_cli, mysql_database: MysqlDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"wrong-{secrets.token_hex(8)}"
    url = f"mysql://root:{secret}@{MYSQL_HOST}:{MYSQL_PORT}/{mysql_database.name}"
    result = run_cli("profile", "migrate", str(PRODUCTION), "--store", url)
    assert result.exit_code == 2
    assert "the server rejected user 'root' with the given password" in result.output
    assert "Traceback" not in result.output
    assert secret not in result.output

    monkeypatch.setenv("ZENML_STORE_PASSWORD", secret)
    result = run_cli("profile", "migrate", str(PRODUCTION), "--store", mysql_database.url)
    assert result.exit_code == 2
    assert "ZENML_STORE_PASSWORD" in result.output
    assert secret not in result.output
    assert dump_database(mysql_database.name) == {}


def test_unknown_database(run_cli, mysql_database: MysqlDatabase) -> None:
    url = f"mysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{mysql_database.name}_missing"
    result = run_cli("profile", "migrate", str(PRODUCTION), "--store", url)
    assert result.exit_code == 2
    assert f"database '{mysql_database.name}_missing' does not exist" in result.output
    assert "Traceback" not in result.output


def test_server_down(run_cli) -> None:
    secret = f"pw-{secrets.token_hex(8)}"
    port = closed_port()
    result = run_cli("profile", "migrate", str(PRODUCTION), "--store", f"mysql://root:{secret}@127.0.0.1:{port}/zenml")
    assert result.exit_code == 2
    assert f"no MySQL server answers at 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
    assert secret not in result.output


@pytest.mark.parametrize(
    "url,message",
    [
        ("mysql://127.0.0.1:3306/zenml", "names no user"),
        ("mysql://root@127.0.0.1:3306", "names no database"),
        ("mysql://root@127.0.0.1:3306/zenml.store", "ZenML 0.20.5 cannot open the database 'zenml.store'"),
        ("mysql://root:pw-7f3a@127.0.0.1:port/zenml", "Invalid store URL"),
    ],
)
def test_invalid_url(run_cli, url: str, message: str) -> None:
    result = run_cli("profile", "migrate", str(PRODUCTION), "--store", url)
    assert result.exit_code == 2
    assert message in result.output
    assert "pw-7f3a" not in result.output


def test_password_from_environment(run_cli, mysql_database: MysqlDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with password_user(mysql_database.name) as (user, password):
        monkeypatch.setenv("ZENML_STORE_PASSWORD", password)
        url = f"mysql://{user}@{MYSQL_HOST}:{MYSQL_PORT}/{mysql_database.name}"
        report = tmp_path / "report.json"
        result = run_cli("-v", "profile", "migrate", str(PRODUCTION), "--store", url, "--report", str(report))
        assert result.exit_code == 0, result.output
        assert f"{user}:***@" in result.output
        assert password not in result.output
        assert password not in report.read_text()
        again = run_cli("profile", "migrate", str(PRODUCTION), "--store", url, "--json")
        assert again.exit_code == 0
        assert password not in again.output
        assert json.loads(again.stdout)["profiles"][0]["summary"]["create"] == 0


def test_target_from_zenml_config(run_cli, mysql_database: MysqlDatabase, tmp_path: Path) -> None:
    """ZenML 0.20.5 saves a MySQL store with the user, password and database outside the URL."""
    with password_user(mysql_database.name) as (user, password):
        config_dir = tmp_path / "zenml-config"  # ZENML_CONFIG_PATH of run_cli
        config_dir.mkdir()
        (config_dir / "config.yaml").write_text(
            "active_project_name: default\n"
            "store:\n"
            f"  database: {mysql_database.name}\n"
            "  driver: mysql\n"
            f"  password: {password}\n"
            "  ssl_ca: null\n"
            "  ssl_verify_server_cert: false\n"
            "  type: sql\n"
            f"  url: mysql://{MYSQL_HOST}:{MYSQL_PORT}\n"
            f"  username: {user}\n"
            "version: 0.20.5\n"
        )
        result = run_cli("profile", "migrate", str(PRODUCTION))
    assert result.exit_code == 0, result.output
    assert f"{user}:***@{MYSQL_HOST}:{MYSQL_PORT}/{mysql_database.name}" in result.output
    assert password not in result.output
    with admin(mysql_database.name) as cursor:
        cursor.execute("SELECT count(*) FROM stackschema WHERE name = 'aws_prod'")
        assert cursor.fetchone() == (1,)


# -- read back with the real ZenML 0.20.5 ------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("case", sorted(LOCAL_PROFILES))
def test_zenml_reads_what_we_wrote(oracle_python_path, mysql_database: MysqlDatabase, case: str) -> None:
    from oracle.harness import read_store

    with password_user(mysql_database.name) as (user, password):
        url = f"mysql://{user}:{password}@{MYSQL_HOST}:{MYSQL_PORT}/{mysql_database.name}"
        plans = []
        for profile in read_profiles(FIXTURES / case).profiles:
            if profile.name not in LOCAL_PROFILES[case]:
                continue
            expected_errors = EXPECTED_ERRORS.get((case, profile.name), set())
            plan, outcome = migrate(url, Path(profile.path), MigrationOptions(ignore_errors=bool(expected_errors)))
            assert outcome.applied
            plans.append(plan)
        stored = read_store(url, stable=True)

    assert stored["store"]["type"] == "sql"
    components = {(c["project"], c["type"], c["name"]): c for c in stored["components"]}
    stacks = {(s["project"], s["name"]): s for s in stored["stacks"]}
    flavors = {(f["project"], f["type"], f["name"]): f for f in stored["flavors"]}
    created = 0
    for plan in plans:
        for action in plan.actions:
            if action.operation is not Operation.CREATE:
                continue
            created += 1
            if action.kind is EntityKind.STACK_COMPONENT:
                component = components[(plan.project, action.component_type, action.name)]
                assert component["flavor"] == action.flavor
                assert component["configuration"] == action.configuration
                assert component["user"] == "default"
            elif action.kind is EntityKind.STACK:
                assert stacks[(plan.project, action.name)]["components"] == action.component_names
            elif action.kind is EntityKind.FLAVOR:
                assert flavors[(plan.project, action.component_type, action.name)]["source"] == action.source
    assert created > 0
