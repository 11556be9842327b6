"""Readers of legacy ZenML 0.13 dirs, on the genuine fixtures and on broken copies of them."""

from pathlib import Path

import pytest
from conftest import ALL_CASES, FIXTURES, LOCAL_PROFILES

from migrator.errors import InputError
from migrator.legacy import Severity, read_profile_dir, read_profiles


def codes(profile) -> list[str]:
    return [d.code for d in profile.diagnostics]


@pytest.mark.parametrize("case", ALL_CASES)
def test_every_fixture_reads(case: str) -> None:
    found = read_profiles(FIXTURES / case)
    assert found.kind == "global_config"
    assert found.version == "0.13.2"
    assert found.profiles
    local = [p for p in found.profiles if p.store_type == "local"]
    for profile in local:
        assert not profile.has_errors, profile.diagnostics
    expected = LOCAL_PROFILES.get(case, [])
    assert sorted(p.name for p in local if not p.holds_only_defaults) == sorted(expected)


def test_multi_stack_counts() -> None:
    found = read_profiles(FIXTURES / "multi-stack")
    production = next(p for p in found.profiles if p.name == "production")
    assert len(production.stacks) == 9
    assert len(production.components) == 32
    assert production.active_stack == "aws_prod"
    assert production.is_activated
    assert production.unmigrated_sections["store_associations"] == 6


def test_component_configuration_drops_identity_and_nulls() -> None:
    profile = read_profile_dir(FIXTURES / "multi-stack" / "profiles" / "production")
    kubeflow = profile.component("orchestrator", "kubeflow_eks")
    assert kubeflow is not None
    assert "uuid" not in kubeflow.configuration
    assert "name" not in kubeflow.configuration
    assert "custom_docker_base_image_name" not in kubeflow.configuration
    assert kubeflow.configuration["skip_cluster_provisioning"] is False
    assert kubeflow.configuration["kubeflow_pipelines_ui_port"] == 8080
    assert kubeflow.legacy_id == "8a2c23fe-51fe-4342-b8fe-54c090c4f652"
    assert kubeflow.location.line is not None


def test_falsy_values_are_kept(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    file = root / "orchestrators" / "local_docker.yaml"
    file.write_text(file.read_text() + "flag: false\nzero: 0\nempty: ''\nmapping: {}\nitems: []\nnothing: null\n")
    component = read_profile_dir(root).component("orchestrator", "local_docker")
    assert component is not None
    for key, value in {"flag": False, "zero": 0, "empty": "", "mapping": {}, "items": []}.items():
        assert component.configuration[key] == value
    assert "nothing" not in component.configuration


def test_odd_names_survive() -> None:
    found = read_profiles(FIXTURES / "odd-names")
    default = next(p for p in found.profiles if p.name == "default")
    names = {c.name for c in default.components}
    assert {"team/a", "yes", "模型编排器", "local secrets 🔑", "s3.prod.v2"} <= names
    assert {s.name for s in default.stacks} >= {"null", "renamed: stack", "стек-1"}
    assert found.activated_profile == "équipe β"


def test_single_profile_dir() -> None:
    found = read_profiles(FIXTURES / "custom-flavor" / "profiles" / "custom")
    assert found.kind == "profile_dir"
    (profile,) = found.profiles
    assert [f.name for f in profile.flavors] == ["my_orchestrator", "my_tracker"]


def test_config_rewritten_by_zenml_020(legacy_copy) -> None:
    root = legacy_copy("multi-stack")
    (root / "config.yaml").write_text("version: 0.20.5\nactive_project_name: default\nstore:\n  type: sql\n")
    found = read_profiles(root)
    assert sorted(p.name for p in found.profiles) == ["default", "production"]


def test_rest_and_sql_profiles_are_listed() -> None:
    found = read_profiles(FIXTURES / "multi-profile")
    by_name = {p.name: p for p in found.profiles}
    assert by_name["server"].store_type == "rest"
    assert by_name["server"].store_url == "http://127.0.0.1:8080"
    assert by_name["shared_sql"].store_type == "sql"


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_profiles(tmp_path / "nothing")
    with pytest.raises(InputError, match="No legacy ZenML profile"):
        read_profiles(tmp_path)


def test_malformed_yaml_names_line(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    (root / "stacks.yaml").write_text("stacks:\n  a: [unclosed\nstack_components: {}\n")
    profile = read_profile_dir(root)
    (diagnostic,) = profile.diagnostics
    assert diagnostic.code == "yaml-syntax"
    assert diagnostic.location.line == 3
    assert "stacks.yaml:3" in diagnostic.message
    assert profile.stacks == []


@pytest.mark.parametrize("content", ["", "null\n", "~\n"])
def test_empty_stacks_file(legacy_copy, content: str) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    (root / "stacks.yaml").write_text(content)
    assert codes(read_profile_dir(root)) == ["empty-file"]


def test_missing_component_file_blocks_its_stacks(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    (root / "container_registries" / "ecr.yaml").unlink()
    profile = read_profile_dir(root)
    assert profile.component("container_registry", "ecr") is None
    assert "missing-file" in codes(profile)
    dangling = [d for d in profile.diagnostics if d.code == "dangling-reference"]
    assert sorted(d.entity for d in dangling) == ["aws_dev", "aws_minio", "aws_prod", "aws_sagemaker"]
    assert len(profile.components) == 31


def test_component_file_without_uuid(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    file = root / "alerters" / "slack_alerts.yaml"
    file.write_text("\n".join(line for line in file.read_text().splitlines() if not line.startswith("uuid")) + "\n")
    profile = read_profile_dir(root)
    assert "missing-field" in codes(profile)
    assert profile.component("alerter", "slack_alerts") is None


def test_unknown_component_type(legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    text = (root / "stacks.yaml").read_text().replace("stack_components:\n", "stack_components:\n  teleporter:\n    beam: star\n", 1)
    (root / "stacks.yaml").write_text(text)
    profile = read_profile_dir(root)
    unknown = [d for d in profile.diagnostics if d.code == "unknown-type"]
    assert len(unknown) == 1
    assert "teleporter" in unknown[0].message
    assert unknown[0].severity is Severity.ERROR
    assert len(profile.components) == 32


def test_path_escape_is_not_read(legacy_copy, tmp_path: Path) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    outside = tmp_path / "outside.yaml"
    outside.write_text("uuid: x\nname: evil\npassword: stolen\n")
    text = (root / "stacks.yaml").read_text().replace("  alerter:\n", "  alerter:\n    ../../../../outside: slack\n", 1)
    (root / "stacks.yaml").write_text(text)
    (root / "alerters" / "linked.yaml").symlink_to(outside)
    text = (root / "stacks.yaml").read_text().replace("  alerter:\n", "  alerter:\n    linked: slack\n", 1)
    (root / "stacks.yaml").write_text(text)
    profile = read_profile_dir(root)
    assert [d.code for d in profile.diagnostics].count("unsafe-name") == 2
    assert all("stolen" not in str(c.configuration) for c in profile.components)
