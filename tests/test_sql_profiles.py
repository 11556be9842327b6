"""Profiles of the ZenML 0.13 SQL store (zenml.db, MySQL) and REST profiles, on the genuine fixtures."""

import base64
import hashlib
import json
import re
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, tree_digest

from migrator.legacy import read_profile_dir, read_profiles
from migrator.plan import EntityKind, MigrationOptions, Operation, plan_migration
from migrator.stores import SqlStore

TEAM_SQL = FIXTURES / "sql-store" / "profiles" / "team_sql"
SHARED_SQL = FIXTURES / "multi-profile" / "profiles" / "shared_sql"
EMPTY_SQL = FIXTURES / "multi-profile" / "profiles" / "empty_sql"
DEFAULT_STACK = {"artifact_store": "default", "metadata_store": "default", "orchestrator": "default"}

# What ZenML 0.13.2 itself reads from each genuine SQL store: SqlZenStore.stack_configurations,
# the number of rows of zenstackcomponent, SqlZenStore.flavors, and the profile's active stack.
ZENML_0132_VIEW = {
    ("sql-store", "team_sql"): {
        "stacks": {
            "default": DEFAULT_STACK,
            "sql_docker": {
                "artifact_store": "s3_store",
                "container_registry": "ecr",
                "metadata_store": "mysql_md",
                "orchestrator": "docker_orch",
                "secrets_manager": "aws_sm",
            },
            "sql_inhouse": {"artifact_store": "default", "metadata_store": "default", "orchestrator": "inhouse"},
            "sql_kubeflow": {
                "artifact_store": "s3_store",
                "container_registry": "ecr",
                "metadata_store": "mysql_md",
                "orchestrator": "kubeflow_eks",
                "secrets_manager": "aws_sm",
            },
        },
        "components": 10,
        "flavors": [("orchestrator", "my_orchestrator", "my_pkg.flavors.MyOrchestratorFlavor")],
        "active_stack": "sql_kubeflow",
    },
    ("multi-profile", "shared_sql"): {
        "stacks": {
            "default": DEFAULT_STACK,
            "inhouse_stack": {"artifact_store": "default", "metadata_store": "default", "orchestrator": "inhouse"},
        },
        "components": 4,
        "flavors": [("orchestrator", "my_orchestrator", "my_pkg.flavors.MyOrchestratorFlavor")],
        "active_stack": "inhouse_stack",
    },
    ("multi-profile", "empty_sql"): {
        "stacks": {"default": DEFAULT_STACK},
        "components": 3,
        "flavors": [],
        "active_stack": "default",
    },
}
# The SQL profiles that contain more than the defaults, and so plan more than the defaults.
SQL_PROFILES_WITH_CONTENT = [("sql-store", "team_sql"), ("multi-profile", "shared_sql")]


@pytest.fixture(autouse=True)
def legacy_files_unchanged():
    """Reading a SQL store must leave every legacy file as it was."""
    before = tree_digest(FIXTURES)
    yield
    assert tree_digest(FIXTURES) == before


def codes(profile) -> list[str]:
    return [d.code for d in profile.diagnostics]


def sql_profile(case: str, name: str):
    return next(p for p in read_profiles(FIXTURES / case).profiles if p.name == name)


def broken_copy(tmp_path: Path, *statements: str, parameters: tuple = ()) -> Path:
    """Copy the team_sql profile dir and run SQL statements on the copy's zenml.db."""
    profile_dir = tmp_path / "team_sql"
    shutil.copytree(TEAM_SQL, profile_dir)
    (profile_dir / "zenml.db").chmod(0o644)
    connection = sqlite3.connect(profile_dir / "zenml.db")
    try:
        for statement in statements:
            connection.execute(statement, parameters if "?" in statement else ())
        connection.commit()
    finally:
        connection.close()
    return profile_dir


def component_id(name: str) -> str:
    connection = sqlite3.connect(f"file:{TEAM_SQL / 'zenml.db'}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT id FROM zenstackcomponent WHERE name = ?", (name,)).fetchone()[0]
    finally:
        connection.close()


# -- reading the genuine stores ----------------------------------------------


@pytest.mark.parametrize("case,name", sorted(ZENML_0132_VIEW))
def test_sql_profile_matches_zenml_0132(case: str, name: str) -> None:
    profile = sql_profile(case, name)
    expected = ZENML_0132_VIEW[(case, name)]
    assert profile.store_type == "sql"
    assert profile.diagnostics == []
    assert {stack.name: stack.components for stack in profile.stacks} == expected["stacks"]
    assert len(profile.components) == expected["components"]
    assert [(f.type, f.name, f.source) for f in profile.flavors] == expected["flavors"]
    assert profile.active_stack == expected["active_stack"]


def test_sql_store_counts_and_activation() -> None:
    found = read_profiles(FIXTURES / "sql-store")
    team_sql = next(p for p in found.profiles if p.name == "team_sql")
    assert (len(team_sql.stacks), len(team_sql.components), len(team_sql.flavors)) == (4, 10, 1)
    assert team_sql.is_activated
    assert team_sql.unmigrated_sections == {"users": 1, "store_associations": 2}
    assert not team_sql.holds_only_defaults
    assert sql_profile("multi-profile", "empty_sql").holds_only_defaults


def test_sql_component_like_yaml_component() -> None:
    profile = read_profile_dir(TEAM_SQL)
    kubeflow = profile.component("orchestrator", "kubeflow_eks")
    assert kubeflow is not None
    assert kubeflow.flavor == "kubeflow"
    assert "uuid" not in kubeflow.configuration
    assert "name" not in kubeflow.configuration
    assert "custom_docker_base_image_name" not in kubeflow.configuration
    assert kubeflow.configuration["kubeflow_pipelines_ui_port"] == 8080
    assert kubeflow.configuration["skip_cluster_provisioning"] is False
    assert kubeflow.legacy_id == "644fac7c-3c28-43ee-83d3-ad86983f27cb"
    assert kubeflow.location.file == f"{TEAM_SQL / 'zenml.db'} (table zenstackcomponent)"
    assert kubeflow.file == f"{TEAM_SQL / 'zenml.db'} (table zenstackcomponent, id 644fac7c3c2843ee83d3ad86983f27cb)"
    inhouse = profile.component("orchestrator", "inhouse")
    assert inhouse is not None
    assert inhouse.configuration == {"host": "scheduler.acme.internal", "labels": [], "port": 9000}
    stack = next(s for s in profile.stacks if s.name == "sql_docker")
    assert stack.location.file == f"{TEAM_SQL / 'zenml.db'} (table zenstack)"
    assert profile.flavors[0].location.file == f"{TEAM_SQL / 'zenml.db'} (table zenflavor)"


def test_sql_reader_writes_nothing(tmp_path: Path) -> None:
    profile_dir = tmp_path / "team_sql"
    shutil.copytree(TEAM_SQL, profile_dir)
    db = profile_dir / "zenml.db"
    db.chmod(0o644)
    content = hashlib.sha256(db.read_bytes()).hexdigest()
    mtime = db.stat().st_mtime_ns
    read_profile_dir(profile_dir)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == content
    assert db.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in profile_dir.iterdir()) == ["zenml.db"]


def test_read_only_file_is_read(tmp_path: Path) -> None:
    profile_dir = tmp_path / "team_sql"
    shutil.copytree(TEAM_SQL, profile_dir)
    (profile_dir / "zenml.db").chmod(0o444)
    profile_dir.chmod(0o555)
    try:
        profile = read_profile_dir(profile_dir)
    finally:
        profile_dir.chmod(0o755)
    assert profile.diagnostics == []
    assert len(profile.stacks) == 4


def test_sql_store_unsupported_is_gone() -> None:
    for case in ("sql-store", "multi-profile"):
        for profile in read_profiles(FIXTURES / case).profiles:
            assert "sql-store-unsupported" not in codes(profile)


# -- broken stores -------------------------------------------------------------


def test_undecodable_configuration(tmp_path: Path) -> None:
    profile_dir = broken_copy(tmp_path, "UPDATE zenstackcomponent SET configuration = X'00FF' WHERE name = 'ecr'")
    profile = read_profile_dir(profile_dir)
    assert codes(profile) == ["undecodable-configuration", "dangling-reference", "dangling-reference"]
    assert profile.component("container_registry", "ecr") is None
    first = profile.diagnostics[0]
    assert first.entity == "ecr"
    assert first.location.file == f"{profile_dir / 'zenml.db'} (table zenstackcomponent)"
    assert "not valid base64" in first.message
    assert {d.entity for d in profile.diagnostics[1:]} == {"sql_docker", "sql_kubeflow"}


@pytest.mark.parametrize(
    "document,code",
    [
        (b"name: ecr\nuri: [unclosed\n", "yaml-syntax"),
        (b"- a list\n", "wrong-type"),
        (b"uri: x\n", "missing-field"),
        (b"\xff\xfe", "undecodable-configuration"),
    ],
    ids=["yaml-syntax", "list", "no-uuid", "not-utf8"],
)
def test_broken_configuration_document(tmp_path: Path, document: bytes, code: str) -> None:
    profile_dir = broken_copy(
        tmp_path,
        "UPDATE zenstackcomponent SET configuration = ? WHERE name = 'ecr'",
        parameters=(base64.b64encode(document),),
    )
    profile = read_profile_dir(profile_dir)
    assert codes(profile)[0] == code
    assert profile.diagnostics[0].entity == "ecr"
    assert profile.component("container_registry", "ecr") is None


def test_unknown_component_type(tmp_path: Path) -> None:
    profile_dir = broken_copy(tmp_path, "UPDATE zenstackcomponent SET type = 'model_registry' WHERE name = 'aws_sm'")
    profile = read_profile_dir(profile_dir)
    assert codes(profile) == ["unknown-type", "dangling-reference", "dangling-reference"]
    assert "model_registry" in profile.diagnostics[0].message
    assert len(profile.components) == 9


def test_dangling_stack_reference(tmp_path: Path) -> None:
    profile_dir = broken_copy(
        tmp_path,
        f"DELETE FROM zenstackcomponent WHERE id = '{component_id('docker_orch')}'",
    )
    profile = read_profile_dir(profile_dir)
    assert codes(profile) == ["dangling-reference"]
    diagnostic = profile.diagnostics[0]
    assert diagnostic.entity == "sql_docker"
    assert component_id("docker_orch") in diagnostic.message
    assert diagnostic.location.file == f"{profile_dir / 'zenml.db'} (table zenstackdefinition)"
    plan = plan_migration(profile, MigrationOptions(), SqlStore(f"sqlite:///{tmp_path / 'target.db'}").snapshot())
    stack = next(a for a in plan.actions if a.legacy_name == "sql_docker")
    assert stack.operation is Operation.ERROR


def test_two_components_of_one_type_in_a_stack(tmp_path: Path) -> None:
    profile_dir = broken_copy(
        tmp_path,
        f"INSERT INTO zenstackdefinition VALUES ('sql_docker', '{component_id('kubeflow_eks')}')",
    )
    profile = read_profile_dir(profile_dir)
    assert codes(profile) == ["conflicting-components"]
    assert profile.diagnostics[0].entity == "sql_docker"


def test_definition_of_missing_stack(tmp_path: Path) -> None:
    profile_dir = broken_copy(tmp_path, "DELETE FROM zenstack WHERE name = 'sql_docker'")
    profile = read_profile_dir(profile_dir)
    assert codes(profile) == ["orphan-row"]
    assert [s.name for s in profile.stacks] == ["default", "sql_inhouse", "sql_kubeflow"]


def test_missing_table_names_file(tmp_path: Path) -> None:
    profile_dir = broken_copy(tmp_path, "DROP TABLE zenflavor")
    profile = read_profile_dir(profile_dir)
    assert codes(profile) == ["missing-table"]
    diagnostic = profile.diagnostics[0]
    assert str(profile_dir / "zenml.db") in diagnostic.message
    assert "zenflavor" in diagnostic.message
    assert profile.flavors == []
    assert len(profile.stacks) == 4


def test_file_that_is_not_sqlite(tmp_path: Path) -> None:
    profile_dir = tmp_path / "broken"
    profile_dir.mkdir()
    (profile_dir / "zenml.db").write_text("stacks: {}\n")
    profile = read_profile_dir(profile_dir)
    assert profile.store_type == "sql"
    assert codes(profile) == ["not-a-database"]
    assert str(profile_dir / "zenml.db") in profile.diagnostics[0].message


def test_store_url_names_sqlite_file_elsewhere(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(FIXTURES / "sql-store", config_dir)
    elsewhere = tmp_path / "data" / "team.db"
    elsewhere.parent.mkdir()
    shutil.move(config_dir / "profiles" / "team_sql" / "zenml.db", elsewhere)
    shutil.rmtree(config_dir / "profiles" / "team_sql")
    config = yaml.safe_load((config_dir / "config.yaml").read_text())
    config["profiles"]["team_sql"]["store_url"] = f"sqlite:///{elsewhere}"
    (config_dir / "config.yaml").write_text(yaml.safe_dump(config))
    profile = next(p for p in read_profiles(config_dir).profiles if p.name == "team_sql")
    assert profile.diagnostics == []
    assert len(profile.stacks) == 4
    assert profile.components[0].location.file == f"{elsewhere} (table zenstackcomponent)"


# -- migrating -----------------------------------------------------------------


def migrate(db: Path, profile, options: MigrationOptions | None = None):
    store = SqlStore(f"sqlite:///{db}")
    try:
        snapshot = store.snapshot()
        plan = plan_migration(profile, options or MigrationOptions(), snapshot)
        outcome = store.apply(plan, snapshot)
        return plan, outcome
    finally:
        store.close()


@pytest.mark.parametrize("case,name", SQL_PROFILES_WITH_CONTENT)
def test_sql_profile_migrates_and_reruns_unchanged(tmp_path: Path, case: str, name: str) -> None:
    db = tmp_path / "zenml.db"
    profile = sql_profile(case, name)
    plan, outcome = migrate(db, profile)
    assert not plan.has_errors
    assert outcome.applied
    migrated = {a.legacy_name for a in plan.actions if a.kind is EntityKind.STACK and a.legacy_name is not None}
    assert migrated == set(ZENML_0132_VIEW[(case, name)]["stacks"]) - {"default"}
    again, outcome = migrate(db, profile)
    assert {a.operation for a in again.actions} == {Operation.UNCHANGED}
    assert outcome.rows_written == 0


def test_cli_lists_and_migrates_sql_profile(run_cli, store_url) -> None:
    url, db = store_url
    listing = json.loads(run_cli("profile", "list", "--path", str(FIXTURES / "sql-store"), "--json").stdout)
    team_sql = next(p for p in listing["profiles"] if p["name"] == "team_sql")
    assert team_sql["store_type"] == "sql"
    assert team_sql["counts"] == {"stacks": 4, "stack_components": 10, "flavors": 1}
    assert team_sql["active_stack"] == "sql_kubeflow"
    result = run_cli("profile", "migrate", str(FIXTURES / "sql-store"), "--store", url, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (profile,) = report["profiles"]
    assert profile["profile"] == "team_sql"
    assert profile["status"] == "applied"
    stacks = sqlite3.connect(db).execute("SELECT name FROM stackschema ORDER BY name").fetchall()
    assert stacks == [("default",), ("sql_docker",), ("sql_inhouse",), ("sql_kubeflow",)]


# -- REST profiles -------------------------------------------------------------


def rest_only_config(tmp_path: Path) -> Path:
    config_dir = tmp_path / "rest-only"
    config_dir.mkdir()
    config = yaml.safe_load((FIXTURES / "rest-store" / "config.yaml").read_text())
    config["profiles"] = {name: entry for name, entry in config["profiles"].items() if entry["store_type"] == "rest"}
    config["activated_profile"] = next(iter(config["profiles"]))
    (config_dir / "config.yaml").write_text(yaml.safe_dump(config))
    return config_dir


def test_rest_profiles_listed_with_server(run_cli, tmp_path: Path) -> None:
    config_dir = rest_only_config(tmp_path)
    listing = json.loads(run_cli("profile", "list", "--path", str(config_dir), "--json").stdout)
    urls = {p["name"]: p["store_url"] for p in listing["profiles"]}
    assert urls == {"zenserver": "http://127.0.0.1:8080", "zenserver_admin": "http://localhost:8237"}
    text = run_cli("profile", "list", "--path", str(config_dir)).stdout
    assert "rest: http://127.0.0.1:8080" in text
    assert "ZenML 0.13 server" in text


def test_rest_only_config_is_usage_error(run_cli, tmp_path: Path, store_url) -> None:
    url, db = store_url
    result = run_cli("profile", "migrate", str(rest_only_config(tmp_path)), "--store", url)
    assert result.exit_code == 2
    assert "http://127.0.0.1:8080" in result.stderr
    assert "host of that server" in result.stderr
    assert not db.exists()


# -- MySQL ---------------------------------------------------------------------


def test_mysql_password_never_listed(run_cli, tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    config = {
        "version": "0.13.2",
        "activated_profile": "team",
        "profiles": {
            "team": {
                "name": "team",
                "store_type": "sql",
                # Nothing listens on port 9 (discard) of the loopback, so the read fails at once.
                "store_url": "mysql://zenml:hunter2-mysql@127.0.0.1:9/zenml",
                "active_stack": "default",
                "active_user": "default",
            }
        },
    }
    (config_dir / "config.yaml").write_text(yaml.safe_dump(config))
    result = run_cli("profile", "list", "--path", str(config_dir), "--json")
    assert "hunter2-mysql" not in result.output
    (profile,) = json.loads(result.stdout)["profiles"]
    assert profile["store_url"] == "mysql://zenml:***@127.0.0.1:9/zenml"
    assert [d["code"] for d in profile["diagnostics"]] == ["unreadable-store"]


@pytest.mark.parametrize(
    "url,shown",
    [
        ("mysql://zenml:hunter2@db:3306/zenml", "mysql://zenml:***@db:3306/zenml"),
        ("mysql://zenml:hunter2@db:port/zenml", "mysql://zenml:***@db:port/zenml"),
        ("mysql://zenml@db/zenml", "mysql://zenml@db/zenml"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_url_password_masked(url: str, shown: str) -> None:
    from migrator.legacy.sql_reader import mask_url_password

    assert mask_url_password(url) == shown


def test_postgres_store_url_is_reported(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    entry = {"name": "pg", "store_type": "sql", "store_url": "postgresql://zenml:pw@127.0.0.1:9/zenml", "active_stack": "default"}
    (config_dir / "config.yaml").write_text(yaml.safe_dump({"version": "0.13.2", "profiles": {"pg": entry}}))
    (profile,) = read_profiles(config_dir).profiles
    assert codes(profile) == ["unsupported-store-url"]
    assert "'postgresql' database" in profile.diagnostics[0].message
    assert "pw" not in profile.diagnostics[0].message


@pytest.fixture
def legacy_mysql_url():
    """Copy the genuine team_sql store into a new MySQL database and drop it afterwards.

    ZenML 0.13.2 creates the same tables on MySQL as on SQLite, with VARCHAR
    columns as VARCHAR(255) (its SQLModel metadata, compiled for the MySQL
    dialect), so the SQLite DDL is reused with that change.
    """
    pymysql = pytest.importorskip("pymysql")
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    except pymysql.MySQLError as error:
        pytest.skip(f"no MySQL server with a passwordless root on 127.0.0.1:3306: {error}")
    name = f"zenml_migrate_legacy_{secrets.token_hex(6)}"
    source = sqlite3.connect(f"file:{TEAM_SQL / 'zenml.db'}?mode=ro", uri=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            cursor.execute(f"USE `{name}`")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table, ddl in source.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall():
                cursor.execute(re.sub(r"VARCHAR(?!\()", "VARCHAR(255)", ddl))
                rows = source.execute(f'SELECT * FROM "{table}"').fetchall()
                if rows:
                    marks = ", ".join(["%s"] * len(rows[0]))
                    cursor.executemany(f"INSERT INTO `{table}` VALUES ({marks})", rows)
        yield f"mysql://root@127.0.0.1:3306/{name}"
    finally:
        source.close()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def mysql_config_dir(tmp_path: Path, url: str) -> Path:
    config_dir = tmp_path / "mysql-config"
    config_dir.mkdir()
    config = {
        "version": "0.13.2",
        "activated_profile": "team_mysql",
        "profiles": {
            "team_mysql": {
                "name": "team_mysql",
                "store_type": "sql",
                "store_url": url,
                "active_stack": "sql_kubeflow",
                "active_user": "default",
            }
        },
    }
    (config_dir / "config.yaml").write_text(yaml.safe_dump(config))
    return config_dir


def comparable(profile) -> dict:
    return {
        "components": [(c.type, c.name, c.flavor, c.configuration, c.legacy_id) for c in profile.components],
        "stacks": [(s.name, s.components) for s in profile.stacks],
        "flavors": [(f.type, f.name, f.source, f.integration) for f in profile.flavors],
        "unmigrated_sections": profile.unmigrated_sections,
    }


@pytest.mark.mysql
def test_mysql_store_reads_like_sqlite(legacy_mysql_url: str, tmp_path: Path) -> None:
    config_dir = mysql_config_dir(tmp_path, legacy_mysql_url)
    (profile,) = read_profiles(config_dir).profiles
    assert profile.store_type == "sql"
    assert profile.diagnostics == []
    assert comparable(profile) == comparable(read_profile_dir(TEAM_SQL))
    assert profile.components[0].location.file == f"{legacy_mysql_url} (table zenstackcomponent)"


@pytest.mark.mysql
def test_mysql_store_migrates(legacy_mysql_url: str, tmp_path: Path, run_cli, store_url) -> None:
    url, db = store_url
    result = run_cli("profile", "migrate", str(mysql_config_dir(tmp_path, legacy_mysql_url)), "--store", url, "--json")
    assert result.exit_code == 0, result.output
    (profile,) = json.loads(result.stdout)["profiles"]
    assert profile["status"] == "applied"
    assert profile["summary"]["create"] == 15


# -- the real ZenML 0.20.5 reads what was migrated ------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("case,name", SQL_PROFILES_WITH_CONTENT)
def test_zenml_reads_migrated_sql_profile(oracle_python_path, tmp_path: Path, case: str, name: str) -> None:
    from oracle.harness import read_store

    db = tmp_path / "zenml.db"
    plan, outcome = migrate(db, sql_profile(case, name))
    assert outcome.applied
    stored = read_store(f"sqlite:///{db}", stable=True)

    components = {(c["type"], c["name"]): c for c in stored["components"]}
    stacks = {s["name"]: s for s in stored["stacks"]}
    flavors = {(f["type"], f["name"]): f for f in stored["flavors"]}
    for action in plan.actions:
        if action.operation is not Operation.CREATE:
            continue
        if action.kind is EntityKind.STACK_COMPONENT:
            component = components[(action.component_type, action.name)]
            assert component["flavor"] == action.flavor
            assert component["configuration"] == action.configuration
        elif action.kind is EntityKind.STACK:
            assert stacks[action.name]["components"] == action.component_names
        elif action.kind is EntityKind.FLAVOR:
            assert flavors[(action.component_type, action.name)]["source"] == action.source
    assert set(stacks) == set(ZENML_0132_VIEW[(case, name)]["stacks"])
