"""Activating migrated stacks: `profile migrate --activate` and `repo migrate`, and the config file writer."""

import json
import re
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIXTURES, tree_digest

from migrator.activate import (
    ActivationError,
    StackChoice,
    find_stack,
    migrated_stack,
    read_repository_config,
    repository_changes,
    same_store,
    update_config_file,
)
from migrator.legacy import read_profiles
from migrator.plan import MigrationOptions, Operation, plan_migration
from migrator.stores import SqlStore

SQL_STORE = FIXTURES / "sql-store"
BACKUP_NAME = re.compile(r"config\.yaml\.bak-\d{8}T\d{6}")
# `.zen/config.yaml` as ZenML 0.13.2 wrote it: `zenml init` in a checkout
# with the sql-store config, then `zenml stack set sql_docker`.
LEGACY_REPOSITORY_CONFIG = "active_profile_name: team_sql\nactive_stack_name: sql_docker\nproject_id: null\nproject_name: null\n"


def global_config_text(store_path: Path) -> str:
    """A ZenML 0.20.5 config.yaml (keys and layout as ZenML writes them), with comments a user added."""
    return f"""# Global ZenML config of the ML team.
active_project_name: default  # the team project
active_stack_id: 03970103-01e6-479c-bcd8-be52baaeade4
analytics_opt_in: false
jwt_secret_key: 6f53e279c06016f9551cae70728ad8c21a340337adce6231feb12bdef5640a40
store:
  database: {store_path}
  driver: sqlite
  max_overflow: 20
  password: null
  pool_size: 20
  # certificates are not used for SQLite
  ssl_ca: null
  type: sql
  url: sqlite:///{store_path}
  username: null
user_email: null
user_id: ef28682d-2011-45f2-90c6-3a54f920f0f2
version: 0.20.5

# end of file
"""


@pytest.fixture(autouse=True)
def legacy_files_unchanged():
    before = tree_digest(FIXTURES)
    yield
    assert tree_digest(FIXTURES) == before


def stack_id(db: Path, name: str) -> str:
    connection = sqlite3.connect(db)
    try:
        (row,) = connection.execute("SELECT id FROM stackschema WHERE name = ?", (name,)).fetchall()
    finally:
        connection.close()
    return str(uuid.UUID(row[0]))


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    return [(old, new) for old, new in zip(before.splitlines(), after.splitlines(), strict=True) if old != new]


def backups(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if ".bak-" in p.name)


# -- the config file writer ----------------------------------------------------


def test_update_keeps_other_bytes(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    original = global_config_text(tmp_path / "zenml.db")
    config.write_text(original)
    new_id = "5f0749a9-165e-41c9-8392-f40d57fa3492"
    update = update_config_file(config, {"active_project_name": "legacy", "active_stack_id": new_id})
    after = config.read_text()
    assert changed_lines(original, after) == [
        ("active_project_name: default  # the team project", "active_project_name: legacy  # the team project"),
        ("active_stack_id: 03970103-01e6-479c-bcd8-be52baaeade4", f"active_stack_id: {new_id}"),
    ]
    assert update.backup is not None
    assert BACKUP_NAME.fullmatch(update.backup.name)
    assert update.backup.read_text() == original
    assert update.previous == {"active_project_name": "default", "active_stack_id": "03970103-01e6-479c-bcd8-be52baaeade4"}


def test_update_appends_missing_keys(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    original = "# written by hand\nversion: 0.20.5\nstore:\n  type: sql\n  url: sqlite:////x.db  # ours\n"
    config.write_text(original)
    update_config_file(config, {"active_project_name": "default", "active_stack_id": "abc"})
    assert config.read_text() == original + "active_project_name: default\nactive_stack_id: abc\n"


def test_update_creates_missing_file(tmp_path: Path) -> None:
    config = tmp_path / "new" / "config.yaml"
    update = update_config_file(config, {"active_project_name": "yes", "active_stack_id": "abc"})
    assert update.backup is None
    assert config.read_text() == "active_project_name: 'yes'\nactive_stack_id: abc\n"


def test_update_crlf_without_final_newline(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    original = b"version: 0.20.5\r\nactive_stack_id: old   # note\r\nanalytics_opt_in: false"
    config.write_bytes(original)
    update_config_file(config, {"active_stack_id": "new", "active_project_name": "default"})
    assert config.read_bytes() == (
        b"version: 0.20.5\r\nactive_stack_id: new   # note\r\nanalytics_opt_in: false\r\nactive_project_name: default\r\n"
    )


def test_update_value_on_next_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("# ours\nactive_stack_id:\n  old-id\nversion: 0.20.5  # pinned\n")
    update_config_file(config, {"active_stack_id": "new-id"})
    assert config.read_text() == "# ours\nactive_stack_id: new-id\nversion: 0.20.5  # pinned\n"


def test_update_rejects_duplicate_keys(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("active_stack_id: a\nactive_stack_id: b\n")
    with pytest.raises(ActivationError, match="Edit it by hand"):
        update_config_file(config, {"active_stack_id": "c"})
    assert config.read_text() == "active_stack_id: a\nactive_stack_id: b\n"


def test_update_rejects_non_mapping(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("- a\n- b\n")
    with pytest.raises(ActivationError, match="not a mapping"):
        update_config_file(config, {"active_stack_id": "abc"})
    assert config.read_text() == "- a\n- b\n"
    assert backups(tmp_path) == []


def test_backups_never_overwritten(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("active_stack_id: first\n")
    now = datetime(2026, 12, 4, 20, 15, 0)
    first = update_config_file(config, {"active_stack_id": "second"}, now=now)
    second = update_config_file(config, {"active_stack_id": "third"}, now=now)
    assert first.backup.name == "config.yaml.bak-20261204T201500"
    assert second.backup.name == "config.yaml.bak-20261204T201500-2"
    assert first.backup.read_text() == "active_stack_id: first\n"
    assert second.backup.read_text() == "active_stack_id: second\n"


def test_unchanged_file_gets_no_backup(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("# keep\nactive_stack_id: same\n")
    update = update_config_file(config, {"active_stack_id": "same"})
    assert not update.changed
    assert update.backup is None
    assert backups(tmp_path) == []
    assert config.read_text() == "# keep\nactive_stack_id: same\n"


def test_update_keeps_file_mode(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("active_stack_id: old\n")
    config.chmod(0o600)
    update_config_file(config, {"active_stack_id": "new"})
    assert config.stat().st_mode & 0o777 == 0o600


def test_repository_config_renamed_in_place(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(LEGACY_REPOSITORY_CONFIG)
    legacy = read_repository_config(path)
    assert (legacy.profile, legacy.stack, legacy.converted) == ("team_sql", "sql_docker", False)
    changes = repository_changes(StackChoice(project="default", stack_name="sql_docker", stack_id="abc"), "default")
    update_config_file(path, changes.values, renames=changes.renames, remove=changes.remove)
    assert path.read_text() == "active_project_name: default\nactive_stack_id: abc\nproject_id: null\nproject_name: null\n"
    assert read_repository_config(path).converted


def test_repository_config_without_stack(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("active_profile_name: default\nactive_stack_name:\nproject_id: null\nproject_name: null\n")
    changes = repository_changes(None, "default")
    update_config_file(path, changes.values, renames=changes.renames, remove=changes.remove)
    assert path.read_text() == "active_project_name: default\nproject_id: null\nproject_name: null\n"


@pytest.mark.parametrize(
    "first,second,same",
    [
        ("sqlite:////a/b/../zenml.db", "sqlite:////a/zenml.db", True),
        ("sqlite:////a/zenml.db", "sqlite:////b/zenml.db", False),
        ("mysql+pymysql://u:p@h:3306/db", "mysql+pymysql://u:other@h:3306/db", True),
        ("mysql+pymysql://u@h:3306/db", "mysql+pymysql://u@h:3306/db2", False),
        ("sqlite:////a/zenml.db", "mysql+pymysql://u@h/db", False),
    ],
)
def test_same_store(first: str, second: str, same: bool) -> None:
    assert same_store(first, second) is same


# -- choosing the stack ----------------------------------------------------------


def apply_profile(db: Path, name: str = "team_sql", options: MigrationOptions | None = None):
    profile = next(p for p in read_profiles(SQL_STORE).profiles if p.name == name)
    store = SqlStore(f"sqlite:///{db}")
    try:
        snapshot = store.snapshot()
        plan = plan_migration(profile, options or MigrationOptions(), snapshot)
        outcome = store.apply(plan, snapshot)
        return plan, outcome, store.snapshot()
    finally:
        store.close()


def test_migrated_stack_created_then_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    plan, outcome, snapshot = apply_profile(db)
    created = migrated_stack(plan, outcome.ids, snapshot, "sql_kubeflow")
    assert created.stack_name == "sql_kubeflow"
    assert created.project == "default"
    assert created.stack_id == stack_id(db, "sql_kubeflow")
    again, outcome, snapshot = apply_profile(db)
    action = next(a for a in again.actions if a.legacy_name == "sql_kubeflow")
    assert action.operation is Operation.UNCHANGED
    assert migrated_stack(again, outcome.ids, snapshot, "sql_kubeflow") == created


def test_migrated_default_stack(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    plan, outcome, snapshot = apply_profile(db)
    default = migrated_stack(plan, outcome.ids, snapshot, "default")
    assert default.stack_id == stack_id(db, "default")
    assert find_stack(snapshot, "default", "default") == default


def test_stack_not_migrated_is_error(tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    plan, outcome, snapshot = apply_profile(db, options=MigrationOptions(flavors=True, stacks=False))
    with pytest.raises(ActivationError, match="not part of this migration"):
        migrated_stack(plan, outcome.ids, snapshot, "sql_kubeflow")


def test_stack_of_other_user_is_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "zenml.db"
    plan, outcome, snapshot = apply_profile(db)
    monkeypatch.setenv("ZENML_DEFAULT_USER_NAME", "alice")
    with pytest.raises(ActivationError, match="ZENML_DEFAULT_USER_NAME"):
        migrated_stack(plan, outcome.ids, snapshot, "sql_kubeflow")
    with pytest.raises(ActivationError, match="belongs to another user"):
        find_stack(snapshot, "default", "sql_kubeflow")


# -- profile migrate --activate ----------------------------------------------------


def zenml_config(tmp_path: Path) -> tuple[Path, Path]:
    """Write a commented ZenML 0.20 config.yaml into the config dir of run_cli; return it and its store."""
    config_dir = tmp_path / "zenml-config"
    store = config_dir / "local_stores" / "default_zen_store" / "zenml.db"
    store.parent.mkdir(parents=True)
    config = config_dir / "config.yaml"
    config.write_text(global_config_text(store))
    return config, store


def test_activate_writes_global_config(run_cli, tmp_path: Path) -> None:
    config, store = zenml_config(tmp_path)
    original = config.read_text()
    result = run_cli("profile", "migrate", str(SQL_STORE), "--activate")
    assert result.exit_code == 0, result.output
    new_id = stack_id(store, "sql_kubeflow")
    assert changed_lines(original, config.read_text()) == [
        ("active_stack_id: 03970103-01e6-479c-bcd8-be52baaeade4", f"active_stack_id: {new_id}"),
    ]
    (backup,) = backups(config.parent)
    assert backup.read_text() == original
    assert str(backup) in result.stdout.replace("\n", "")
    assert "sql_kubeflow" in result.stdout


def test_activate_again_when_unchanged(run_cli, tmp_path: Path) -> None:
    config, store = zenml_config(tmp_path)
    assert run_cli("profile", "migrate", str(SQL_STORE), "--activate").exit_code == 0
    first = config.read_text()
    config.write_text(first.replace(stack_id(store, "sql_kubeflow"), "03970103-01e6-479c-bcd8-be52baaeade4"))
    result = run_cli("profile", "migrate", str(SQL_STORE), "--activate", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["profiles"][0]["status"] == "nothing-to-do"
    assert "sql_kubeflow" in result.stderr
    assert config.read_text() == first
    assert len(backups(config.parent)) == 2

    third = run_cli("profile", "migrate", str(SQL_STORE), "--activate")
    assert third.exit_code == 0, third.output
    assert "which is unchanged" in third.output.replace("\n", "")
    assert config.read_text() == first
    assert len(backups(config.parent)) == 2  # a run that changes nothing writes no backup


def test_activate_with_prefix_and_project(run_cli, tmp_path: Path) -> None:
    config, store = zenml_config(tmp_path)
    result = run_cli("profile", "migrate", str(SQL_STORE), "--activate", "--prefix", "old_", "--project", "legacy")
    assert result.exit_code == 0, result.output
    text = config.read_text()
    assert f"active_stack_id: {stack_id(store, 'old_sql_kubeflow')}\n" in text
    assert "active_project_name: legacy  # the team project\n" in text


def test_activate_needs_zenml_store(run_cli, tmp_path: Path, store_url) -> None:
    config, _ = zenml_config(tmp_path)
    original = config.read_text()
    url, db = store_url
    result = run_cli("profile", "migrate", str(SQL_STORE), "--activate", "--store", url)
    assert result.exit_code == 2
    assert "Leave out --store" in result.stderr
    assert not db.exists()
    assert config.read_text() == original


def test_activate_needs_active_stack(run_cli, tmp_path: Path) -> None:
    result = run_cli("profile", "migrate", str(SQL_STORE / "profiles" / "team_sql"), "--activate")
    assert result.exit_code == 2
    assert "Give the ZenML 0.13 config dir" in result.stderr
    assert not (tmp_path / "zenml-config").exists()


def test_activate_dry_run_writes_nothing(run_cli, tmp_path: Path) -> None:
    config, store = zenml_config(tmp_path)
    original = config.read_text()
    result = run_cli("profile", "migrate", str(SQL_STORE), "--activate", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would make stack 'sql_kubeflow'" in result.stdout
    assert config.read_text() == original
    assert backups(config.parent) == []


def test_activate_failed_stack(run_cli, tmp_path: Path, legacy_copy) -> None:
    config, _ = zenml_config(tmp_path)
    original = config.read_text()
    root = legacy_copy("sql-store")
    connection = sqlite3.connect(root / "profiles" / "team_sql" / "zenml.db")
    connection.execute("UPDATE zenstackcomponent SET configuration = X'00' WHERE name = 'kubeflow_eks'")
    connection.commit()
    connection.close()
    result = run_cli("profile", "migrate", str(root), "--activate", "--ignore-errors")
    assert result.exit_code == 1
    assert "Not activated" in result.stdout
    assert "sql_kubeflow" in result.stdout
    assert config.read_text() == original


def test_activate_activated_profile_of_several(run_cli, tmp_path: Path) -> None:
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-profile"), "--all", "--activate")
    assert result.exit_code == 0, result.output
    config_dir = tmp_path / "zenml-config"
    store = config_dir / "local_stores" / "default_zen_store" / "zenml.db"
    assert (config_dir / "config.yaml").read_text() == (
        f"active_project_name: default\nactive_stack_id: {stack_id(store, 'gke_stack')}\n"
    )


# -- repo migrate ----------------------------------------------------------------


def repository(tmp_path: Path, content: str = LEGACY_REPOSITORY_CONFIG) -> Path:
    root = tmp_path / "checkout"
    (root / ".zen").mkdir(parents=True)
    (root / ".zen" / "config.yaml").write_text(content)
    return root


def test_repo_migrate_converts(run_cli, tmp_path: Path, store_url) -> None:
    url, db = store_url
    assert run_cli("profile", "migrate", str(SQL_STORE), "--store", url).exit_code == 0
    root = repository(tmp_path)
    result = run_cli("repo", "migrate", str(root), "--store", url)
    assert result.exit_code == 0, result.output
    output = result.stdout.replace("\n", "")
    assert "active_stack_name: sql_docker -> active_stack_id:" in output
    config = root / ".zen" / "config.yaml"
    assert config.read_text() == (
        f"active_project_name: default\nactive_stack_id: {stack_id(db, 'sql_docker')}\nproject_id: null\nproject_name: null\n"
    )
    (backup,) = backups(root / ".zen")
    assert backup.read_text() == LEGACY_REPOSITORY_CONFIG
    again = run_cli("repo", "migrate", str(root), "--store", url)
    assert again.exit_code == 0
    assert "nothing to do" in again.stdout


def test_repo_migrate_with_prefix(run_cli, tmp_path: Path, store_url) -> None:
    url, db = store_url
    assert run_cli("profile", "migrate", str(SQL_STORE), "--store", url, "--prefix", "old_").exit_code == 0
    root = repository(tmp_path)
    result = run_cli("repo", "migrate", str(root / ".zen"), "--store", url, "--prefix", "old_")
    assert result.exit_code == 0, result.output
    assert f"active_stack_id: {stack_id(db, 'old_sql_docker')}\n" in (root / ".zen" / "config.yaml").read_text()


def test_repo_migrate_dry_run(run_cli, tmp_path: Path, store_url) -> None:
    url, _ = store_url
    assert run_cli("profile", "migrate", str(SQL_STORE), "--store", url).exit_code == 0
    root = repository(tmp_path)
    result = run_cli("repo", "migrate", str(root), "--store", url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.stdout
    assert (root / ".zen" / "config.yaml").read_text() == LEGACY_REPOSITORY_CONFIG
    assert backups(root / ".zen") == []


def test_repo_migrate_stack_not_migrated(run_cli, tmp_path: Path, store_url) -> None:
    url, db = store_url
    root = repository(tmp_path)
    result = run_cli("repo", "migrate", str(root), "--store", url)
    assert result.exit_code == 1
    assert "profile migrate" in result.stderr
    assert (root / ".zen" / "config.yaml").read_text() == LEGACY_REPOSITORY_CONFIG
    assert not db.exists()


def test_repo_migrate_not_a_repository(run_cli, tmp_path: Path, store_url) -> None:
    url, _ = store_url
    result = run_cli("repo", "migrate", str(tmp_path), "--store", url)
    assert result.exit_code == 2
    assert "is not a ZenML repository" in result.stderr


# -- the real ZenML 0.20.5 uses the activated stack -------------------------------


def active_stack_row(stack_list_output: str) -> str:
    (row,) = [line for line in stack_list_output.splitlines() if "👉" in line]
    return row


@pytest.mark.oracle
def test_zenml_uses_activated_stack(oracle_python_path, run_cli, tmp_path: Path) -> None:
    from oracle.harness import run_zenml, write_global_config

    config_dir = tmp_path / "zenml-config"
    write_global_config(config_dir)
    first = run_zenml(config_dir, "stack", "list")
    assert first.returncode == 0, first.stderr
    assert "default" in active_stack_row(first.stdout)
    config = config_dir / "config.yaml"
    config.write_text("# kept by zenml-migrate\n" + config.read_text())

    result = run_cli("profile", "migrate", str(SQL_STORE), "--activate")
    assert result.exit_code == 0, result.output
    assert config.read_text().startswith("# kept by zenml-migrate\n")
    listed = run_zenml(config_dir, "stack", "list")
    assert listed.returncode == 0, listed.stderr
    assert "sql_kubeflow" in active_stack_row(listed.stdout)


@pytest.mark.oracle
def test_zenml_uses_repository_stack(oracle_python_path, run_cli, tmp_path: Path) -> None:
    from oracle.harness import run_zenml, write_global_config

    config_dir = tmp_path / "zenml-config"
    write_global_config(config_dir)
    assert run_zenml(config_dir, "stack", "list").returncode == 0
    assert run_cli("profile", "migrate", str(SQL_STORE)).exit_code == 0
    root = repository(tmp_path)
    result = run_cli("repo", "migrate", str(root))
    assert result.exit_code == 0, result.output

    in_repository = run_zenml(config_dir, "stack", "list", cwd=root)
    assert in_repository.returncode == 0, in_repository.stderr
    assert "sql_docker" in active_stack_row(in_repository.stdout)
    outside = run_zenml(config_dir, "stack", "list")
    assert "default" in active_stack_row(outside.stdout)
