"""Our stores equal what the real ZenML 0.20.5 `zenml profile migrate` writes for the same profile.

Both stores are read back through ZenML 0.20.5's own API (ids and timestamps
dropped) and compared. Only the genuine profiles that the real command can
migrate are compared; where we deliberately differ, the test names the
difference and checks our value.
"""

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from oracle.harness import default_store_path, read_store, real_migrate, sqlite_url

from migrator.legacy import read_profile_dir
from migrator.plan import MigrationOptions, plan_migration
from migrator.stores import SqlStore

pytestmark = pytest.mark.oracle


def ours(profile_dir: Path, db: Path, options: MigrationOptions) -> dict:
    store = SqlStore(sqlite_url(db))
    snapshot = store.snapshot()
    store.apply(plan_migration(read_profile_dir(profile_dir), options, snapshot), snapshot)
    store.close()
    return read_store(sqlite_url(db))


def theirs(profile_dir: Path, *flags: str) -> dict:
    config_dir, process = real_migrate(profile_dir, *flags)
    try:
        assert process.returncode == 0, process.stdout + process.stderr
        return read_store(sqlite_url(default_store_path(config_dir)))
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)


def comparable(store: dict) -> dict:
    return {key: store[key] for key in ("projects", "users", "flavors", "components", "stacks")}


@pytest.mark.parametrize(
    "profile,flags",
    [
        ("multi-profile/profiles/default", ()),
        ("multi-profile/profiles/prod", ()),
        ("odd-names/profiles/équipe β", ()),
        ("multi-profile/profiles/prod", ("--prefix", "old_", "--project", "legacy")),
    ],
    ids=["multi-profile-default", "multi-profile-prod", "odd-names-equipe", "prod-prefix-project"],
)
def test_same_store_as_zenml_0205(oracle_python_path, tmp_path: Path, profile: str, flags: tuple[str, ...]) -> None:
    options = MigrationOptions(prefix=flags[1], project=flags[3]) if flags else MigrationOptions()
    expected = theirs(FIXTURES / profile, *flags)
    actual = ours(FIXTURES / profile, tmp_path / "zenml.db", options)
    assert comparable(actual) == comparable(expected)


def test_many_stacks_differs_only_where_we_convert(oracle_python_path, tmp_path: Path) -> None:
    """ZenML 0.20.5 rejects orchestrator 'shared_docker' (its retired field docker_parent_image) and
    skips the 10 stacks that use it; we drop the retired field with a warning and migrate all of them."""
    profile = FIXTURES / "many-stacks" / "profiles" / "default"
    expected = theirs(profile, "--ignore-errors")
    actual = ours(profile, tmp_path / "zenml.db", MigrationOptions(ignore_errors=True))

    def keyed(items: list[dict]) -> dict:
        return {(item.get("type", ""), item["name"]): item for item in items}

    ours_components, their_components = keyed(actual["components"]), keyed(expected["components"])
    assert set(ours_components) - set(their_components) == {("orchestrator", "shared_docker")}
    assert {k: ours_components[k] for k in their_components} == their_components
    assert "docker_parent_image" not in ours_components[("orchestrator", "shared_docker")]["configuration"]

    ours_stacks, their_stacks = keyed(actual["stacks"]), keyed(expected["stacks"])
    extra = {name for _, name in set(ours_stacks) - set(their_stacks)}
    assert len(extra) == 10
    assert all(ours_stacks[("", name)]["components"]["orchestrator"] == "shared_docker" for name in extra)
    assert {k: ours_stacks[k] for k in their_stacks} == their_stacks
