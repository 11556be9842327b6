"""Turn a legacy component configuration into what ZenML 0.20.5 stores, for the planner."""

from dataclasses import dataclass, field
from typing import Any

from migrator.convert import ConfigChange, convert_configuration
from migrator.legacy.models import LegacyComponent
from migrator.secrets import mask_value

# Change kinds a reviewer must see as warnings; "defaulted" and "converted" are listed in reports only.
_WARNING_KINDS = ("renamed", "renamed_flavor", "retired", "deprecated")


@dataclass(frozen=True)
class ConvertedConfiguration:
    """The configuration and flavor to store, what changed, and why it cannot be stored if it cannot."""

    configuration: dict[str, Any]
    flavor: str
    changes: tuple[ConfigChange, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)


def convert_component(
    component: LegacyComponent, *, flavor: str, custom: bool, skip_validation: bool
) -> ConvertedConfiguration:
    """Convert and validate a legacy component against its ZenML 0.20.5 flavor.

    Components of custom flavors are stored as read, with a warning, because
    their configuration class is not known. An invalid configuration is an
    error, or with `skip_validation` is stored as converted with a warning,
    as ZenML 0.20.5 does.
    """
    if custom:
        warning = f"stack components of custom flavor '{flavor}' are stored without validation"
        return ConvertedConfiguration(dict(component.configuration), flavor, warnings=(warning,))

    conversion = convert_configuration(component.type, component.flavor, component.configuration)
    if not conversion.builtin:
        reason = (
            f"flavor '{component.flavor}' does not exist for {component.type} in ZenML 0.20.5 and is not a custom "
            "flavor of this profile; register the flavor in ZenML 0.20 first, or remove the stack component"
        )
        return ConvertedConfiguration(dict(component.configuration), component.flavor, errors=[reason])

    changes = tuple(conversion.changes)
    warnings = tuple(change.message for change in changes if change.kind in _WARNING_KINDS)
    if conversion.valid:
        return ConvertedConfiguration(conversion.configuration, conversion.flavor, changes, warnings)

    problems = [_describe_error(error.field, error.message, error.fix, error.value) for error in conversion.errors]
    if skip_validation:
        skipped = f"stored without validation (--skip-validation), although ZenML 0.20.5 rejects it: {'; '.join(problems)}"
        return ConvertedConfiguration(conversion.configuration, conversion.flavor, changes, (*warnings, skipped))
    reason = f"invalid configuration for ZenML 0.20.5 flavor '{conversion.flavor}': {'; '.join(problems)}; or use --skip-validation"
    return ConvertedConfiguration(conversion.configuration, conversion.flavor, changes, warnings, [reason])


def _describe_error(field_name: str | None, message: str, fix: str, value: Any) -> str:
    where = f"field '{field_name}'" if field_name else "configuration"
    shown = "" if value is None or field_name is None else f" (value {mask_value(field_name, value)!r})"
    return f"{where}{shown}: {message}; fix: {fix}"
