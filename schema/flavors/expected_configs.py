"""Record what the real ZenML 0.20.5 stores for each legacy component configuration.

Run it with the Python interpreter of a ZenML 0.20.5 environment:

    <python> schema/flavors/expected_configs.py \
        --fixtures fixtures/real-0.13.2 \
        --rules schema/conversion-rules.yaml \
        --out tests/data/expected-0.20.5-configs.json

For every component of the genuine 0.13.2 fixtures (YAML files of local-store
profiles and rows of SQL-store ``zenml.db`` files) it runs what
``zenml profile migrate`` runs: drop ``uuid``, ``name`` and top-level null
values, look the flavor up in ``zenml.stack.flavor_registry`` and call
``flavor.config_class(**configuration).dict()``. It records the result twice:

* ``raw``: for the filtered legacy configuration, as ZenML 0.20.5 itself
  migrates it;
* ``converted``: for the configuration after the rules of
  ``conversion-rules.yaml`` (flavor renames, retired fields, legacy defaults).
  This script applies the rules with its own short implementation, so that
  the test compares two independent implementations.

It also records ``probes``: hand-written configurations that pin down how
pydantic 1.10 coerces and rejects values in ZenML's config classes.

A valid result contains ``stored``, the exact JSON text that ZenML 0.20.5 writes
into ``stackcomponentschema.configuration`` before base64 encoding. An invalid
result lists ``errors`` with the configuration key they concern (``field``,
null when several keys are involved) and ZenML's own message.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IDENTITY_KEYS = ("uuid", "name")

# Errors that ZenML 0.20.5 raises outside pydantic's per-field errors, mapped
# to the configuration key they concern. The key is a prefix of the message.
ROOT_ERROR_FIELDS: list[tuple[str, str | None]] = [
    ("This Secrets Manager does not support scoping", "scope"),
    ("A `namespace` value is required for a namespace scoped", "namespace"),
    ("Invalid secret name or namespace", "namespace"),
    ("The path '", "path"),
    ("The path: '", "path"),
    ("MLflow experiment tracking with a Databricks", "databricks_host"),
    ("MLflow experiment tracking with a remote backend", None),
]
SECRET_REFERENCE_ERRORS = [
    re.compile(r"Passing the stack component attribute `([^`]+)` as a secret reference"),
    re.compile(r"Please specify the real value for the attribute (.+)\.$"),
]

# Hand-written configurations for coercion and validator behaviour. Each is
# (label, component type, flavor, configuration as YAML text).
PROBES: list[tuple[str, str, str, str]] = [
    ("int from string", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: '8081'"),
    ("int from padded string", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: ' 8081 '"),
    ("int from underscored string", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: '8_081'"),
    ("int from float", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: 8081.9"),
    ("int from bool", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: true"),
    ("int from decimal string", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: '8081.5'"),
    ("int from word", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: eighty"),
    ("int from hex string", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: '0x1f90'"),
    ("int from list", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: [8080]"),
    ("int from secret reference", "orchestrator", "kubeflow", "kubeflow_pipelines_ui_port: '{{k.port}}'"),
    ("bool from yes", "orchestrator", "kubeflow", "synchronous: 'yes'"),
    ("bool from Y", "orchestrator", "kubeflow", "synchronous: 'Y'"),
    ("bool from off", "orchestrator", "kubeflow", "synchronous: 'off'"),
    ("bool from TRUE", "orchestrator", "kubeflow", "synchronous: 'TRUE'"),
    ("bool from 1", "orchestrator", "kubeflow", "synchronous: 1"),
    ("bool from 0.0", "orchestrator", "kubeflow", "synchronous: 0.0"),
    ("bool from 2", "orchestrator", "kubeflow", "synchronous: 2"),
    ("bool from empty string", "orchestrator", "kubeflow", "synchronous: ''"),
    ("bool from word", "orchestrator", "kubeflow", "synchronous: maybe"),
    ("str from int", "orchestrator", "kubeflow", "kubernetes_context: 5"),
    ("str from float", "orchestrator", "kubeflow", "kubernetes_context: 1.5"),
    ("str from bool", "orchestrator", "kubeflow", "kubernetes_context: true"),
    ("str from date", "orchestrator", "kubeflow", "kubernetes_context: 2020-01-01"),
    ("str from list", "orchestrator", "kubeflow", "kubernetes_context: [a]"),
    ("str from mapping", "orchestrator", "kubeflow", "kubernetes_context: {a: 1}"),
    ("str keeps secret reference", "orchestrator", "kubeflow", "kubernetes_context: '{{k8s.context}}'"),
    ("new field defaulted", "orchestrator", "kubeflow", "kubeflow_hostname: https://kf.example"),
    ("extra field", "orchestrator", "local", "no_such_field: 42"),
    ("two extra fields", "orchestrator", "kubeflow", "a: 1\nb: 2"),
    ("required missing", "step_operator", "sagemaker", "bucket: b"),
    ("sagemaker base_image popped", "step_operator", "sagemaker",
     "role: r\ninstance_type: t\nbase_image: img:1"),
    ("kubeflow custom image popped", "orchestrator", "kubeflow", "custom_docker_base_image_name: img:1"),
    ("docker_parent_image rejected", "orchestrator", "local_docker", "docker_parent_image: python:3.8-slim"),
    ("dict from json string", "artifact_store", "s3",
     "path: s3://b\nclient_kwargs: '{\"endpoint_url\": \"http://m:9000\"}'"),
    ("dict from json list", "artifact_store", "s3", "path: s3://b\nclient_kwargs: '[1, 2]'"),
    ("dict from bad json", "artifact_store", "s3", "path: s3://b\nclient_kwargs: '{nope'"),
    ("dict from int", "artifact_store", "s3", "path: s3://b\nclient_kwargs: 5"),
    ("dict from pairs", "artifact_store", "s3", "path: s3://b\nclient_kwargs: [[a, 1]]"),
    ("dict int keys", "artifact_store", "s3", "path: s3://b\nconfig_kwargs: {1: x, 2.5: y}"),
    ("dict secret reference", "artifact_store", "s3", "path: s3://b\nclient_kwargs: '{{s3.kwargs}}'"),
    ("sensitive secret reference", "artifact_store", "s3", "path: s3://b\nkey: '{{s3.key}}'\nsecret: '{{s3.secret}}'"),
    ("s3 wrong scheme", "artifact_store", "s3", "path: gs://bucket"),
    ("s3 path secret reference", "artifact_store", "s3", "path: '{{s3.path}}'"),
    ("gcp path ok", "artifact_store", "gcp", "path: gs://bucket/x"),
    ("local remote path", "artifact_store", "local", "path: s3://bucket"),
    ("local relative path", "artifact_store", "local", "path: relative/dir"),
    ("local path secret reference", "artifact_store", "local", "path: '{{p.path}}'"),
    ("registry trailing slash", "container_registry", "default", "uri: localhost:5000//"),
    ("registry uri int", "container_registry", "default", "uri: 5000"),
    ("registry uri secret reference", "container_registry", "default", "uri: '{{r.uri}}'"),
    ("registry auth secret", "container_registry", "gcp", "uri: eu.gcr.io/p\nauthentication_secret: gcr"),
    ("aws registry slash", "container_registry", "aws", "uri: 1.dkr.ecr.us-east-1.amazonaws.com/repo"),
    ("aws registry trailing slash", "container_registry", "aws", "uri: 1.dkr.ecr.us-east-1.amazonaws.com/"),
    ("github registry token flag", "container_registry", "github",
     "uri: ghcr.io/acme\nautomatic_token_authentication: true"),
    ("local sm no scope", "secrets_manager", "local", "secrets_file: /s.yaml"),
    ("local sm component scope", "secrets_manager", "local", "scope: component"),
    ("local sm none scope", "secrets_manager", "local", "scope: none\nnamespace: ns"),
    ("aws sm no scope", "secrets_manager", "aws", "region_name: eu-west-1"),
    ("aws sm none scope", "secrets_manager", "aws", "region_name: eu-west-1\nscope: none"),
    ("aws sm bad scope", "secrets_manager", "aws", "region_name: eu-west-1\nscope: NONE"),
    ("aws sm namespace missing", "secrets_manager", "aws", "region_name: eu-west-1\nscope: namespace"),
    ("aws sm bad namespace", "secrets_manager", "aws", "region_name: r\nscope: namespace\nnamespace: a/b"),
    ("aws sm secret reference", "secrets_manager", "aws", "region_name: '{{aws.region}}'"),
    ("aws sm region int", "secrets_manager", "aws", "region_name: 5\nscope: global"),
    ("gcp sm upper namespace", "secrets_manager", "gcp", "project_id: p\nscope: namespace\nnamespace: Team"),
    ("gcp sm long namespace", "secrets_manager", "gcp", "project_id: p\nscope: global\nnamespace: " + "a" * 64),
    ("gcp sm empty namespace", "secrets_manager", "gcp", "project_id: p\nscope: global\nnamespace: ''"),
    ("azure sm unscoped namespace", "secrets_manager", "azure", "key_vault_name: v\nscope: none\nnamespace: a_b"),
    ("azure sm scoped namespace", "secrets_manager", "azure", "key_vault_name: v\nscope: global\nnamespace: a_b"),
    ("vault sm ok", "secrets_manager", "vault",
     "url: http://v:8200\ntoken: t\nmount_point: m\nscope: namespace\nnamespace: a.b@c"),
    ("github sm global scope", "secrets_manager", "github", "owner: o\nrepository: r\nscope: global"),
    ("mlflow remote without credentials", "experiment_tracker", "mlflow", "tracking_uri: https://m.example"),
    ("mlflow remote with username only", "experiment_tracker", "mlflow",
     "tracking_uri: http://m.example\ntracking_username: u"),
    ("mlflow remote with token", "experiment_tracker", "mlflow", "tracking_uri: https://m.example\ntracking_token: t"),
    ("mlflow databricks without host", "experiment_tracker", "mlflow", "tracking_uri: databricks\ntracking_token: t"),
    ("mlflow databricks with host", "experiment_tracker", "mlflow",
     "tracking_uri: databricks\ntracking_token: t\ndatabricks_host: h"),
    ("mlflow local uri", "experiment_tracker", "mlflow", "tracking_uri: file:/tmp/mlruns"),
    ("mlflow field error skips auth check", "experiment_tracker", "mlflow",
     "tracking_uri: https://m.example\ntracking_insecure_tls: maybe"),
    ("vertex tuple from list", "orchestrator", "vertex", "location: l\nnode_selector_constraint: [a, 1]"),
    ("vertex tuple wrong length", "orchestrator", "vertex", "location: l\nnode_selector_constraint: [a]"),
    ("vertex tuple from string", "orchestrator", "vertex", "location: l\nnode_selector_constraint: ab"),
    ("vertex labels coerced", "orchestrator", "vertex", "location: l\nlabels: {a: 1, b: true}"),
    ("vertex labels null value", "orchestrator", "vertex", "location: l\nlabels: {a: null}"),
    ("vertex labels from pairs", "orchestrator", "vertex", "location: l\nlabels: [[a, b]]"),
    ("vertex labels from list", "orchestrator", "vertex", "location: l\nlabels: [a]"),
    ("vertex gpu limit", "orchestrator", "vertex", "location: l\ngpu_limit: '2'"),
    ("vertex step accelerator count", "step_operator", "vertex", "region: r\naccelerator_count: true\nmachine_type: 5"),
    ("spark submit kwargs json", "step_operator", "spark-kubernetes", "master: k8s://x\nsubmit_kwargs: '{\"a\": 1}'"),
    ("feast port", "feature_store", "feast", "feast_repo: /r\nonline_port: '6380'"),
    ("ge no context dir", "data_validator", "great_expectations", "configure_zenml_stores: 'true'"),
    ("ge context config", "data_validator", "great_expectations", "context_config: {a: {b: 1}}"),
    ("label studio port", "annotator", "label_studio", "port: '9000'\nauthentication_secret: ls"),
    ("wandb missing key", "experiment_tracker", "wandb", "entity: e"),
    ("slack token reference", "alerter", "slack", "slack_token: '{{slack.token}}'"),
    ("airflow home", "orchestrator", "airflow", "airflow_home: /tmp/airflow"),
    ("unknown flavor", "orchestrator", "no_such_flavor", "a: 1"),
]


def prepare_environment() -> None:
    os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
    os.environ.setdefault("ZENML_CONFIG_PATH", tempfile.mkdtemp(prefix="zenml-config-"))
    os.environ.setdefault("ZENML_REPOSITORY_PATH", tempfile.mkdtemp(prefix="zenml-repo-"))


def filter_legacy(configuration: dict[str, Any]) -> dict[str, Any]:
    """Drop what ``zenml profile migrate`` drops before validation."""
    return {
        key: value
        for key, value in configuration.items()
        if key not in IDENTITY_KEYS and value is not None
    }


def field_of_exception(error: Exception) -> str | None:
    message = str(error)
    for pattern in SECRET_REFERENCE_ERRORS:
        match = pattern.search(message)
        if match:
            return match.group(1)
    for prefix, field in ROOT_ERROR_FIELDS:
        if message.startswith(prefix):
            return field
    raise RuntimeError(f"no field mapping for ZenML error: {type(error).__name__}: {message}")


def validate(component_type: str, flavor: str, configuration: dict[str, Any]) -> dict[str, Any]:
    """Run ZenML 0.20.5's own validation and return a JSON-ready result."""
    import pydantic
    from zenml.enums import StackComponentType
    from zenml.stack import Flavor
    from zenml.stack.flavor_registry import flavor_registry

    try:
        enum_type = StackComponentType(component_type)
    except ValueError:
        return {"type_found": False}
    try:
        flavor_model = flavor_registry.get_flavor_by_name_and_type(flavor, enum_type)
    except KeyError:
        return {"type_found": True, "flavor_found": False}
    config_class = Flavor.from_model(flavor_model).config_class
    result: dict[str, Any] = {"type_found": True, "flavor_found": True}
    try:
        config = config_class(**configuration)
    except pydantic.ValidationError as error:
        result["valid"] = False
        errors = []
        for item in error.errors():
            location = item["loc"][0] if item["loc"] else "__root__"
            field: str | None = str(location)
            if field == "__root__":
                field = field_of_exception(ValueError(item["msg"]))
            errors.append({"field": field, "message": item["msg"], "pydantic_type": item["type"]})
        result["errors"] = errors
        return result
    except Exception as error:  # noqa: BLE001 - ZenML raises these outside pydantic
        result["valid"] = False
        result["errors"] = [{
            "field": field_of_exception(error),
            "message": str(error),
            "exception": type(error).__name__,
        }]
        return result
    stored = json.dumps(config.dict())
    result["valid"] = True
    result["stored"] = stored
    result["configuration"] = json.loads(stored)
    return result


# --- the conversion rules, applied independently of migrator.convert -----------


def load_rules(path: Path) -> list[dict[str, Any]]:
    import yaml

    with path.open(encoding="utf-8") as stream:
        return list(yaml.safe_load(stream)["rules"])


def apply_rules(
    rules: list[dict[str, Any]], component_type: str, flavor: str, configuration: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """Return the 0.20.5 flavor name (None for a retired type) and the converted configuration."""
    matching = [
        r for r in rules if r["type"] == component_type and r["flavor"] in (flavor, "*")
    ]
    if any(r["kind"] == "retired_type" for r in matching):
        return None, dict(configuration)
    converted = dict(configuration)
    new_flavor = flavor
    for rule in matching:
        kind = rule["kind"]
        field = rule.get("field")
        if kind == "renamed_flavor":
            new_flavor = rule["target"]
        elif kind == "retired":
            converted.pop(field, None)
        elif kind == "renamed" and field in converted:
            converted[rule["target"]] = converted.pop(field)
        elif kind == "legacy_default" and field not in converted:
            converted[field] = rule["value"]
    return new_flavor, converted


# --- fixtures ------------------------------------------------------------------------


def plural(component_type: str) -> str:
    return "container_registries" if component_type == "container_registry" else f"{component_type}s"


def local_store_components(fixtures: Path) -> list[dict[str, Any]]:
    import yaml

    components = []
    for stacks_file in sorted(fixtures.glob("*/profiles/*/stacks.yaml")):
        profile_dir = stacks_file.parent
        stacks = yaml.safe_load(stacks_file.read_text(encoding="utf-8")) or {}
        for component_type, by_name in sorted((stacks.get("stack_components") or {}).items()):
            for name, flavor in sorted(by_name.items()):
                path = profile_dir / plural(component_type) / f"{name}.yaml"
                components.append({
                    "source": str(path.relative_to(fixtures)),
                    "type": component_type,
                    "name": name,
                    "flavor": flavor,
                    "legacy": yaml.safe_load(path.read_text(encoding="utf-8")),
                })
    return components


def sql_store_components(fixtures: Path) -> list[dict[str, Any]]:
    import yaml

    components = []
    for database in sorted(fixtures.glob("*/profiles/*/zenml.db")):
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT type, name, flavor, configuration FROM zenstackcomponent "
                "ORDER BY type, name"
            ).fetchall()
        finally:
            connection.close()
        for component_type, name, flavor, blob in rows:
            components.append({
                "source": f"{database.relative_to(fixtures)}#zenstackcomponent/{component_type}/{name}",
                "type": component_type,
                "name": name,
                "flavor": flavor,
                "legacy": yaml.safe_load(base64.b64decode(blob).decode("utf-8")),
            })
    return components


def skip_reason(component: dict[str, Any]) -> str | None:
    """Return why ``zenml profile migrate`` 0.20.5 never validates this component."""
    if component["type"] == "metadata_store":
        return "zenml profile migrate skips every metadata_store component"
    if component["name"] == "default" and component["type"] in ("artifact_store", "orchestrator"):
        return "zenml profile migrate uses the target store's default component instead"
    return None


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", required=True, type=Path, help="directory of the 0.13.2 fixture cases")
    parser.add_argument("--rules", required=True, type=Path, help="conversion-rules.yaml")
    parser.add_argument("--out", required=True, type=Path, help="JSON file to write")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    prepare_environment()

    import yaml
    import zenml

    if zenml.__version__ != "0.20.5":
        print(f"error: this interpreter has zenml {zenml.__version__}, expected 0.20.5", file=sys.stderr)
        return 2

    rules = load_rules(arguments.rules)
    components = local_store_components(arguments.fixtures) + sql_store_components(arguments.fixtures)
    for component in components:
        filtered = filter_legacy(component["legacy"])
        component["raw"] = validate(component["type"], component["flavor"], filtered)
        new_flavor, converted = apply_rules(rules, component["type"], component["flavor"], filtered)
        if new_flavor is None:
            component["converted"] = {"type_retired": True}
        else:
            component["converted"] = {"flavor": new_flavor, "input": converted}
            component["converted"].update(validate(component["type"], new_flavor, converted))
        reason = skip_reason(component)
        if reason:
            component["skipped_by_zenml_migrate"] = reason

    probes = []
    for label, component_type, flavor, text in PROBES:
        configuration = yaml.safe_load(text)
        probes.append({
            "label": label,
            "type": component_type,
            "flavor": flavor,
            "input_yaml": text,
            "raw": validate(component_type, flavor, filter_legacy(configuration)),
        })

    output = {
        "zenml_version": zenml.__version__,
        "components": components,
        "probes": probes,
    }
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    with arguments.out.open("w", encoding="utf-8") as stream:
        json.dump(output, stream, indent=1, ensure_ascii=False, default=str)
        stream.write("\n")
    invalid = [c for c in components if c["raw"].get("valid") is False]
    print(
        f"wrote {arguments.out}: {len(components)} components "
        f"({len(invalid)} invalid as 0.20.5 migrates them), {len(probes)} probes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
