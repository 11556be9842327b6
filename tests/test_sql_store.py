"""The SQL store writer on real SQLite files: schema, rows, idempotence and atomicity."""

import base64
import json
import re
import sqlite3
from pathlib import Path

import bcrypt
import pytest
from conftest import EXPECTED_ERRORS, FIXTURES, LOCAL_PROFILES, dump_tables

from migrator.errors import ApplyError, StoreSchemaError
from migrator.legacy import read_profile_dir, read_profiles
from migrator.plan import MigrationOptions, plan_migration
from migrator.stores import SqlStore
from migrator.stores.sql_schema import metadata

REFERENCE_SCHEMA = Path(__file__).parent / "data" / "zenml-0.20.5-sqlite-schema.sql"
PRODUCTION = FIXTURES / "multi-stack" / "profiles" / "production"


def migrate(db: Path, profile_dir: Path, options: MigrationOptions | None = None):
    store = SqlStore(f"sqlite:///{db}")
    try:
        snapshot = store.snapshot()
        plan = plan_migration(read_profile_dir(profile_dir), options or MigrationOptions(), snapshot)
        outcome = store.apply(plan, snapshot)
        return plan, outcome
    finally:
        store.close()


def zenml_tables(sql: str) -> dict[str, str]:
    statements = [s.strip() for s in sql.split(";\n") if s.strip().startswith("CREATE TABLE")]
    return {re.match(r"CREATE TABLE (\w+)", s).group(1): s.rstrip(";") for s in statements if re.match(r"CREATE TABLE \w+schema ", s)}


def test_schema_matches_zenml_0205(tmp_path: Path) -> None:
    db = tmp_path / "schema.db"
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    engine.dispose()
    ours = dict(sqlite3.connect(db).execute("SELECT name, sql FROM sqlite_master WHERE type='table'").fetchall())
    reference = zenml_tables(REFERENCE_SCHEMA.read_text())
    assert len(reference) == 17
    assert ours == reference


def test_rows_look_like_zenml_rows(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    migrate(db, PRODUCTION)
    connection = sqlite3.connect(db)
    (user,) = connection.execute("SELECT id, name, password, active, typeof(created), created FROM userschema").fetchall()
    assert re.fullmatch(r"[0-9a-f]{32}", user[0])
    assert user[2].startswith("$2b$12$")
    assert bcrypt.checkpw(b"", user[2].encode("ascii"))  # the empty password of ZenML's default user
    assert user[3] == 1
    assert user[4] == "text"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", user[5])
    configuration, kind = connection.execute(
        "SELECT configuration, typeof(configuration) FROM stackcomponentschema WHERE name = 's3_minio'"
    ).fetchone()
    assert kind == "blob"
    stored = json.loads(base64.b64decode(configuration))
    assert stored["authentication_secret"] == "minio_creds"
    assert stored["client_kwargs"] == {"endpoint_url": "http://minio.acme.internal:9000"}
    assert stored["key"] is None  # defaults are filled in, as ZenML 0.20.5 does
    defaults = connection.execute(
        "SELECT type, flavor, configuration FROM stackcomponentschema WHERE name = 'default' ORDER BY type"
    ).fetchall()
    assert defaults == [("artifact_store", "local", b"e30="), ("orchestrator", "local", b"e30=")]
    links = connection.execute(
        "SELECT count(*) FROM stackcompositionschema JOIN stackschema ON stack_id = stackschema.id WHERE stackschema.name = 'aws_prod'"
    ).fetchone()
    assert links == (7,)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "MLMDEnv" not in tables
    assert "Artifact" not in tables


@pytest.mark.parametrize(
    "case,profile", [(case, name) for case, names in sorted(LOCAL_PROFILES.items()) for name in names]
)
def test_every_fixture_profile_migrates_and_reruns_unchanged(tmp_path: Path, case: str, profile: str) -> None:
    db = tmp_path / "zenml.db"
    found = read_profiles(FIXTURES / case)
    profile_dir = Path(next(p.path for p in found.profiles if p.name == profile))
    expected_errors = EXPECTED_ERRORS.get((case, profile), set())
    options = MigrationOptions(ignore_errors=bool(expected_errors))
    plan, outcome = migrate(db, profile_dir, options)
    assert {a.legacy_name for a in plan.actions if a.operation.value == "error"} == expected_errors
    assert outcome.applied
    before = dump_tables(db)
    again, outcome = migrate(db, profile_dir, options)
    expected = {"unchanged", "error"} if expected_errors else {"unchanged"}
    assert {a.operation.value for a in again.actions} == expected
    assert outcome.rows_written == 0
    assert dump_tables(db) == before


def test_injected_failure_leaves_store_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    migrate(db, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    before = db.read_bytes()
    for fail_after in range(0, 3):  # the plan writes components, stacks and stack links: 3 statements
        store = SqlStore(f"sqlite:///{db}")
        snapshot = store.snapshot()
        plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
        store.fail_after_statements = fail_after
        with pytest.raises(ApplyError, match="nothing was written"):
            store.apply(plan, snapshot)
        store.close()
        assert db.read_bytes() == before


def test_injected_failure_on_new_file_leaves_no_tables(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    store = SqlStore(f"sqlite:///{db}")
    snapshot = store.snapshot()
    assert not db.exists()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    store.fail_after_statements = 2
    with pytest.raises(ApplyError):
        store.apply(plan, snapshot)
    store.close()
    assert dump_tables(db) == {}


def test_store_changed_after_planning(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    store = SqlStore(f"sqlite:///{db}")
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    migrate(db, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    before = dump_tables(db)
    with pytest.raises(ApplyError, match="changed after the plan was made"):
        store.apply(plan, snapshot)
    store.close()
    assert dump_tables(db) == before


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE stackschema (id TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(StoreSchemaError, match="missing the ZenML 0.20 tables"):
        SqlStore(f"sqlite:///{db}").snapshot()


def test_overwrite_updates_in_place(tmp_path: Path, legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    db = tmp_path / "zenml.db"
    migrate(db, root)
    (root / "artifact_stores" / "s3_artifacts.yaml").write_text(
        "name: s3_artifacts\npath: s3://moved\nuuid: 62bc37d0-0c5e-41f1-bc45-25763f248f59\n"
    )
    plan, outcome = migrate(db, root)
    assert not outcome.applied
    assert plan.has_errors
    plan, outcome = migrate(db, root, MigrationOptions(overwrite=True))
    assert [a.name for a in plan.actions if a.operation.value == "update"] == ["s3_artifacts"]
    connection = sqlite3.connect(db)
    rows = connection.execute("SELECT configuration FROM stackcomponentschema WHERE name = 's3_artifacts'").fetchall()
    assert [json.loads(base64.b64decode(r[0]))["path"] for r in rows] == ["s3://moved"]


EXPECTED_CONFIGS = json.loads((Path(__file__).parent / "data" / "expected-0.20.5-configs.json").read_text())["components"]


@pytest.mark.parametrize(
    "case,profile", [(case, name) for case, names in sorted(LOCAL_PROFILES.items()) for name in names]
)
def test_configuration_bytes_equal_zenml_0205(tmp_path: Path, case: str, profile: str) -> None:
    """Each stored configuration is byte for byte what ZenML 0.20.5 stores for the converted component."""
    found = read_profiles(FIXTURES / case)
    profile_dir = Path(next(p.path for p in found.profiles if p.name == profile))
    db = tmp_path / "zenml.db"
    migrate(db, profile_dir, MigrationOptions(ignore_errors=True))
    rows = {
        (row[0], row[1]): row[2]
        for row in sqlite3.connect(db).execute("SELECT type, name, configuration FROM stackcomponentschema WHERE name != 'default' OR type NOT IN ('orchestrator', 'artifact_store')")
    }
    prefix = f"{case}/profiles/{profile}/"
    expected = {
        (item["type"], item["name"]): base64.b64encode(item["converted"]["stored"].encode())
        for item in EXPECTED_CONFIGS
        if item["source"].startswith(prefix)
        and item["converted"].get("valid")
        and "skipped_by_zenml_migrate" not in item
        and item["name"] not in EXPECTED_ERRORS.get((case, profile), set())
    }
    for key, blob in expected.items():
        assert rows.get(key) == blob, key


def test_unrelated_change_after_planning_still_applies(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    migrate(db, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    store = SqlStore(f"sqlite:///{db}")
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    migrate(db, FIXTURES / "many-stacks" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    assert store.apply(plan, snapshot).applied
    store.close()


def test_clashing_name_after_planning_is_refused(tmp_path: Path, legacy_copy) -> None:
    db = tmp_path / "zenml.db"
    migrate(db, FIXTURES / "odd-names" / "profiles" / "default", MigrationOptions(ignore_errors=True))
    store = SqlStore(f"sqlite:///{db}")
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(), snapshot)
    root = legacy_copy("multi-stack") / "profiles" / "production"
    (root / "artifact_stores" / "s3_artifacts.yaml").write_text("name: s3_artifacts\npath: s3://other\nuuid: 62bc37d0-0c5e-41f1-bc45-25763f248f59\n")
    migrate(db, root, MigrationOptions(ignore_errors=True))
    before = dump_tables(db)
    with pytest.raises(ApplyError, match="changed after the plan was made"):
        store.apply(plan, snapshot)
    store.close()
    assert dump_tables(db) == before
