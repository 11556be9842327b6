"""Load the flavor schemas and conversion rules shipped in the repository's schema/ directory.

`schema/flavors/zenml-0.20.5.json` is written by `schema/flavors/generate.py`
from the real ZenML 0.20.5, and `schema/conversion-rules.yaml` is maintained
by hand. Both are read once per process and cached.
"""

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

# Overrides the schema directory, for installs that do not keep the repository layout.
SCHEMA_DIR_VARIABLE = "ZENML_MIGRATE_SCHEMA_DIR"
TARGET_VERSION = "0.20.5"
FLAVORS_FILE = f"flavors/zenml-{TARGET_VERSION}.json"
RULES_FILE = "conversion-rules.yaml"

# Keys of a field entry in the flavor JSON that describe its JSON type.
_TYPE_KEYS = (
    "type", "enum", "items", "prefixItems", "minItems", "maxItems",
    "propertyNames", "additionalProperties", "anyOf", "uniqueItems", "nullable",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ValidatorRef(_Frozen):
    """A pydantic 1 validator of a ZenML config class, named by its qualified name."""

    name: str
    pre: bool = False
    skip_on_failure: bool = False


class FieldSpec(_Frozen):
    """One field of a ZenML 0.20.5 config class."""

    name: str
    type_schema: dict[str, Any]
    nullable: bool
    required: bool
    has_default: bool
    default: Any = None
    sensitive: bool = False
    validators: tuple[ValidatorRef, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _split_type_schema(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "type_schema" in data:
            return data
        result = dict(data)
        result["type_schema"] = {key: data[key] for key in _TYPE_KEYS if key in data and key != "nullable"}
        result["has_default"] = "default" in data
        return result


class FlavorSpec(_Frozen):
    """A ZenML 0.20.5 built-in flavor and the config class that validates its components."""

    type: str
    name: str
    integration: str | None
    config_class: str
    extra: str | None
    class_variables: dict[str, Any] = Field(default_factory=dict)
    init_checks: tuple[str, ...] = ()
    validation_hooks: dict[str, str] = Field(default_factory=dict)
    root_validators: tuple[ValidatorRef, ...] = ()
    fields: tuple[FieldSpec, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def field(self, name: str) -> FieldSpec | None:
        for field in self.fields:
            if field.name == name:
                return field
        return None


class FlavorCatalog(_Frozen):
    """Every ZenML 0.20.5 built-in flavor, keyed by (component type, flavor name)."""

    zenml_version: str
    flavors: dict[tuple[str, str], FlavorSpec]

    @property
    def component_types(self) -> frozenset[str]:
        return frozenset(component_type for component_type, _ in self.flavors)

    def get(self, component_type: str, flavor: str) -> FlavorSpec | None:
        return self.flavors.get((component_type, flavor))


RuleKind = Literal[
    "retired_type", "renamed_flavor", "renamed", "retired",
    "legacy_default", "deprecated_value", "restricted",
]

# Keys each rule kind needs besides type, flavor, field, kind and message.
_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "retired_type": ("replacement", "fix"),
    "renamed_flavor": ("target",),
    "renamed": ("target",),
    "retired": ("replacement",),
    "legacy_default": ("value",),
    "deprecated_value": ("value",),
    "restricted": ("allowed", "fix"),
}


class ConversionRule(_Frozen):
    """One entry of conversion-rules.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    flavor: str
    field: str | None
    kind: RuleKind
    message: str
    target: str | None = None
    replacement: str | None = None
    value: Any = None
    allowed: tuple[Any, ...] | None = None
    fix: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _check_kind_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        kind = data.get("kind")
        missing = [key for key in _REQUIRED_KEYS.get(str(kind), ()) if key not in data]
        if missing:
            raise ValueError(f"a {kind} rule needs {', '.join(missing)}")
        needs_field = kind not in ("retired_type", "renamed_flavor")
        if needs_field != (data.get("field") is not None):
            raise ValueError(f"a {kind} rule {'needs' if needs_field else 'takes no'} field")
        return data

    def applies_to(self, component_type: str, flavor: str) -> bool:
        return self.type == component_type and self.flavor in (flavor, "*")


class RuleSet(_Frozen):
    """The conversion rules from one ZenML release to another."""

    from_version: str
    to_version: str
    rules: tuple[ConversionRule, ...]
    _by_component: dict[tuple[str, str], tuple[ConversionRule, ...]] = PrivateAttr(default_factory=dict)

    def for_component(self, component_type: str, flavor: str) -> list[ConversionRule]:
        key = (component_type, flavor)
        if key not in self._by_component:  # a profile has few (type, flavor) pairs and many components
            self._by_component[key] = tuple(rule for rule in self.rules if rule.applies_to(component_type, flavor))
        return list(self._by_component[key])

    def for_field(self, component_type: str, flavor: str, field: str) -> list[ConversionRule]:
        return [rule for rule in self.for_component(component_type, flavor) if rule.field == field]


def schema_directory() -> Path:
    """Return the directory that contains flavors/ and conversion-rules.yaml.

    Raises:
        FileNotFoundError: if neither $ZENML_MIGRATE_SCHEMA_DIR nor the
            repository's schema/ directory contains the data files.
    """
    candidates: list[Path] = []
    configured = os.environ.get(SCHEMA_DIR_VARIABLE)
    if configured:
        candidates.append(Path(configured))
    # In a source checkout or an editable install, schema/ sits next to the
    # migrator package at the repository root.
    candidates.append(Path(__file__).resolve().parents[2] / "schema")
    for candidate in candidates:
        if (candidate / FLAVORS_FILE).is_file() and (candidate / RULES_FILE).is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"ZenML flavor schemas not found (tried {tried}). Run zenml-migrate from a "
        f"checkout of its repository, or set {SCHEMA_DIR_VARIABLE} to its schema/ directory."
    )


def parse_catalog(document: dict[str, Any]) -> FlavorCatalog:
    flavors = {}
    for entry in document["flavors"]:
        spec = FlavorSpec.model_validate(entry)
        flavors[(spec.type, spec.name)] = spec
    return FlavorCatalog(zenml_version=document["zenml_version"], flavors=flavors)


def parse_rules(document: dict[str, Any]) -> RuleSet:
    return RuleSet.model_validate(document)


@lru_cache(maxsize=1)
def load_catalog() -> FlavorCatalog:
    """Return the ZenML 0.20.5 flavor catalog, reading it on first use."""
    path = schema_directory() / FLAVORS_FILE
    with path.open(encoding="utf-8") as stream:
        return parse_catalog(json.load(stream))


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    """Return the 0.13.2 to 0.20.5 conversion rules, reading them on first use."""
    path = schema_directory() / RULES_FILE
    with path.open(encoding="utf-8") as stream:
        return parse_rules(yaml.safe_load(stream))
