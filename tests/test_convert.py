"""Tests for migrator.convert against data recorded from the real ZenML 0.13.2 and 0.20.5.

tests/data/expected-0.20.5-configs.json contains what ZenML 0.20.5 itself stores
(or rejects) for every component of the genuine 0.13.2 fixtures and for a set
of coercion probes. schema/flavors/expected_configs.py regenerates it.
"""

import base64
import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.convert import (
    ConfigChange,
    Conversion,
    convert_configuration,
    flavor_exists,
    schema_directory,
)
from migrator.convert import catalog as catalog_module
from migrator.convert import converter as converter_module
from migrator.convert.catalog import RuleSet, load_catalog, load_rules, parse_rules
from migrator.convert.validation import check_implemented

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "real-0.13.2"
MULTI_STACK = "multi-stack/profiles/production"
EXPECTED = json.loads((ROOT / "tests" / "data" / "expected-0.20.5-configs.json").read_text(encoding="utf-8"))
SCHEMA_013 = json.loads((ROOT / "schema" / "flavors" / "zenml-0.13.2.json").read_text(encoding="utf-8"))
SCHEMA_020 = json.loads((ROOT / "schema" / "flavors" / "zenml-0.20.5.json").read_text(encoding="utf-8"))


# --- helpers ------------------------------------------------------------------------


def fixture_component(relative_path: str, **overrides: Any) -> dict[str, Any]:
    """Read a genuine 0.13.2 component file and change some of its values."""
    configuration = yaml.safe_load((FIXTURES / relative_path).read_text(encoding="utf-8"))
    configuration.update(overrides)
    return configuration


def schema_component(component_type: str, flavor: str, **values: Any) -> dict[str, Any]:
    """Build a component file as ZenML 0.13.2 writes it: every field of the flavor class.

    Used for flavors that the fixtures do not cover. Fields take their 0.13.2
    defaults from schema/flavors/zenml-0.13.2.json unless given in `values`.
    """
    entry = next(f for f in SCHEMA_013["flavors"] if f["type"] == component_type and f["name"] == flavor)
    configuration: dict[str, Any] = {}
    for field in entry["fields"]:
        if field["name"] in values:
            configuration[field["name"]] = values.pop(field["name"])
        elif field["name"] == "name":
            configuration["name"] = f"my_{flavor}"
        elif field["name"] == "uuid":
            configuration["uuid"] = "0f6bd7a2-5a2c-4d4b-9d43-3c6f0e0c1a11"
        elif "default" in field:
            configuration[field["name"]] = field["default"]
        else:
            raise AssertionError(f"test gives no value for required field {field['name']}")
    assert not values, f"fields unknown to 0.13.2 {flavor}: {values}"
    return configuration


def changes_of(conversion: Conversion, kind: str) -> list[ConfigChange]:
    return [change for change in conversion.changes if change.kind == kind]


def error_fields(errors: list[Any]) -> list[str | None]:
    return sorted((e["field"] if isinstance(e, dict) else e.field) or "" for e in errors)


def all_messages(conversion: Conversion) -> list[str]:
    texts = [change.message for change in conversion.changes]
    texts += [error.message for error in conversion.errors] + [error.fix for error in conversion.errors]
    return texts


# --- one table row per conversion rule ------------------------------------------

PYTHON_IMAGE = "python:3.8-slim"  # the docker_parent_image of the multi-stack local_docker orchestrator
KUBEFLOW_EKS = {
    "kubeflow_pipelines_ui_port": 8080,
    "kubeflow_hostname": None,
    "kubeflow_namespace": "kubeflow",
    "kubernetes_context": "arn:aws:eks:eu-central-1:123456789012:cluster/ml-prod",
    "synchronous": True,
    "skip_local_validations": False,
    "skip_cluster_provisioning": False,
    "skip_ui_daemon_provisioning": False,
}
SAGEMAKER_GPU = {
    "role": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
    "instance_type": "ml.p3.2xlarge",
    "bucket": "acme-sagemaker",
    "experiment_name": "zenml-training",
}
VERTEX_GPU = {
    "service_account_path": None,
    "region": "europe-west1",
    "project": "acme-ml",
    "accelerator_type": None,
    "accelerator_count": 1,
    "machine_type": "n1-standard-8",
    "encryption_spec_key_name": None,
}
VERTEX_ORCHESTRATOR: dict[str, Any] = {
    "service_account_path": None, "project": None, "location": "europe-west1", "pipeline_root": None,
    "labels": {}, "encryption_spec_key_name": None, "workload_service_account": None, "network": None,
    "synchronous": False, "cpu_limit": None, "memory_limit": None, "node_selector_constraint": None,
    "gpu_limit": None,
}
AZUREML = {
    "subscription_id": "sub", "resource_group": "rg", "workspace_name": "ws", "compute_target_name": "gpu",
    "environment_name": None, "tenant_id": None, "service_principal_id": None,
    "service_principal_password": None,
}
AZUREML_REQUIRED = {
    "subscription_id": "sub", "resource_group": "rg", "workspace_name": "ws", "compute_target_name": "gpu",
}
KUBERNETES_ORCHESTRATOR = {
    "kubernetes_context": "gke_acme-ml_europe-west1_ml-prod", "kubernetes_namespace": "zenml",
    "synchronous": False, "skip_config_loading": False,
}
GITHUB_ORCHESTRATOR = {"skip_dirty_repository_check": False, "skip_github_repository_check": False, "push": False}
VAULT = {"url": "https://vault.acme.example", "token": "hvs.example-token", "mount_point": "zenml"}
VAULT_STORED = {"namespace": None, **VAULT, "cert": None, "verify": None}

# (rule key, legacy configuration, expected ZenML 0.20.5 configuration or None when invalid)
RULE_CASES: list[tuple[tuple[str, str, str | None, str], dict[str, Any], dict[str, Any] | None]] = [
    (("metadata_store", "*", None, "retired_type"),
     fixture_component(f"{MULTI_STACK}/metadata_stores/mysql_metadata.yaml"), None),
    (("secrets_manager", "gcp_secrets_manager", None, "renamed_flavor"),
     fixture_component(f"{MULTI_STACK}/secrets_managers/gcp_secrets.yaml"),
     {"scope": "global", "namespace": None, "project_id": "acme-ml"}),
    (("secrets_manager", "azure_key_vault", None, "renamed_flavor"),
     schema_component("secrets_manager", "azure_key_vault", key_vault_name="acme-vault", scope="global"),
     {"scope": "global", "namespace": None, "key_vault_name": "acme-vault"}),
    # docker_parent_image: the local_docker value is genuine; the others carry the same value.
    (("orchestrator", "local_docker", "docker_parent_image", "retired"),
     fixture_component(f"{MULTI_STACK}/orchestrators/local_docker.yaml"), {}),
    (("orchestrator", "kubeflow", "docker_parent_image", "retired"),
     fixture_component(f"{MULTI_STACK}/orchestrators/kubeflow_eks.yaml", docker_parent_image=PYTHON_IMAGE),
     KUBEFLOW_EKS),
    (("orchestrator", "kubernetes", "docker_parent_image", "retired"),
     schema_component("orchestrator", "kubernetes", docker_parent_image=PYTHON_IMAGE,
                      kubernetes_context="gke_acme-ml_europe-west1_ml-prod"),
     KUBERNETES_ORCHESTRATOR),
    (("orchestrator", "github", "docker_parent_image", "retired"),
     schema_component("orchestrator", "github", docker_parent_image=PYTHON_IMAGE), GITHUB_ORCHESTRATOR),
    (("orchestrator", "vertex", "docker_parent_image", "retired"),
     schema_component("orchestrator", "vertex", docker_parent_image=PYTHON_IMAGE, location="europe-west1"),
     VERTEX_ORCHESTRATOR),
    (("orchestrator", "tekton", "docker_parent_image", "retired"),
     schema_component("orchestrator", "tekton", docker_parent_image=PYTHON_IMAGE, kubernetes_context="k3d-tekton"),
     {"kubernetes_context": "k3d-tekton", "kubernetes_namespace": "zenml", "tekton_ui_port": 8080,
      "skip_ui_daemon_provisioning": False}),
    (("step_operator", "sagemaker", "docker_parent_image", "retired"),
     fixture_component(f"{MULTI_STACK}/step_operators/sagemaker_gpu.yaml", docker_parent_image=PYTHON_IMAGE),
     SAGEMAKER_GPU),
    (("step_operator", "vertex", "docker_parent_image", "retired"),
     fixture_component(f"{MULTI_STACK}/step_operators/vertex_gpu.yaml", docker_parent_image=PYTHON_IMAGE),
     VERTEX_GPU),
    (("step_operator", "azureml", "docker_parent_image", "retired"),
     schema_component("step_operator", "azureml", docker_parent_image=PYTHON_IMAGE, **AZUREML_REQUIRED), AZUREML),
    (("step_operator", "spark-kubernetes", "docker_parent_image", "retired"),
     schema_component("step_operator", "spark-kubernetes", docker_parent_image=PYTHON_IMAGE, master="k8s://https://k8s"),
     {"master": "k8s://https://k8s", "deploy_mode": "cluster", "submit_kwargs": None, "namespace": None,
      "service_account": None}),
    (("model_deployer", "seldon", "docker_parent_image", "retired"),
     fixture_component(f"{MULTI_STACK}/model_deployers/seldon_deployer.yaml", docker_parent_image=PYTHON_IMAGE),
     {"kubernetes_context": "arn:aws:eks:eu-central-1:123456789012:cluster/ml-prod",
      "kubernetes_namespace": "zenml-workloads", "base_url": "http://abc123.eu-central-1.elb.amazonaws.com",
      "secret": "seldon_s3"}),
    (("model_deployer", "kserve", "docker_parent_image", "retired"),
     schema_component("model_deployer", "kserve", docker_parent_image=PYTHON_IMAGE, base_url="https://kserve.acme"),
     {"kubernetes_context": None, "kubernetes_namespace": None, "base_url": "https://kserve.acme", "secret": None,
      "custom_domain": None}),
    (("orchestrator", "kubeflow", "custom_docker_base_image_name", "retired"),
     fixture_component(f"{MULTI_STACK}/orchestrators/kubeflow_eks.yaml", custom_docker_base_image_name=PYTHON_IMAGE),
     KUBEFLOW_EKS),
    (("orchestrator", "kubernetes", "custom_docker_base_image_name", "retired"),
     schema_component("orchestrator", "kubernetes", custom_docker_base_image_name=PYTHON_IMAGE,
                      kubernetes_context="gke_acme-ml_europe-west1_ml-prod"),
     KUBERNETES_ORCHESTRATOR),
    (("orchestrator", "github", "custom_docker_base_image_name", "retired"),
     schema_component("orchestrator", "github", custom_docker_base_image_name=PYTHON_IMAGE), GITHUB_ORCHESTRATOR),
    (("orchestrator", "vertex", "custom_docker_base_image_name", "retired"),
     schema_component("orchestrator", "vertex", custom_docker_base_image_name=PYTHON_IMAGE, location="europe-west1"),
     VERTEX_ORCHESTRATOR),
    (("step_operator", "sagemaker", "base_image", "retired"),
     fixture_component(f"{MULTI_STACK}/step_operators/sagemaker_gpu.yaml", base_image=PYTHON_IMAGE), SAGEMAKER_GPU),
    (("step_operator", "vertex", "base_image", "retired"),
     fixture_component(f"{MULTI_STACK}/step_operators/vertex_gpu.yaml", base_image=PYTHON_IMAGE), VERTEX_GPU),
    (("step_operator", "azureml", "docker_base_image", "retired"),
     schema_component("step_operator", "azureml", docker_base_image=PYTHON_IMAGE, **AZUREML_REQUIRED), AZUREML),
    (("orchestrator", "airflow", "airflow_home", "retired"),
     schema_component("orchestrator", "airflow", airflow_home="/home/user/.config/zenml/airflow_root/abc"), {}),
    (("container_registry", "github", "automatic_token_authentication", "retired"),
     fixture_component(f"{MULTI_STACK}/container_registries/ghcr.yaml"),
     {"authentication_secret": None, "uri": "ghcr.io/acme"}),
    (("secrets_manager", "local", "scope", "restricted"),
     fixture_component(f"{MULTI_STACK}/secrets_managers/local_secrets.yaml", scope="component"), None),
    (("secrets_manager", "github", "scope", "restricted"),
     schema_component("secrets_manager", "github", owner="acme", repository="ml", scope="global"), None),
    (("secrets_manager", "aws", "scope", "legacy_default"),
     {k: v for k, v in fixture_component(f"{MULTI_STACK}/secrets_managers/aws_secrets.yaml").items() if k != "scope"},
     {"scope": "none", "namespace": None, "region_name": "eu-central-1"}),
    (("secrets_manager", "gcp_secrets_manager", "scope", "legacy_default"),
     {k: v for k, v in fixture_component(f"{MULTI_STACK}/secrets_managers/gcp_secrets.yaml").items() if k != "scope"},
     {"scope": "none", "namespace": None, "project_id": "acme-ml"}),
    (("secrets_manager", "azure_key_vault", "scope", "legacy_default"),
     {k: v for k, v in schema_component("secrets_manager", "azure_key_vault", key_vault_name="kv").items()
      if k != "scope"},
     {"scope": "none", "namespace": None, "key_vault_name": "kv"}),
    (("secrets_manager", "vault", "scope", "legacy_default"),
     {k: v for k, v in schema_component("secrets_manager", "vault", **VAULT).items() if k != "scope"},
     {"scope": "none", **VAULT_STORED}),
    (("secrets_manager", "aws", "scope", "deprecated_value"),
     fixture_component(f"{MULTI_STACK}/secrets_managers/aws_secrets.yaml", scope="none"),
     {"scope": "none", "namespace": None, "region_name": "eu-central-1"}),
    (("secrets_manager", "gcp_secrets_manager", "scope", "deprecated_value"),
     fixture_component(f"{MULTI_STACK}/secrets_managers/gcp_secrets.yaml", scope="none"),
     {"scope": "none", "namespace": None, "project_id": "acme-ml"}),
    (("secrets_manager", "azure_key_vault", "scope", "deprecated_value"),
     schema_component("secrets_manager", "azure_key_vault", key_vault_name="kv", scope="none"),
     {"scope": "none", "namespace": None, "key_vault_name": "kv"}),
    (("secrets_manager", "vault", "scope", "deprecated_value"),
     schema_component("secrets_manager", "vault", scope="none", **VAULT),
     {"scope": "none", **VAULT_STORED}),
]


def rule_key(rule: Any) -> tuple[str, str, str | None, str]:
    return (rule.type, rule.flavor, rule.field, rule.kind)


def test_rule_table_covers_every_rule() -> None:
    table_keys = [key for key, _, _ in RULE_CASES]
    assert len(table_keys) == len(set(table_keys))
    assert set(table_keys) == {rule_key(rule) for rule in load_rules().rules}


@pytest.mark.parametrize(
    ("key", "legacy", "expected"), RULE_CASES, ids=["/".join(str(p) for p in key) for key, _, _ in RULE_CASES]
)
def test_conversion_rule(key: tuple[str, str, str | None, str], legacy: dict[str, Any],
                         expected: dict[str, Any] | None) -> None:
    component_type, flavor, field, kind = key
    legacy_flavor = flavor if flavor != "*" else "mysql"
    before = copy.deepcopy(legacy)
    result = convert_configuration(component_type, legacy_flavor, legacy)
    assert legacy == before

    if kind == "retired_type":
        assert not result.valid
        assert not result.builtin
        assert [error.field for error in result.errors] == [None]
        assert "metadata store" in result.errors[0].message
        return
    if kind == "restricted":
        assert not result.valid
        assert result.builtin
        assert [error.field for error in result.errors] == [field]
        assert result.errors[0].value == legacy[str(field)]
        assert result.errors[0].fix.startswith("Set scope to none.")
        return

    assert result.errors == []
    assert result.valid
    assert result.configuration == expected
    assert list(result.configuration) == list(expected or {})
    if kind == "renamed_flavor":
        renames = changes_of(result, "renamed_flavor")
        assert [(c.old_value, c.new_value) for c in renames] == [(flavor, result.flavor)]
        assert not flavor_exists(component_type, flavor)
        assert flavor_exists(component_type, result.flavor)
    elif kind == "retired":
        retired = [c for c in changes_of(result, "retired") if c.field == field]
        assert len(retired) == 1
        assert retired[0].old_value == legacy[str(field)]
        assert field not in result.configuration
    elif kind == "legacy_default":
        assert field not in legacy
        defaulted = [c for c in changes_of(result, "defaulted") if c.field == field]
        assert [c.new_value for c in defaulted] == ["none"]
    elif kind == "deprecated_value":
        assert [c.field for c in changes_of(result, "deprecated")] == [field]


# --- the genuine fixtures against the real ZenML 0.20.5 ----------------------------


def read_fixture_legacy(source: str) -> dict[str, Any]:
    """Read a component configuration from the fixtures by its recorded source."""
    if "#zenstackcomponent/" not in source:
        return yaml.safe_load((FIXTURES / source).read_text(encoding="utf-8"))
    database, row = source.split("#zenstackcomponent/")
    component_type, name = row.split("/", 1)
    connection = sqlite3.connect(f"file:{FIXTURES / database}?mode=ro", uri=True)
    try:
        (blob,) = connection.execute(
            "SELECT configuration FROM zenstackcomponent WHERE type = ? AND name = ?", (component_type, name)
        ).fetchone()
    finally:
        connection.close()
    return yaml.safe_load(base64.b64decode(blob).decode("utf-8"))


def assert_matches_zenml(result: Conversion, expected: dict[str, Any]) -> None:
    if expected.get("type_found") is False or expected.get("type_retired"):
        assert not result.builtin
        assert not result.valid
        return
    if expected.get("flavor_found") is False:
        assert not result.builtin
        assert not result.valid
        assert [error.field for error in result.errors] == [None]
        return
    assert result.builtin
    assert result.valid == expected["valid"], [e.message for e in result.errors]
    if expected["valid"]:
        assert json.dumps(result.configuration) == expected["stored"]
    else:
        assert error_fields(result.errors) == error_fields(expected["errors"])


COMPONENTS = EXPECTED["components"]
COMPONENT_IDS = [c["source"] for c in COMPONENTS]


def test_expected_data_covers_every_fixture_component() -> None:
    files = {
        str(path.relative_to(FIXTURES))
        for path in FIXTURES.glob("*/profiles/*/**/*.yaml")
        if path.name not in ("stacks.yaml", "pipeline_runs.yaml")
    }
    recorded = {c["source"] for c in COMPONENTS if "#" not in c["source"]}
    assert recorded == files
    assert len([c for c in COMPONENTS if "#" in c["source"]]) == 17


@pytest.mark.parametrize("component", COMPONENTS, ids=COMPONENT_IDS)
def test_fixture_as_zenml_migrates_it(component: dict[str, Any]) -> None:
    legacy = read_fixture_legacy(component["source"])
    assert legacy == component["legacy"]
    result = convert_configuration(component["type"], component["flavor"], legacy, apply_rules=False)
    assert_matches_zenml(result, component["raw"])


@pytest.mark.parametrize("component", COMPONENTS, ids=COMPONENT_IDS)
def test_fixture_after_conversion_rules(component: dict[str, Any]) -> None:
    legacy = read_fixture_legacy(component["source"])
    result = convert_configuration(component["type"], component["flavor"], legacy)
    expected = component["converted"]
    if not expected.get("type_retired"):
        assert result.flavor == expected["flavor"]
        if expected.get("flavor_found") is not False:
            assert result.configuration == expected.get("configuration", expected["input"])
    assert_matches_zenml(result, expected)


def test_fixtures_invalid_in_zenml_0_20_5() -> None:
    # What the real `zenml profile migrate` 0.20.5 rejects among the genuine
    # fixtures, leaving out metadata stores (which it skips) and custom flavors.
    rejected = {
        c["source"]: error_fields(c["raw"].get("errors", [])) or "flavor not found"
        for c in COMPONENTS
        if c["type"] != "metadata_store"
        and not c["flavor"].startswith("my_")
        and c["raw"].get("valid") is not True
    }
    assert rejected == {
        "many-stacks/profiles/default/orchestrators/shared_docker.yaml": ["docker_parent_image"],
        "multi-stack/profiles/production/orchestrators/local_docker.yaml": ["docker_parent_image"],
        "multi-stack/profiles/production/container_registries/ghcr.yaml": ["automatic_token_authentication"],
        "multi-stack/profiles/production/secrets_managers/gcp_secrets.yaml": "flavor not found",
    }


# Metadata stores and components of custom flavors cannot become valid.
CONVERTIBLE = [c for c in COMPONENTS if c["type"] != "metadata_store" and not c["flavor"].startswith("my_")]


@pytest.mark.parametrize("component", CONVERTIBLE, ids=[c["source"] for c in CONVERTIBLE])
def test_conversion_fixes_what_zenml_rejects(component: dict[str, Any]) -> None:
    result = convert_configuration(component["type"], component["flavor"], read_fixture_legacy(component["source"]))
    assert result.valid
    for error in component["raw"].get("errors", []):
        assert error["field"] in {c.field for c in changes_of(result, "retired")}


def test_custom_flavor_fixture_is_not_builtin() -> None:
    legacy = read_fixture_legacy("custom-flavor/profiles/custom/orchestrators/inhouse.yaml")
    result = convert_configuration("orchestrator", "my_orchestrator", legacy)
    assert not result.builtin
    assert not result.valid
    assert result.configuration == {
        "host": "scheduler.acme.internal", "labels": [], "port": 9000, "queue": "gpu",
    }
    assert "no built-in orchestrator flavor 'my_orchestrator'" in result.errors[0].message


# --- coercion and validator probes against the real pydantic 1.10 -----------------


@pytest.mark.parametrize("probe", EXPECTED["probes"], ids=[p["label"] for p in EXPECTED["probes"]])
def test_probe_matches_zenml(probe: dict[str, Any]) -> None:
    configuration = yaml.safe_load(probe["input_yaml"])
    result = convert_configuration(probe["type"], probe["flavor"], configuration, apply_rules=False)
    assert_matches_zenml(result, probe["raw"])


def test_probe_errors_carry_value_not_message() -> None:
    result = convert_configuration("artifact_store", "s3", {"path": "s3://b", "client_kwargs": "{nope"})
    assert [e.field for e in result.errors] == ["client_kwargs"]
    assert result.errors[0].value == "{nope"
    assert "{nope" not in result.errors[0].message
    assert "{nope" not in result.errors[0].fix


# --- schema and rules consistency --------------------------------------------------


def flavors_by_key(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["type"], f["name"]): f for f in document["flavors"]}


def test_schema_020_lists_every_builtin_flavor() -> None:
    assert SCHEMA_020["zenml_version"] == "0.20.5"
    assert SCHEMA_020["unavailable"] == []
    assert len(load_catalog().flavors) == 40
    assert flavor_exists("orchestrator", "kubeflow")
    assert not flavor_exists("metadata_store", "sqlite")
    assert not flavor_exists("orchestrator", "my_orchestrator")


def test_schema_013_lists_every_builtin_flavor() -> None:
    assert SCHEMA_013["zenml_version"] == "0.13.2"
    assert SCHEMA_013["unavailable"] == []
    assert len(SCHEMA_013["flavors"]) == 44


def test_fixture_files_hold_every_013_field() -> None:
    # ZenML 0.13.2 writes every field of the flavor class, so the recorded
    # 0.13.2 fields (some read with stand-ins for missing SDKs) must match.
    old = flavors_by_key(SCHEMA_013)
    checked = 0
    for component in COMPONENTS:
        entry = old.get((component["type"], component["flavor"]))
        if entry is None:
            continue
        assert set(component["legacy"]) == {f["name"] for f in entry["fields"]}, component["source"]
        checked += 1
    assert checked == 204


def test_every_zenml_check_is_implemented() -> None:
    for spec in load_catalog().flavors.values():
        check_implemented(spec)


def test_every_013_difference_has_a_rule() -> None:
    rules = load_rules()
    old = flavors_by_key(SCHEMA_013)
    new = flavors_by_key(SCHEMA_020)
    new_types = {component_type for component_type, _ in new}
    for (component_type, flavor), entry in old.items():
        kinds = {rule.kind for rule in rules.for_component(component_type, flavor) if rule.field is None}
        if component_type not in new_types:
            assert kinds == {"retired_type"}, (component_type, flavor)
            continue
        target = flavor
        if (component_type, flavor) not in new:
            assert kinds == {"renamed_flavor"}, (component_type, flavor)
            target = next(r.target for r in rules.for_component(component_type, flavor) if r.target)
        new_fields = {f["name"]: f for f in new[(component_type, target)]["fields"]}
        for field in entry["fields"]:
            name = field["name"]
            if name in ("name", "uuid"):
                continue
            if name not in new_fields:
                field_kinds = {r.kind for r in rules.for_field(component_type, flavor, name)}
                assert field_kinds & {"retired", "renamed"}, (component_type, flavor, name)
                continue
            for key in ("type", "enum", "nullable", "required", "default", "prefixItems", "additionalProperties"):
                assert field.get(key) == new_fields[name].get(key), (component_type, flavor, name, key)


def test_every_rule_names_a_013_flavor_and_field() -> None:
    old = flavors_by_key(SCHEMA_013)
    for rule in load_rules().rules:
        if rule.flavor == "*":
            assert any(component_type == rule.type for component_type, _ in old)
            continue
        entry = old[(rule.type, rule.flavor)]
        if rule.field is not None:
            assert rule.field in {f["name"] for f in entry["fields"]}, rule


def test_schema_fields_keep_class_order() -> None:
    for entry in SCHEMA_020["flavors"]:
        assert list(entry["json_schema"]["properties"]) == [f["name"] for f in entry["fields"]]
        assert entry["json_schema"]["additionalProperties"] is False


def test_stored_configurations_match_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schemas = {(f["type"], f["name"]): f["json_schema"] for f in SCHEMA_020["flavors"]}
    checked = 0
    for component in COMPONENTS:
        converted = component["converted"]
        if converted.get("valid"):
            schema = schemas[(component["type"], converted["flavor"])]
            jsonschema.Draft202012Validator(schema).validate(converted["configuration"])
            checked += 1
    assert checked > 100


# --- behaviour beyond the recorded data --------------------------------------------


def minimal_configuration(spec: Any) -> dict[str, Any]:
    """Return plain values for the required fields of a flavor."""
    schemes = [s for s in spec.class_variables.get("SUPPORTED_SCHEMES", []) if s]
    configuration: dict[str, Any] = {}
    for field in spec.fields:
        if field.name == "path":
            configuration["path"] = f"{schemes[0]}bucket/artifacts" if schemes else "/tmp/artifacts"
        elif field.required:
            configuration[field.name] = "x"
    return configuration


# Fields whose value a root validator inspects, so a reference cannot stand in for them.
INSPECTED_BY_ROOT_VALIDATOR = {("artifact_store", "path"), ("experiment_tracker", "tracking_uri")}


def test_secret_references_pass_through_string_fields() -> None:
    reference = "{{team_secret.some_key}}"
    checked = 0
    for spec in load_catalog().flavors.values():
        if spec.type == "secrets_manager":
            continue
        for field in spec.fields:
            plain_string = field.type_schema.get("type") == "string" and "enum" not in field.type_schema
            if not plain_string or field.validators or (spec.type, field.name) in INSPECTED_BY_ROOT_VALIDATOR:
                continue
            configuration = minimal_configuration(spec)
            configuration[field.name] = reference
            result = convert_configuration(spec.type, spec.name, configuration)
            assert result.valid, (spec.type, spec.name, field.name, result.errors)
            assert result.configuration[field.name] == reference
            checked += 1
    assert checked == 73


def test_secret_reference_rejected_by_secrets_manager() -> None:
    result = convert_configuration("secrets_manager", "aws", {"region_name": "{{aws.region}}"})
    assert not result.valid
    assert [(e.field, e.value) for e in result.errors] == [("region_name", "{{aws.region}}")]


def test_unknown_component_type() -> None:
    result = convert_configuration("feature_flag", "x", {"a": 1})
    assert not result.builtin
    assert not result.valid
    assert "no stack component type 'feature_flag'" in result.errors[0].message


def test_non_string_key_is_an_error() -> None:
    configuration: dict[Any, Any] = {1: "a"}
    result = convert_configuration("orchestrator", "local", configuration)
    assert not result.valid
    assert [e.field for e in result.errors] == ["1"]


def test_identity_keys_dropped_silently() -> None:
    result = convert_configuration("orchestrator", "local", {"name": "x", "uuid": "u"})
    assert result.valid
    assert result.configuration == {}
    assert result.changes == []


def test_dropped_null_reports_stored_default() -> None:
    result = convert_configuration("orchestrator", "kubeflow", {"kubeflow_pipelines_ui_port": None})
    assert result.configuration["kubeflow_pipelines_ui_port"] == 8080
    dropped = changes_of(result, "dropped_null")
    assert [(c.field, c.new_value) for c in dropped] == [("kubeflow_pipelines_ui_port", 8080)]


def test_converted_change_reports_both_values() -> None:
    result = convert_configuration("container_registry", "default", {"uri": "localhost:5000/"})
    assert [(c.field, c.old_value, c.new_value) for c in changes_of(result, "converted")] == [
        ("uri", "localhost:5000/", "localhost:5000")
    ]


def test_apply_rules_false_keeps_legacy_flavor() -> None:
    legacy = fixture_component(f"{MULTI_STACK}/secrets_managers/gcp_secrets.yaml")
    result = convert_configuration("secrets_manager", "gcp_secrets_manager", legacy, apply_rules=False)
    assert result.flavor == "gcp_secrets_manager"
    assert not result.builtin


def test_renamed_rule_moves_value(monkeypatch: pytest.MonkeyPatch) -> None:
    # ZenML 0.20.5 renamed no field of a built-in flavor, so this rule is made up.
    rules = parse_rules({
        "from_version": "0.13.2",
        "to_version": "0.20.5",
        "rules": [{"type": "orchestrator", "flavor": "kubeflow", "field": "kubeflow_ui_port",
                   "kind": "renamed", "target": "kubeflow_pipelines_ui_port", "message": "Renamed."}],
    })
    monkeypatch.setattr(converter_module, "load_rules", lambda: rules)
    result = convert_configuration("orchestrator", "kubeflow", {"kubeflow_ui_port": "9000"})
    assert result.valid
    assert result.configuration["kubeflow_pipelines_ui_port"] == 9000
    renamed = changes_of(result, "renamed")
    assert [(c.field, c.new_field, c.old_value) for c in renamed] == [
        ("kubeflow_ui_port", "kubeflow_pipelines_ui_port", "9000")
    ]


def test_rule_file_rejects_incomplete_rule() -> None:
    with pytest.raises(ValueError, match="needs target"):
        RuleSet.model_validate({
            "from_version": "0.13.2", "to_version": "0.20.5",
            "rules": [{"type": "orchestrator", "flavor": "x", "field": "a", "kind": "renamed", "message": "m"}],
        })


def test_schema_directory_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "flavors").mkdir()
    source = ROOT / "schema"
    (tmp_path / "flavors" / "zenml-0.20.5.json").write_bytes((source / "flavors" / "zenml-0.20.5.json").read_bytes())
    (tmp_path / "conversion-rules.yaml").write_bytes((source / "conversion-rules.yaml").read_bytes())
    monkeypatch.setenv(catalog_module.SCHEMA_DIR_VARIABLE, str(tmp_path))
    assert schema_directory() == tmp_path


def test_schema_directory_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(catalog_module.SCHEMA_DIR_VARIABLE, raising=False)
    monkeypatch.setattr(catalog_module, "__file__", str(tmp_path / "a" / "b" / "catalog.py"))
    with pytest.raises(FileNotFoundError, match=catalog_module.SCHEMA_DIR_VARIABLE):
        schema_directory()


MARKER = "Zq9vMarker"
marked_text = st.text(max_size=8).map(lambda text: f"{MARKER}{text}")
marked_scalar = st.one_of(marked_text, st.integers(), st.booleans(), st.floats(allow_nan=False))
marked_value = st.recursive(
    marked_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)
    ),
    max_leaves=5,
)
FLAVOR_KEYS = sorted(load_catalog().flavors)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.sampled_from(FLAVOR_KEYS),
    data=st.data(),
)
def test_messages_never_contain_values(key: tuple[str, str], data: st.DataObject) -> None:
    spec = load_catalog().flavors[key]
    names = [f.name for f in spec.fields] + ["unknown_field", "docker_parent_image"]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    configuration = {name: data.draw(marked_value) for name in chosen}
    result = convert_configuration(spec.type, spec.name, configuration)
    for text in all_messages(result):
        assert MARKER not in text
    json.dumps(result.configuration, default=str)


def test_result_is_json_round_trip() -> None:
    legacy = fixture_component(f"{MULTI_STACK}/artifact_stores/s3_minio.yaml")
    result = convert_configuration("artifact_store", "s3", legacy)
    assert result.valid
    assert json.loads(json.dumps(result.configuration)) == result.configuration
    assert result.configuration["client_kwargs"] == {"endpoint_url": "http://minio.acme.internal:9000"}
    assert result.configuration["authentication_secret"] == "minio_creds"
