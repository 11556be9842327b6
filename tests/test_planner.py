"""The planner: naming, defaults, conflicts and idempotence, without any store."""

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.errors import UsageError
from migrator.legacy import read_profile_dir
from migrator.plan import EntityKind, MigrationOptions, Operation, TargetSnapshot, plan_migration, simulate_apply
from migrator.plan.index import SnapshotIndex, index_of

PRODUCTION = read_profile_dir(FIXTURES / "multi-stack" / "profiles" / "production")
CUSTOM = read_profile_dir(FIXTURES / "custom-flavor" / "profiles" / "custom")
ODD = read_profile_dir(FIXTURES / "odd-names" / "profiles" / "default")
EMPTY = TargetSnapshot(initialized=False)


def by_operation(plan, operation: Operation) -> list:
    return [a for a in plan.actions if a.operation is operation]


def names(plan, kind: EntityKind) -> set[str]:
    return {a.name for a in plan.actions if a.kind is kind}


def test_new_store_gets_zenml_defaults() -> None:
    plan = plan_migration(PRODUCTION, MigrationOptions(), EMPTY)
    first = [(a.kind.value, a.name, a.component_type) for a in plan.actions[:5]]
    assert first == [
        ("project", "default", None),
        ("user", "default", None),
        ("stack_component", "default", "orchestrator"),
        ("stack_component", "default", "artifact_store"),
        ("stack", "default", None),
    ]
    assert plan.counts()["create"] == 5 + 24 + 8


def test_metadata_stores_and_defaults_are_not_copied() -> None:
    plan = plan_migration(PRODUCTION, MigrationOptions(), EMPTY)
    assert all(a.component_type != "metadata_store" for a in plan.actions)
    migrated_defaults = [a for a in plan.actions if a.legacy_name == "default"]
    assert migrated_defaults == []
    codes = [n.code for n in plan.notes]
    assert codes.count("metadata-store-dropped") == 6
    assert "default-stack-skipped" in codes
    aws_prod = next(a for a in plan.actions if a.name == "aws_prod")
    assert "metadata_store" not in aws_prod.components


def test_modified_default_stack_warns() -> None:
    plan = plan_migration(ODD, MigrationOptions(), EMPTY)
    note = next(n for n in plan.notes if n.code == "default-stack-skipped")
    assert "mlflow local" in note.message


def test_prefix_applies_to_every_reference() -> None:
    plan = plan_migration(CUSTOM, MigrationOptions(prefix="old_"), EMPTY)
    flavors = names(plan, EntityKind.FLAVOR)
    assert flavors == {"old_my_orchestrator", "old_my_tracker"}
    inhouse = next(a for a in plan.actions if a.legacy_name == "inhouse")
    assert inhouse.name == "old_inhouse"
    assert inhouse.flavor == "old_my_orchestrator"
    stack = next(a for a in plan.actions if a.kind is EntityKind.STACK and a.legacy_name == "inhouse_stack")
    assert stack.name == "old_inhouse_stack"
    assert stack.component_names["orchestrator"] == "old_inhouse"
    assert stack.component_names["artifact_store"] == "default"


def test_custom_flavor_warns_about_source() -> None:
    plan = plan_migration(CUSTOM, MigrationOptions(), EMPTY)
    flavor = next(a for a in plan.actions if a.kind is EntityKind.FLAVOR)
    assert flavor.config_schema
    assert any("Flavor` subclass" in w for w in flavor.warnings)


def test_stacks_only_blocks_custom_flavor_components() -> None:
    plan = plan_migration(CUSTOM, MigrationOptions(flavors=False), EMPTY)
    assert names(plan, EntityKind.FLAVOR) == set()
    inhouse = next(a for a in plan.actions if a.legacy_name == "inhouse")
    assert inhouse.operation is Operation.ERROR
    stack = next(a for a in plan.actions if a.legacy_name == "inhouse_stack")
    assert stack.operation is Operation.ERROR


def test_flavors_only() -> None:
    plan = plan_migration(CUSTOM, MigrationOptions(stacks=False), EMPTY)
    legacy = [a for a in plan.actions if a.legacy_name is not None]
    assert {a.kind for a in legacy} == {EntityKind.FLAVOR}


def test_new_project_gets_default_stack() -> None:
    first = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(), EMPTY), EMPTY)
    plan = plan_migration(PRODUCTION, MigrationOptions(project="legacy"), first)
    project = plan.actions[0]
    assert (project.kind, project.name, project.operation) == (EntityKind.PROJECT, "legacy", Operation.CREATE)
    assert project.description == "Legacy profile migration for profile production"
    defaults = [a for a in plan.actions if a.name == "default"]
    assert len(defaults) == 3
    assert plan.counts()["errors"] == 0


def test_default_stack_replanned_after_cut() -> None:
    """A REST apply cut off between the default stack components and the default stack gets the stack on re-run."""
    first = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(), EMPTY), EMPTY)
    after = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(project="legacy"), first), first)
    legacy_id = next(p.id for p in after.projects if p.name == "legacy")
    cut = after.model_copy(update={"stacks": tuple(s for s in after.stacks if s.project_id != legacy_id)})
    plan = plan_migration(PRODUCTION, MigrationOptions(project="legacy"), cut)
    default_stack = [a for a in plan.actions if a.kind is EntityKind.STACK and a.name == "default"]
    assert [a.operation for a in default_stack] == [Operation.CREATE]
    assert "no stack uses them" in (default_stack[0].reason or "")
    assert not [a for a in plan.actions if a.kind is EntityKind.STACK_COMPONENT and a.name == "default" and a.writes]


def test_default_stack_kept_while_components_used() -> None:
    first = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(), EMPTY), EMPTY)
    default_project = next(p.id for p in first.projects if p.name == "default")
    without = first.model_copy(update={"stacks": tuple(s for s in first.stacks if not (s.project_id == default_project and s.name == "default"))})
    plan = plan_migration(PRODUCTION, MigrationOptions(), without)
    assert not [a for a in plan.actions if a.kind is EntityKind.STACK and a.name == "default" and a.writes]


def test_unknown_user_is_usage_error() -> None:
    with pytest.raises(UsageError, match="User 'alice' does not exist"):
        plan_migration(PRODUCTION, MigrationOptions(user="alice"), EMPTY)


def changed_snapshot():
    """The target after a migration, then with one component's configuration changed."""
    after = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(), EMPTY), EMPTY)
    components = [
        c.model_copy(update={"configuration": {"path": "/elsewhere"}}) if c.name == "s3_artifacts" else c
        for c in after.components
    ]
    return after.model_copy(update={"components": tuple(components)})


def test_conflict_is_error_by_default() -> None:
    plan = plan_migration(PRODUCTION, MigrationOptions(), changed_snapshot())
    errors = by_operation(plan, Operation.ERROR)
    (component,) = [a for a in errors if a.kind is EntityKind.STACK_COMPONENT]
    assert component.name == "s3_artifacts"
    assert "--overwrite" in component.reason
    blocked = sorted(a.name for a in errors if a.kind is EntityKind.STACK)
    assert blocked == ["aws_dev", "aws_prod", "aws_sagemaker"]
    assert all("s3_artifacts" in a.reason for a in errors if a.kind is EntityKind.STACK)


def test_conflict_with_overwrite_updates() -> None:
    plan = plan_migration(PRODUCTION, MigrationOptions(overwrite=True), changed_snapshot())
    (update,) = by_operation(plan, Operation.UPDATE)
    assert update.name == "s3_artifacts"
    assert not plan.has_errors


def test_conflict_with_ignore_errors_skips() -> None:
    plan = plan_migration(PRODUCTION, MigrationOptions(ignore_errors=True), changed_snapshot())
    (skip,) = by_operation(plan, Operation.SKIP)
    assert skip.warnings
    assert not plan.has_errors
    stacks_using_it = [a for a in plan.actions if a.components and any(r.id == skip.target_id for r in a.components.values())]
    assert stacks_using_it


def test_dangling_reference_is_error(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    (root / "step_operators" / "vertex_gpu.yaml").unlink()
    plan = plan_migration(read_profile_dir(root), MigrationOptions(ignore_errors=True), EMPTY)
    stack = next(a for a in plan.actions if a.name == "gcp_vertex")
    assert stack.operation is Operation.ERROR
    assert "vertex_gpu" in stack.reason


prefixes = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=prefixes, profile=st.sampled_from([PRODUCTION, CUSTOM, ODD]))
def test_no_dangling_reference_after_any_prefix(prefix: str, profile) -> None:
    plan = plan_migration(profile, MigrationOptions(prefix=prefix), EMPTY)
    keys = {a.key for a in plan.actions if a.operation is not Operation.ERROR}
    planned_components = {(a.component_type, a.name) for a in plan.actions if a.kind is EntityKind.STACK_COMPONENT}
    planned_flavors = {(a.component_type, a.name) for a in plan.actions if a.kind is EntityKind.FLAVOR}
    custom = {(f.type, f.name) for f in profile.flavors}
    for action in plan.actions:
        for component_type, ref in (action.components or {}).items():
            assert ref.key in keys
            assert (component_type, action.component_names[component_type]) in planned_components
        if action.kind is EntityKind.STACK_COMPONENT and action.legacy_name:
            legacy = profile.component(action.component_type, action.legacy_name)
            if (legacy.type, legacy.flavor) in custom:
                assert (action.component_type, action.flavor) in planned_flavors


options_strategy = st.builds(
    MigrationOptions,
    prefix=prefixes,
    project=st.one_of(st.none(), st.sampled_from(["default", "legacy", "team-β"])),
    overwrite=st.booleans(),
    ignore_errors=st.booleans(),
    stacks=st.booleans(),
    flavors=st.just(True),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=options_strategy, profiles=st.lists(st.sampled_from([PRODUCTION, CUSTOM, ODD]), min_size=1, max_size=3))
def test_replanning_after_apply_is_unchanged(options: MigrationOptions, profiles: list) -> None:
    snapshot = EMPTY
    for profile in profiles:
        last = plan_migration(profile, options, snapshot)
        snapshot = simulate_apply(last, snapshot)
    again = plan_migration(profiles[-1], options, snapshot)
    operations = {a.operation for a in again.actions}
    if last.has_errors and not options.ignore_errors:
        assert again == last  # nothing was applied, so the plan is the same
    else:
        assert not operations & {Operation.CREATE, Operation.UPDATE}
    if not last.has_errors and all(a.operation is not Operation.SKIP for a in last.actions):
        assert operations <= {Operation.UNCHANGED}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    options=options_strategy,
    profiles=st.lists(st.sampled_from([PRODUCTION, CUSTOM, ODD]), min_size=1, max_size=4),
    case_insensitive=st.booleans(),
)
def test_carried_index_equals_rebuilt_index(options: MigrationOptions, profiles: list, case_insensitive: bool) -> None:
    """The index that simulate_apply keeps up to date equals one built from scratch, with --overwrite updates too."""
    snapshot = EMPTY.model_copy(update={"names_case_insensitive": case_insensitive})
    for profile in profiles:
        plan = plan_migration(profile, options.model_copy(update={"overwrite": True}), snapshot)
        snapshot = simulate_apply(plan, snapshot)
        carried = index_of(snapshot)
        rebuilt = SnapshotIndex(snapshot.model_copy(update={"components": tuple(snapshot.components)}))
        assert carried.matches(snapshot)
        assert carried.__dict__.keys() == rebuilt.__dict__.keys()
        for name in ("flavors_by_id", "components_by_id", "stacks_by_id", "_flavors", "_components", "_stacks"):
            assert getattr(carried, name) == getattr(rebuilt, name), name
        assert +carried._component_uses == +rebuilt._component_uses


def test_snapshot_equality_ignores_index() -> None:
    after = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(), EMPTY), EMPTY)
    copy = after.model_copy(update={"components": tuple(after.components)})
    index_of(after)
    assert after == copy


def test_case_only_names_collide_on_case_insensitive_target(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    text = (root / "stacks.yaml").read_text().replace("    s3_minio: s3\n", "    s3_minio: s3\n    S3_Minio: s3\n", 1)
    (root / "stacks.yaml").write_text(text)
    (root / "artifact_stores" / "S3_Minio.yaml").write_text("name: S3_Minio\npath: s3://other\nuuid: 00000000-0000-0000-0000-000000000001\n")
    profile = read_profile_dir(root)
    sensitive = plan_migration(profile, MigrationOptions(), EMPTY)
    assert not sensitive.has_errors
    insensitive = plan_migration(profile, MigrationOptions(), EMPTY.model_copy(update={"names_case_insensitive": True}))
    errors = {a.legacy_name: a.reason for a in insensitive.actions if a.operation is Operation.ERROR}
    assert set(errors) == {"s3_minio", "S3_Minio", "aws_minio"}
    assert "only in case" in errors["S3_Minio"]


def test_case_insensitive_target_matches_existing_name() -> None:
    after = simulate_apply(plan_migration(PRODUCTION, MigrationOptions(), EMPTY), EMPTY)
    renamed = tuple(c.model_copy(update={"name": "S3_ARTIFACTS"}) if c.name == "s3_artifacts" else c for c in after.components)
    insensitive = after.model_copy(update={"components": renamed, "names_case_insensitive": True})
    plan = plan_migration(PRODUCTION, MigrationOptions(), insensitive)
    s3 = next(a for a in plan.actions if a.legacy_name == "s3_artifacts")
    assert s3.operation is Operation.ERROR
    assert "stored as 'S3_ARTIFACTS'" in s3.reason
    sensitive = after.model_copy(update={"components": renamed})
    s3 = next(a for a in plan_migration(PRODUCTION, MigrationOptions(), sensitive).actions if a.legacy_name == "s3_artifacts")
    assert s3.operation is Operation.CREATE
