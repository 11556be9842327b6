"""The real ZenML 0.20.5 reads back every genuine fixture that zenml-migrate wrote.

For each fixture case, every local profile is migrated into one new SQLite
store; then ZenML 0.20.5, through its own Client API, must list every migrated
stack with its components, and every stack component with its type, flavor
and configuration, exactly as planned.
"""

from pathlib import Path

import pytest
from conftest import EXPECTED_ERRORS, FIXTURES, LOCAL_PROFILES
from oracle.harness import read_store, read_store_over_rest, start_server

from migrator.legacy import read_profiles
from migrator.plan import EntityKind, MigrationOptions, Operation, plan_migration
from migrator.stores import SqlStore

pytestmark = pytest.mark.oracle


def migrate_case(case: str, db: Path, options: MigrationOptions) -> list:
    store = SqlStore(f"sqlite:///{db}")
    plans = []
    try:
        for profile in read_profiles(FIXTURES / case).profiles:
            if profile.name not in LOCAL_PROFILES[case]:
                continue
            expected_errors = EXPECTED_ERRORS.get((case, profile.name), set())
            snapshot = store.snapshot()
            plan = plan_migration(profile, options.model_copy(update={"ignore_errors": bool(expected_errors)}), snapshot)
            assert {a.legacy_name for a in plan.actions if a.operation is Operation.ERROR} == expected_errors
            store.apply(plan, snapshot)
            plans.append(plan)
    finally:
        store.close()
    return plans


@pytest.mark.parametrize("case", sorted(LOCAL_PROFILES))
@pytest.mark.parametrize("options", [MigrationOptions(), MigrationOptions(prefix="old_", project="legacy")], ids=["plain", "prefix-project"])
def test_zenml_reads_what_we_wrote(oracle_python_path, tmp_path: Path, case: str, options: MigrationOptions) -> None:
    db = tmp_path / "zenml.db"
    plans = migrate_case(case, db, options)
    stored = read_store(f"sqlite:///{db}", stable=True)

    components = {(c["project"], c["type"], c["name"]): c for c in stored["components"]}
    stacks = {(s["project"], s["name"]): s for s in stored["stacks"]}
    flavors = {(f["project"], f["type"], f["name"]): f for f in stored["flavors"]}
    for plan in plans:
        for action in plan.actions:
            if action.operation is not Operation.CREATE:
                continue
            if action.kind is EntityKind.STACK_COMPONENT:
                component = components[(plan.project, action.component_type, action.name)]
                assert component["flavor"] == action.flavor
                assert component["configuration"] == action.configuration
                assert component["user"] == "default"
            elif action.kind is EntityKind.STACK:
                stack = stacks[(plan.project, action.name)]
                assert stack["components"] == action.component_names
            elif action.kind is EntityKind.FLAVOR:
                flavor = flavors[(plan.project, action.component_type, action.name)]
                assert flavor["source"] == action.source
    migrated_stacks = sum(1 for p in plans for a in p.actions if a.kind is EntityKind.STACK and a.legacy_name)
    assert len(stored["stacks"]) >= migrated_stacks


def test_migrate_into_store_created_by_zenml(oracle_python_path, tmp_path: Path, run_cli, monkeypatch) -> None:
    """A store that ZenML 0.20.5 created and used itself (with its ML-Metadata tables) takes our writes."""
    from oracle.harness import default_store_path, run_zenml, sqlite_url, write_global_config

    config_dir = tmp_path / "zenml-config"
    write_global_config(config_dir)
    created = run_zenml(config_dir, "stack", "list")
    assert created.returncode == 0, created.stderr
    db = default_store_path(config_dir)
    assert db.is_file()

    monkeypatch.setenv("ZENML_CONFIG_PATH", str(config_dir))
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--json")
    assert result.exit_code == 0, result.output
    import json

    actions = json.loads(result.stdout)["profiles"][0]["actions"]
    assert not [a for a in actions if a["kind"] in ("project", "user") or (a["name"] == "default")]
    stored = read_store(sqlite_url(db))
    assert {s["name"] for s in stored["stacks"]} >= {"aws_prod", "gcp_prod", "default"}
    defaults = [c for c in stored["components"] if c["name"] == "default"]
    assert len(defaults) == 2
    listed = run_zenml(config_dir, "stack", "list")
    assert listed.returncode == 0
    assert "aws_prod" in listed.stdout


def test_zenml_server_logs_in_to_our_store(oracle_python_path, tmp_path: Path) -> None:
    """A ZenML 0.20.5 server on a store we created accepts the default user's empty password."""
    db = tmp_path / "zenml.db"
    migrate_case("multi-stack", db, MigrationOptions())
    with start_server(tmp_path / "server", store_url=f"sqlite:///{db}") as server:
        stored = read_store_over_rest(server)  # logs in as "default" with the empty password
    assert "aws_prod" in {stack["name"] for stack in stored["stacks"]}
