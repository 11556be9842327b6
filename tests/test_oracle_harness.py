"""Tests of the harness that runs the real ZenML 0.20.5 (tests/oracle/harness.py).

They build the oracle environment on first use (33 to 45 s) through the
oracle_python_path fixture of conftest.py, which skips them with the reason
when the environment cannot be built.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import sqlite3
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from oracle.harness import (
    default_store_path,
    oracle_python,
    read_store,
    read_store_over_rest,
    real_migrate,
    run_zenml,
    sqlite_url,
    start_server,
    write_global_config,
)

pytestmark = pytest.mark.oracle

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "real-0.13.2"
MANY_STACKS_PROFILE = FIXTURES / "many-stacks" / "profiles" / "default"
MULTI_PROFILE_PROD = FIXTURES / "multi-profile" / "profiles" / "prod"

# The local MariaDB service of the development and CI machines.
MYSQL_ADMIN = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}

# The real 0.20.5 migrate rejects this orchestrator (its legacy config has the
# field docker_parent_image, which the 0.20 config class forbids). With
# --ignore-errors it skips the component and every stack that uses it.
REJECTED_ORCHESTRATOR = "shared_docker"


@pytest.fixture(scope="module")
def many_stacks_migration(oracle_python_path, tmp_path_factory):
    config_dir = tmp_path_factory.mktemp("many-stacks") / "config"
    config_dir, process = real_migrate(MANY_STACKS_PROFILE, "--ignore-errors", config_dir=config_dir)
    return config_dir, process


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def legacy_stacks(profile_dir: Path) -> dict[str, dict[str, str]]:
    document = yaml.safe_load((profile_dir / "stacks.yaml").read_text(encoding="utf-8"))
    return document["stacks"]


def test_oracle_python_is_zenml_0_20_5(oracle_python_path, tmp_path):
    assert oracle_python_path == oracle_python()

    process = run_zenml(tmp_path / "config", "version")

    assert process.returncode == 0, process.stderr
    assert "0.20.5" in process.stdout


def test_real_migrate_many_stacks_exit_code(many_stacks_migration):
    config_dir, process = many_stacks_migration

    assert process.returncode == 0, process.stdout + process.stderr
    assert default_store_path(config_dir).is_file()
    assert f"Failed to migrate orchestrator '{REJECTED_ORCHESTRATOR}'" in process.stdout + process.stderr


def test_real_migrate_many_stacks_stack_names(many_stacks_migration):
    config_dir, _ = many_stacks_migration
    legacy = legacy_stacks(MANY_STACKS_PROFILE)
    expected_names = {
        name
        for name, components in legacy.items()
        if name != "default" and components.get("orchestrator") != REJECTED_ORCHESTRATOR
    }
    expected_names.add("default")

    document = read_store(sqlite_url(default_store_path(config_dir)))
    stack_names = {stack["name"] for stack in document["stacks"]}

    assert len(expected_names) == 41
    assert stack_names == expected_names


def test_real_migrate_many_stacks_stack_components(many_stacks_migration):
    config_dir, _ = many_stacks_migration
    legacy = legacy_stacks(MANY_STACKS_PROFILE)

    document = read_store(sqlite_url(default_store_path(config_dir)))
    stacks = {stack["name"]: stack for stack in document["stacks"]}

    for name, stack in stacks.items():
        if name == "default":
            continue
        # 0.20 has no metadata stores, so the migrate drops them from every stack.
        expected = {
            component_type: component_name
            for component_type, component_name in legacy[name].items()
            if component_type != "metadata_store"
        }
        assert stack["components"] == expected, name
        assert stack["project"] == "default", name
        assert stack["user"] == "default", name
        assert stack["is_shared"] is False, name


def test_read_store_stable_output_has_no_ids(many_stacks_migration):
    config_dir, _ = many_stacks_migration

    document = read_store(sqlite_url(default_store_path(config_dir)), stable=True)

    assert document["zenml_version"] == "0.20.5"
    assert document["store"] == {"type": "sql"}
    for section in ("projects", "users", "flavors", "components", "stacks"):
        for record in document[section]:
            assert "id" not in record, section
            assert "created" not in record, section
    assert document["stacks"] == sorted(
        document["stacks"], key=lambda stack: (stack["project"], stack["name"], stack["user"])
    )


def test_read_store_full_output_has_ids(many_stacks_migration):
    config_dir, _ = many_stacks_migration

    document = read_store(sqlite_url(default_store_path(config_dir)), stable=False)

    assert document["store"]["type"] == "sql"
    assert document["store"]["database_type"] == "sqlite"
    assert all("id" in stack for stack in document["stacks"])
    assert all("created" in component for component in document["components"])


def copy_without_ml_metadata(source: Path, target: Path) -> None:
    """Copy a ZenML 0.20 SQLite store without its ML-Metadata tables, as zenml-migrate writes it."""
    with closing(sqlite3.connect(source)) as source_db, closing(sqlite3.connect(target)) as target_db:
        source_db.backup(target_db)
        tables = [
            row[0]
            for row in target_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].endswith("schema") and not row[0].startswith("sqlite_")
        ]
        for table in tables:
            target_db.execute(f'DROP TABLE "{table}"')
        target_db.commit()
        target_db.execute("VACUUM")


def test_read_store_leaves_original_unchanged(many_stacks_migration, tmp_path):
    config_dir, _ = many_stacks_migration
    original = tmp_path / "original" / "zenml.db"
    original.parent.mkdir()
    copy_without_ml_metadata(default_store_path(config_dir), original)
    hash_before = sha256_of(original)
    files_before = sorted(os.listdir(original.parent))
    mtime_before = original.stat().st_mtime_ns

    document = read_store(sqlite_url(original))

    assert len(document["stacks"]) == 41
    assert sha256_of(original) == hash_before
    assert sorted(os.listdir(original.parent)) == files_before
    assert original.stat().st_mtime_ns == mtime_before


def test_zenml_changes_store_it_opens(many_stacks_migration, tmp_path):
    # The reason read_store() works on a copy: ZenML 0.20.5 adds its
    # ML-Metadata tables to a SQLite store that it opens directly.
    config_dir, _ = many_stacks_migration
    store = tmp_path / "opened" / "zenml.db"
    store.parent.mkdir()
    copy_without_ml_metadata(default_store_path(config_dir), store)
    hash_before = sha256_of(store)
    client_dir = tmp_path / "client"
    write_global_config(client_dir, {"type": "sql", "url": sqlite_url(store)})

    process = run_zenml(client_dir, "stack", "list")

    assert process.returncode == 0, process.stdout + process.stderr
    assert sha256_of(store) != hash_before


def test_read_store_copy_gets_default_entities(oracle_python_path, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()

    document = read_store(sqlite_url(empty))

    assert [project["name"] for project in document["projects"]] == ["default"]
    assert [user["name"] for user in document["users"]] == ["default"]
    assert [stack["name"] for stack in document["stacks"]] == ["default"]
    assert empty.stat().st_size == 0


def test_read_store_skip_default_registrations(oracle_python_path, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()

    document = read_store(sqlite_url(empty), skip_default_registrations=True)

    assert document["projects"] == []
    assert document["users"] == []
    assert document["stacks"] == []


def test_read_store_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_store(sqlite_url(tmp_path / "missing.db"))


def test_read_store_rejects_unknown_scheme():
    with pytest.raises(ValueError):
        read_store("postgresql://user:password@127.0.0.1/db")


def test_server_serves_default_stack_over_rest(oracle_python_path, tmp_path):
    with start_server(tmp_path / "server-config") as server:
        with urllib.request.urlopen(f"{server.url}/health", timeout=10) as response:
            health = response.read().decode()
        document = read_store_over_rest(server)
        process = server.process
        port = server.port

    assert health == '"OK"'
    assert server.username == "default"
    assert server.password == ""
    assert document["store"] == {"type": "rest"}
    assert [stack["name"] for stack in document["stacks"]] == ["default"]
    assert document["stacks"][0]["components"] == {"artifact_store": "default", "orchestrator": "default"}
    assert process.poll() is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_server_store_matches_sqlite_read(oracle_python_path, tmp_path):
    config_dir = tmp_path / "server-config"
    with start_server(config_dir) as server:
        over_rest = read_store_over_rest(server)

    from_file = read_store(sqlite_url(default_store_path(config_dir)))

    over_rest.pop("store")
    from_file.pop("store")
    assert over_rest == from_file


@pytest.fixture
def mysql_store_url():
    """Create a MySQL database and a user with a password for it, and drop both afterwards.

    ZenML 0.20.5 rejects a MySQL URL without a password, so the test cannot
    use the passwordless root account of the local server directly.
    """
    pymysql = pytest.importorskip("pymysql")
    try:
        admin = pymysql.connect(**MYSQL_ADMIN, autocommit=True)
    except pymysql.MySQLError as error:
        pytest.skip(f"no MySQL server with a passwordless root on 127.0.0.1:3306: {error}")

    name = f"zenml_oracle_{secrets.token_hex(4)}"
    password = secrets.token_hex(12)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
        cursor.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'")
        cursor.execute(f"GRANT ALL ON `{name}`.* TO '{name}'@'%'")
    try:
        yield f"mysql://{name}:{password}@127.0.0.1:3306/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"DROP USER IF EXISTS '{name}'@'%'")
        admin.close()


@pytest.mark.mysql
def test_read_store_mysql(oracle_python_path, mysql_store_url, tmp_path):
    config_dir = tmp_path / "config"
    write_global_config(config_dir, {"type": "sql", "url": mysql_store_url})
    process = run_zenml(config_dir, "profile", "migrate", str(MULTI_PROFILE_PROD))
    assert process.returncode == 0, process.stdout + process.stderr

    document = read_store(mysql_store_url)

    assert document["store"] == {"type": "sql"}
    assert [project["name"] for project in document["projects"]] == ["default"]
    assert [stack["name"] for stack in document["stacks"]] == ["default", "gke_stack"]
    gke_stack = document["stacks"][1]
    assert gke_stack["components"] == {
        "artifact_store": "gcs",
        "container_registry": "gcr",
        "orchestrator": "kubeflow_gke",
    }
