"""Re-implementations of the validators of ZenML 0.20.5's built-in config classes.

`schema/flavors/zenml-0.20.5.json` names each validator by its qualified name
in ZenML (for example `BaseContainerRegistryConfig.strip_trailing_slash`).
The tables at the end of this module map those names to functions that
behave the same way without importing ZenML. A test fails when the schema
names a validator that this module does not implement.

The functions raise:
- `FieldCheckError` where ZenML raises ValueError or TypeError inside pydantic
  (pydantic collects it as an error of the field or of the model);
- `AbortError` where ZenML raises another exception type, which escapes
  pydantic and stops validation at once;
- nothing, returning the possibly changed value, when the value passes.
"""

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migrator.convert.catalog import FlavorSpec
from migrator.convert.models import ConfigChange

SECRET_REFERENCE = re.compile(r"\{\{\S+?\.\S+\}\}")

SCOPE_NONE = "none"
SCOPE_NAMESPACE = "namespace"


def is_secret_reference(value: Any) -> bool:
    """Return whether `value` is a ZenML secret reference such as `{{secret_name.key}}`."""
    return isinstance(value, str) and SECRET_REFERENCE.fullmatch(value) is not None


class FieldCheckError(Exception):
    """A validation error that pydantic would collect, with a message and a fix."""

    def __init__(self, message: str, fix: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.field = field


class AbortError(FieldCheckError):
    """A ZenML exception that escapes pydantic, so no further check runs."""


@dataclass
class ValidationContext:
    """The flavor under validation and the list that collects the changes validators make."""

    spec: FlavorSpec
    changes: list[ConfigChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"the ZenML 0.20.5 {self.spec.name} {self.spec.type.replace('_', ' ')} flavor"


# --- field validators ---------------------------------------------------------------


def convert_json_string(context: ValidationContext, name: str, value: Any) -> Any:
    """Parse a JSON string into a mapping (S3 and Spark `*_kwargs` fields, pre=True)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise FieldCheckError(
                f"Field '{name}' is a string but not valid JSON.",
                f"Set '{name}' to a mapping, or to a string holding a JSON object.",
            ) from None
        if not isinstance(parsed, dict):
            raise FieldCheckError(
                f"Field '{name}' contains JSON that is not an object.",
                f"Set '{name}' to a mapping, or to a string holding a JSON object.",
            )
        return parsed
    if isinstance(value, dict) or value is None:
        return value
    raise FieldCheckError(
        f"Field '{name}' must be a mapping or a string holding a JSON object.",
        f"Set '{name}' to a mapping.",
    )


_REMOTE_PREFIXES = ("gs://", "hdfs://", "s3://", "az://", "abfs://")


def ensure_path_local(context: ValidationContext, name: str, value: str) -> str:
    """Reject remote URLs as the path of a local artifact store."""
    if any(value.startswith(prefix) for prefix in _REMOTE_PREFIXES):
        raise AbortError(
            f"Field '{name}' of a local artifact store starts with a remote prefix "
            f"({', '.join(_REMOTE_PREFIXES)}).",
            "Use a local directory as the path, or register the component with the "
            "artifact store flavor of that remote storage (s3, gcp or azure).",
        )
    return value


def strip_trailing_slash(context: ValidationContext, name: str, value: str) -> str:
    return value.rstrip("/")


def validate_aws_uri(context: ValidationContext, name: str, value: str) -> str:
    if "/" in value:
        raise FieldCheckError(
            f"Field '{name}' of an AWS container registry must not contain '/'.",
            "Set the registry host only, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com, "
            "without a repository path.",
        )
    return value


def ensure_valid_context_root_dir(context: ValidationContext, name: str, value: str | None) -> str | None:
    """Make the Great Expectations context root directory absolute, against the current directory.

    NOTE: ZenML 0.20.5 also rejects a directory that does not exist on the
    machine that registers the component. This check reads no files and skips
    that test, so such a configuration passes here and fails in ZenML.
    """
    if value:
        return os.path.abspath(value)
    return value


# --- root validators that run before the field checks (pre=True) ----------------


def _pop_retired(context: ValidationContext, values: dict[str, Any], name: str) -> dict[str, Any]:
    if name in values:
        old_value = values.pop(name)
        context.changes.append(ConfigChange(
            kind="retired",
            field=name,
            old_value=old_value,
            message=(
                f"Field '{name}' no longer exists in ZenML 0.20.5, which drops it. "
                "ZenML 0.20 configures Docker images per pipeline with DockerSettings(parent_image=...)."
            ),
        ))
    return values


def orchestrator_deprecations(context: ValidationContext, values: dict[str, Any]) -> dict[str, Any]:
    return _pop_retired(context, values, "custom_docker_base_image_name")


def step_operator_deprecations(context: ValidationContext, values: dict[str, Any]) -> dict[str, Any]:
    return _pop_retired(context, values, "base_image")


def scope_initializer(context: ValidationContext, values: dict[str, Any]) -> dict[str, Any]:
    """Refuse scopes on secrets managers without scoping, and give them scope none by default."""
    supports_scoping = bool(context.spec.class_variables.get("SUPPORTS_SCOPING", False))
    scope = values.get("scope")
    if scope:
        if scope != SCOPE_NONE and not supports_scoping:
            raise FieldCheckError(
                f"Field 'scope' must be none because {context.label} does not support scoping.",
                "Set scope to none.",
                field="scope",
            )
    elif not supports_scoping:
        values["scope"] = SCOPE_NONE
    # ZenML 0.20.5 also logs a deprecation warning for scope none on a
    # secrets manager that supports scoping. The converter reports that from
    # the deprecated_value rules of conversion-rules.yaml.
    return values


# --- root validators that run after the field checks ------------------------------


def ensure_artifact_store(context: ValidationContext, values: dict[str, Any]) -> dict[str, Any]:
    schemes = [str(s) for s in context.spec.class_variables.get("SUPPORTED_SCHEMES", [])]
    path = values.get("path")
    if not isinstance(path, str) or not any(path.startswith(scheme) for scheme in schemes):
        listed = ", ".join(s for s in schemes if s) or "a local path"
        fix = f"Set path to a URL that starts with {listed}."
        if is_secret_reference(path):
            fix += " ZenML checks the path before it resolves secret references, so the path cannot be one."
        raise AbortError(f"Field 'path' must start with {listed} for {context.label}.", fix, field="path")
    return values


def namespace_validator(context: ValidationContext, values: dict[str, Any]) -> dict[str, Any]:
    scope = values.get("scope")
    namespace = values.get("namespace")
    if scope == SCOPE_NAMESPACE and not namespace:
        raise FieldCheckError(
            "Field 'namespace' is required when scope is namespace.",
            "Set namespace, or choose another scope.",
            field="namespace",
        )
    hook = context.spec.validation_hooks.get("_validate_scope")
    if hook is not None:
        SCOPE_HOOKS[hook](scope, namespace)
    return values


def _is_remote_mlflow_tracking_uri(uri: str) -> bool:
    return uri.startswith(("http://", "https://")) or uri == "databricks"


def ensure_mlflow_authentication(context: ValidationContext, values: dict[str, Any]) -> dict[str, Any]:
    tracking_uri = values.get("tracking_uri")
    if not tracking_uri:
        return values
    if tracking_uri == "databricks" and not values.get("databricks_host"):
        raise FieldCheckError(
            "Field 'databricks_host' is required when tracking_uri is databricks.",
            "Set databricks_host to the host name of the Databricks workspace.",
            field="databricks_host",
        )
    if _is_remote_mlflow_tracking_uri(tracking_uri):
        basic_auth = values.get("tracking_username") and values.get("tracking_password")
        if not (basic_auth or values.get("tracking_token")):
            raise FieldCheckError(
                "A remote MLflow tracking_uri needs tracking_username and tracking_password, "
                "or tracking_token.",
                "Set tracking_username and tracking_password, or tracking_token (secret "
                "references such as {{mlflow_secret.password}} are allowed).",
            )
    return values


# --- secrets manager namespace checks (`_validate_scope` class methods) ---------


def _no_scope_check(scope: Any, namespace: str | None) -> None:
    return None


def _namespace_error(allowed: str) -> FieldCheckError:
    return FieldCheckError(
        f"Field 'namespace' must contain only {allowed}.",
        "Choose a namespace made of those characters.",
        field="namespace",
    )


def _aws_or_vault_scope_check(scope: Any, namespace: str | None) -> None:
    if namespace and not re.fullmatch(r"[a-zA-Z0-9_+=\.@\-]*", namespace):
        raise _namespace_error("letters, digits and the characters _+=.@-")


def _gcp_scope_check(scope: Any, namespace: str | None) -> None:
    if not namespace:
        return
    if not re.fullmatch(r"[a-z0-9_\-]+", namespace):
        raise _namespace_error("lowercase letters, digits, '-' and '_'")
    if len(namespace) > 63:
        raise FieldCheckError(
            "Field 'namespace' must be at most 63 characters long.",
            "Choose a shorter namespace.",
            field="namespace",
        )


def _azure_scope_check(scope: Any, namespace: str | None) -> None:
    # ZenML 0.20.5 skips the check for unscoped secrets, for backwards compatibility.
    if not namespace or scope == SCOPE_NONE:
        return
    if not re.fullmatch(r"[0-9a-zA-Z-]+", namespace):
        raise _namespace_error("letters, digits and '-'")
    if len(namespace) > 100:
        raise FieldCheckError(
            "Field 'namespace' must be at most 100 characters long.",
            "Choose a shorter namespace.",
            field="namespace",
        )


# --- tables, keyed by the qualified names recorded in the flavor schema ----------

FieldValidator = Callable[[ValidationContext, str, Any], Any]
RootValidator = Callable[[ValidationContext, dict[str, Any]], dict[str, Any]]

FIELD_VALIDATORS: dict[str, FieldValidator] = {
    "S3ArtifactStoreConfig._convert_json_string": convert_json_string,
    "SparkStepOperatorConfig._convert_json_string": convert_json_string,
    "LocalArtifactStoreConfig.ensure_path_local": ensure_path_local,
    "BaseContainerRegistryConfig.strip_trailing_slash": strip_trailing_slash,
    "AWSContainerRegistryConfig.validate_aws_uri": validate_aws_uri,
    "GreatExpectationsDataValidatorConfig._ensure_valid_context_root_dir": ensure_valid_context_root_dir,
}

ROOT_VALIDATORS: dict[str, RootValidator] = {
    "BaseOrchestratorConfig._deprecations": orchestrator_deprecations,
    "BaseStepOperatorConfig._deprecations": step_operator_deprecations,
    "BaseSecretsManagerConfig.scope_initializer": scope_initializer,
    "BaseArtifactStoreConfig._ensure_artifact_store": ensure_artifact_store,
    "BaseSecretsManagerConfig.namespace_validator": namespace_validator,
    "MLFlowExperimentTrackerConfig._ensure_authentication_if_necessary": ensure_mlflow_authentication,
}

SCOPE_HOOKS: dict[str, Callable[[Any, str | None], None]] = {
    "BaseSecretsManagerConfig._validate_scope": _no_scope_check,
    "AWSSecretsManagerConfig._validate_scope": _aws_or_vault_scope_check,
    "VaultSecretsManagerConfig._validate_scope": _aws_or_vault_scope_check,
    "GCPSecretsManagerConfig._validate_scope": _gcp_scope_check,
    "AzureSecretsManagerConfig._validate_scope": _azure_scope_check,
}

# `__init__` methods of config classes. StackComponentConfig.__init__ refuses
# secret references for fields that have validators; BaseSecretsManagerConfig.__init__
# refuses secret references in every field.
INIT_CHECKS = frozenset({"StackComponentConfig.__init__", "BaseSecretsManagerConfig.__init__"})
