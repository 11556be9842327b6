"""Validate a configuration against a ZenML 0.20.5 config class the way pydantic 1.10 does.

The order of checks follows `StackComponentConfig(**configuration)` in ZenML
0.20.5 with pydantic 1.10's `validate_model`:

1. the config class's `__init__` checks on secret references; the first
   failure stops validation;
2. root validators with pre=True, in class order; a failure stops validation;
3. each field in class order: pre validators, type coercion, validators;
   missing optional fields get their default without validation; errors
   are collected;
4. keys that are not fields, in sorted order, as "extra" errors;
5. root validators with pre=False; those with skip_on_failure=True run only
   when nothing failed so far.

ZenML exceptions that are not ValueError, TypeError or AssertionError (for
example ArtifactStoreInterfaceError) escape pydantic and stop validation, so
then only that error is reported.
"""

import copy
from dataclasses import dataclass
from typing import Any

from migrator.convert.catalog import FieldSpec, FlavorSpec
from migrator.convert.coercion import CoercionError, coerce, describe_type
from migrator.convert.models import ConfigError
from migrator.convert.zenml_validators import (
    FIELD_VALIDATORS,
    INIT_CHECKS,
    ROOT_VALIDATORS,
    SCOPE_HOOKS,
    AbortError,
    FieldCheckError,
    ValidationContext,
    is_secret_reference,
)


class UnknownValidatorError(RuntimeError):
    """Raised when the flavor schema names a ZenML validator that this package lacks."""


@dataclass
class ValidationResult:
    """Validated field values in class order, or the errors that prevent them."""

    values: dict[str, Any] | None
    errors: list[ConfigError]


def check_implemented(spec: FlavorSpec) -> None:
    """Raise UnknownValidatorError if `spec` names a check this package does not implement."""
    missing = [name for name in spec.init_checks if name not in INIT_CHECKS]
    missing += [ref.name for ref in spec.root_validators if ref.name not in ROOT_VALIDATORS]
    missing += [
        ref.name for field in spec.fields for ref in field.validators if ref.name not in FIELD_VALIDATORS
    ]
    missing += [name for name in spec.validation_hooks.values() if name not in SCOPE_HOOKS]
    if missing:
        raise UnknownValidatorError(
            f"The {spec.type} flavor {spec.name} uses ZenML checks that migrator.convert does not "
            f"implement: {', '.join(missing)}. Add them to migrator/convert/zenml_validators.py."
        )


def validate(context: ValidationContext, configuration: dict[str, Any]) -> ValidationResult:
    """Validate `configuration` (not modified) against the flavor of `context`."""
    spec = context.spec
    check_implemented(spec)
    values = dict(configuration)

    init_error = _check_secret_references(context, values)
    if init_error is not None:
        return ValidationResult(None, [init_error])

    for ref in spec.root_validators:
        if not ref.pre:
            continue
        try:
            values = ROOT_VALIDATORS[ref.name](context, values)
        except FieldCheckError as error:
            return ValidationResult(None, [_from_check(error, error.field, values)])

    validated, errors, aborted = _validate_fields(context, values)
    if aborted is not None:
        return ValidationResult(None, [aborted])

    known = set(spec.field_names)
    for key in sorted(k for k in values if k not in known):
        errors.append(extra_field_error(context, key, values[key]))

    for ref in spec.root_validators:
        if ref.pre or (ref.skip_on_failure and errors):
            continue
        try:
            validated = ROOT_VALIDATORS[ref.name](context, validated)
        except AbortError as error:
            return ValidationResult(None, [_from_check(error, error.field, validated)])
        except FieldCheckError as error:
            errors.append(_from_check(error, error.field, validated))

    if errors:
        return ValidationResult(None, errors)
    return ValidationResult(validated, [])


def _from_check(error: FieldCheckError, field: str | None, values: dict[str, Any]) -> ConfigError:
    value = values.get(field) if field is not None else None
    return ConfigError(field=field, message=error.message, fix=error.fix, value=value)


def _check_secret_references(context: ValidationContext, values: dict[str, Any]) -> ConfigError | None:
    """Apply the `__init__` checks of the config class, in method resolution order."""
    for check in context.spec.init_checks:
        for key, value in values.items():
            if value is None or not is_secret_reference(value):
                continue
            if check == "BaseSecretsManagerConfig.__init__":
                return ConfigError(
                    field=key,
                    message=f"Field '{key}' of a secrets manager cannot be a secret reference.",
                    fix=f"Replace the secret reference in '{key}' with the plain value.",
                    value=value,
                )
            field = context.spec.field(key)
            if check == "StackComponentConfig.__init__" and field is not None and field.validators:
                return ConfigError(
                    field=key,
                    message=(
                        f"Field '{key}' cannot be a secret reference because {context.label} "
                        "validates its value."
                    ),
                    fix=f"Replace the secret reference in '{key}' with the plain value.",
                    value=value,
                )
    return None


def _validate_fields(
    context: ValidationContext, values: dict[str, Any]
) -> tuple[dict[str, Any], list[ConfigError], ConfigError | None]:
    validated: dict[str, Any] = {}
    errors: list[ConfigError] = []
    for field in context.spec.fields:
        if field.name not in values:
            if field.required:
                errors.append(missing_field_error(context, field))
            else:
                validated[field.name] = copy.deepcopy(field.default)
            continue
        original = values[field.name]
        try:
            validated[field.name] = _validate_field(context, field, original)
        except AbortError as error:
            return validated, errors, _from_check(error, field.name, values)
        except FieldCheckError as error:
            errors.append(ConfigError(field=field.name, message=error.message, fix=error.fix, value=original))
        except CoercionError as error:
            errors.append(type_error(context, field, original, error))
    return validated, errors, None


def _validate_field(context: ValidationContext, field: FieldSpec, value: Any) -> Any:
    for ref in field.validators:
        if ref.pre:
            value = FIELD_VALIDATORS[ref.name](context, field.name, value)
    value = coerce(field.type_schema, value, field.nullable)
    for ref in field.validators:
        if not ref.pre:
            value = FIELD_VALIDATORS[ref.name](context, field.name, value)
    return value


def missing_field_error(context: ValidationContext, field: FieldSpec) -> ConfigError:
    return ConfigError(
        field=field.name,
        message=f"Field '{field.name}' is required by {context.label} and missing.",
        fix=f"Add '{field.name}' ({describe_type(field.type_schema)}) to the configuration.",
    )


def extra_field_error(context: ValidationContext, key: str, value: Any) -> ConfigError:
    names = context.spec.field_names
    known = f"its fields are {', '.join(names)}" if names else "it has no configuration fields"
    return ConfigError(
        field=key,
        message=f"Field '{key}' does not exist in {context.label}.",
        fix=f"Remove '{key}' from the configuration; {known}.",
        value=value,
    )


def type_error(context: ValidationContext, field: FieldSpec, value: Any, error: CoercionError) -> ConfigError:
    fix = f"Set '{field.name}' to {describe_type(field.type_schema)}."
    if is_secret_reference(value):
        fix += " Secret references are resolved only in string fields."
    return ConfigError(
        field=field.name,
        message=f"Field '{field.name}' {error.message}.",
        fix=fix,
        value=value,
    )
