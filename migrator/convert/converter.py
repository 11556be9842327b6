"""Convert a ZenML 0.13 stack component configuration to what ZenML 0.20.5 stores."""

import copy
import json
from typing import Any

from migrator.convert.catalog import ConversionRule, FlavorCatalog, FlavorSpec, load_catalog, load_rules
from migrator.convert.models import ConfigChange, ConfigError, Conversion
from migrator.convert.validation import validate
from migrator.convert.zenml_validators import ValidationContext

# Component identity attributes that legacy files store next to the
# configuration. `zenml profile migrate` 0.20.5 removes them before validation,
# and so does the converter, without reporting a change.
IDENTITY_KEYS = ("name", "uuid")


def flavor_exists(component_type: str, flavor: str) -> bool:
    """Return whether `flavor` is a ZenML 0.20.5 built-in flavor of `component_type`.

    Legacy flavor names that 0.20.5 renamed (such as the secrets manager
    `gcp_secrets_manager`) do not exist; `convert_configuration` renames them.
    """
    return load_catalog().get(component_type, flavor) is not None


def convert_configuration(
    component_type: str,
    flavor: str,
    configuration: dict[str, Any],
    *,
    apply_rules: bool = True,
) -> Conversion:
    """Convert and validate a legacy configuration for a ZenML 0.20.5 flavor.

    First `name`, `uuid` and null values are dropped, as `zenml profile
    migrate` 0.20.5 does. Then, unless `apply_rules` is False, the rules of
    conversion-rules.yaml rename flavors, drop retired fields and set legacy
    defaults. Last, the values are validated as ZenML 0.20.5's config class
    validates them, and defaults are filled in.
    With `apply_rules=False` the result predicts what the real `zenml profile
    migrate` 0.20.5 does with the same input.

    Secret references such as `{{secret_name.key}}` pass through unchanged in
    string fields. `configuration` is not modified. No file is read after the
    first call, which loads the flavor schemas and rules.
    """
    catalog = load_catalog()
    rules = load_rules().for_component(component_type, flavor)
    changes: list[ConfigChange] = []
    errors: list[ConfigError] = []

    values, dropped_nulls = _drop_identity_and_nulls(configuration, errors)

    retired_type = next((rule for rule in rules if rule.kind == "retired_type"), None)
    if retired_type is not None:
        errors.append(ConfigError(field=None, message=retired_type.message, fix=retired_type.fix or ""))
        return Conversion(
            configuration=values, flavor=flavor, builtin=False, valid=False,
            changes=_dropped_null_changes(dropped_nulls, None), errors=errors,
        )

    target_flavor = flavor
    if apply_rules:
        target_flavor = _apply_flavor_rules(rules, flavor, changes)
    spec = catalog.get(component_type, target_flavor)
    changes += _dropped_null_changes(dropped_nulls, spec)
    if apply_rules:
        _apply_field_rules(rules, values, changes)

    if spec is None:
        errors.append(_unknown_flavor_error(catalog, component_type, target_flavor))
        return Conversion(
            configuration=values, flavor=target_flavor, builtin=False, valid=False,
            changes=changes, errors=errors,
        )
    if errors:
        return Conversion(
            configuration=values, flavor=target_flavor, builtin=True, valid=False,
            changes=changes, errors=errors,
        )

    field_rules = rules + load_rules().for_component(component_type, target_flavor)
    return _validate_converted(spec, values, changes, field_rules, apply_rules)


def _validate_converted(
    spec: FlavorSpec,
    values: dict[str, Any],
    changes: list[ConfigChange],
    rules: list[ConversionRule],
    apply_rules: bool,
) -> Conversion:
    """Validate converted values against a built-in flavor and report what validation changed."""
    context = ValidationContext(spec=spec)
    result = validate(context, values)
    if result.values is None:
        return Conversion(
            configuration=values, flavor=spec.name, builtin=True, valid=False,
            changes=changes + context.changes,
            errors=[_with_rule_fix(error, rules) for error in result.errors],
        )

    stored, json_errors = _as_stored_json(result.values)
    if json_errors:
        return Conversion(
            configuration=values, flavor=spec.name, builtin=True, valid=False,
            changes=changes + context.changes, errors=json_errors,
        )

    changes = [
        change.model_copy(update={"new_value": stored[change.field]})
        if change.kind == "dropped_null" and change.field in stored
        else change
        for change in changes
    ]
    changes += context.changes
    changes += _validation_changes(values, stored, changes)
    if apply_rules:
        changes += _deprecation_notes(rules, stored)
    return Conversion(
        configuration=stored, flavor=spec.name, builtin=True, valid=True, changes=changes, errors=[],
    )


def _drop_identity_and_nulls(
    configuration: dict[str, Any], errors: list[ConfigError]
) -> tuple[dict[str, Any], list[str]]:
    """Return a copy without identity keys and null values, and the keys whose value was null."""
    values: dict[str, Any] = {}
    dropped_nulls: list[str] = []
    for key, value in configuration.items():
        if not isinstance(key, str):
            errors.append(ConfigError(
                field=str(key),
                message="A configuration key is not a string.",
                fix="Quote the key in the component file so that YAML reads it as a string.",
            ))
            continue
        if key in IDENTITY_KEYS:
            continue
        if value is None:
            dropped_nulls.append(key)
            continue
        values[key] = copy.deepcopy(value)
    return values, dropped_nulls


def _dropped_null_changes(keys: list[str], spec: FlavorSpec | None) -> list[ConfigChange]:
    changes = []
    for key in keys:
        if spec is not None and spec.field(key) is None:
            message = f"Field '{key}' is null and was dropped; ZenML 0.20.5 has no such field."
        else:
            message = f"Field '{key}' is null; ZenML 0.20 drops null values, so the field gets its default."
        changes.append(ConfigChange(kind="dropped_null", field=key, message=message))
    return changes


def _apply_flavor_rules(rules: list[ConversionRule], flavor: str, changes: list[ConfigChange]) -> str:
    target_flavor = flavor
    for rule in rules:
        if rule.kind == "renamed_flavor" and rule.target:
            target_flavor = rule.target
            changes.append(ConfigChange(
                kind="renamed_flavor", field="flavor", old_value=flavor, new_value=rule.target,
                message=rule.message,
            ))
    return target_flavor


def _apply_field_rules(rules: list[ConversionRule], values: dict[str, Any], changes: list[ConfigChange]) -> None:
    """Apply field renames, retired fields and legacy defaults to `values` in place."""
    for rule in rules:
        field = rule.field
        if field is None:
            continue
        if rule.kind == "renamed" and field in values and rule.target:
            moved = values.pop(field)
            values[rule.target] = moved
            changes.append(ConfigChange(
                kind="renamed", field=field, new_field=rule.target, old_value=moved, new_value=moved,
                message=rule.message,
            ))
        elif rule.kind == "retired" and field in values:
            changes.append(ConfigChange(
                kind="retired", field=field, old_value=values.pop(field),
                message=f"Field '{field}' no longer exists in ZenML 0.20 and was dropped. {rule.message}",
            ))
        elif rule.kind == "legacy_default" and field not in values:
            values[field] = copy.deepcopy(rule.value)
            changes.append(ConfigChange(
                kind="defaulted", field=field, new_value=rule.value, message=rule.message,
            ))


def _unknown_flavor_error(catalog: FlavorCatalog, component_type: str, flavor: str) -> ConfigError:
    if component_type not in catalog.component_types:
        known = ", ".join(sorted(catalog.component_types))
        return ConfigError(
            field=None,
            message=f"ZenML 0.20.5 has no stack component type '{component_type}'.",
            fix=f"Use one of the component types {known}, or leave this component out.",
        )
    names = sorted(name for kind, name in catalog.flavors if kind == component_type)
    return ConfigError(
        field=None,
        message=f"ZenML 0.20.5 has no built-in {component_type} flavor '{flavor}'.",
        fix=(
            f"Register a custom flavor '{flavor}' in ZenML 0.20 (a Flavor subclass with its "
            f"own config class) before migrating this component, or change the flavor to "
            f"one of {', '.join(names)}."
        ),
    )


def _with_rule_fix(error: ConfigError, rules: list[ConversionRule]) -> ConfigError:
    """Use the fix or message of a rule about the failing field, if one exists."""
    if error.field is None:
        return error
    for rule in rules:
        if rule.field != error.field:
            continue
        if rule.kind == "restricted" and rule.fix:
            return error.model_copy(update={"fix": rule.fix})
        if rule.kind in ("retired", "renamed"):
            return error.model_copy(update={"fix": rule.message})
    return error


def _as_stored_json(values: dict[str, Any]) -> tuple[dict[str, Any], list[ConfigError]]:
    """Return `values` as ZenML stores them: `json.loads(json.dumps(values))`."""
    try:
        return json.loads(json.dumps(values)), []
    except (TypeError, ValueError):
        pass
    errors = []
    for key, value in values.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            errors.append(ConfigError(
                field=key,
                message=f"Field '{key}' contains a value that cannot be stored as JSON.",
                fix=f"Write '{key}' with plain strings, numbers, booleans, lists and mappings only.",
                value=value,
            ))
    return values, errors


def _same_value(old: Any, new: Any) -> bool:
    """Tell cheaply whether two scalars are the same value of the same type; containers go to _canonical."""
    return type(old) is type(new) and isinstance(old, (str, int, float, bool, type(None))) and old == new


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _validation_changes(
    values: dict[str, Any], stored: dict[str, Any], earlier: list[ConfigChange]
) -> list[ConfigChange]:
    """Report fields that validation filled in or converted."""
    reported = {change.field for change in earlier if change.kind in ("dropped_null", "defaulted")}
    changes = []
    for key, new_value in stored.items():
        if key not in values:
            if key not in reported:
                changes.append(ConfigChange(
                    kind="defaulted", field=key, new_value=new_value,
                    message=f"Field '{key}' is not in the legacy configuration; ZenML 0.20.5 stores its default.",
                ))
            continue
        old_value = values[key]
        if _same_value(old_value, new_value):
            continue
        if _canonical(old_value) != _canonical(new_value):
            old_type, new_type = type(old_value).__name__, type(new_value).__name__
            if old_type != new_type:
                message = f"Field '{key}' was converted from {old_type} to {new_type}, as ZenML 0.20.5 validation does."
            else:
                message = f"ZenML 0.20.5 validation normalises the value of field '{key}', for example by trimming a '/'."
            changes.append(ConfigChange(
                kind="converted", field=key, old_value=old_value, new_value=new_value, message=message,
            ))
    return changes


def _deprecation_notes(rules: list[ConversionRule], stored: dict[str, Any]) -> list[ConfigChange]:
    notes = []
    seen: set[str] = set()
    for rule in rules:
        if rule.kind != "deprecated_value" or rule.field is None or rule.field in seen:
            continue
        if rule.field in stored and stored[rule.field] == rule.value:
            seen.add(rule.field)
            notes.append(ConfigChange(
                kind="deprecated", field=rule.field, old_value=rule.value, new_value=rule.value,
                message=rule.message,
            ))
    return notes
