"""Results of converting one legacy component configuration to ZenML 0.20.5.

Messages in these models never contain a configuration value. Values travel
in `value`, `old_value` and `new_value`, so that a caller can mask secrets
(see `migrator.secrets`) before showing them.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

ChangeKind = Literal[
    "renamed",
    "renamed_flavor",
    "retired",
    "defaulted",
    "converted",
    "dropped_null",
    "deprecated",
]


class ConfigChange(BaseModel):
    """One difference between the legacy configuration and the converted one.

    kind:
        renamed         the value moved from `field` to `new_field`.
        renamed_flavor  the flavor has a new name in 0.20.5; `field` is "flavor",
                        `old_value` and `new_value` are the flavor names.
        retired         `field` no longer exists; `old_value` is the dropped value
                        and the message names what replaces it.
        defaulted       `field` was absent and gets `new_value`.
        converted       the value of `field` was coerced or normalised, as ZenML
                        0.20.5's validation does, from `old_value` to `new_value`.
        dropped_null    `field` was null. ZenML 0.20.5 drops null values before
                        validation, so the field gets its default `new_value`.
        deprecated      0.20.5 accepts the value but logs a deprecation warning.
    """

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    field: str
    new_field: str | None = None
    old_value: Any = None
    new_value: Any = None
    message: str


class ConfigError(BaseModel):
    """A reason why ZenML 0.20.5 would reject the configuration.

    `field` is the configuration key the error concerns, or None when it
    concerns the component as a whole or several keys together. `value` is
    the offending value, if one key contains it.
    """

    model_config = ConfigDict(frozen=True)

    field: str | None
    message: str
    fix: str
    value: Any = None


class Conversion(BaseModel):
    """The outcome of `convert_configuration`.

    configuration:
        When valid, exactly what ZenML 0.20.5 stores: every field of the
        flavor's config class in class order with defaults filled in, as
        `json.loads(json.dumps(config.dict()))`. When invalid, the legacy
        configuration after dropping `name`, `uuid` and null values and
        applying the conversion rules, before validation.
    flavor:
        The ZenML 0.20.5 flavor name; it differs from the legacy name where a
        rule renames the flavor.
    builtin:
        Whether `flavor` is a ZenML 0.20.5 built-in flavor of the type.
    """

    model_config = ConfigDict(frozen=True)

    configuration: dict[str, Any]
    flavor: str
    builtin: bool
    valid: bool
    changes: list[ConfigChange]
    errors: list[ConfigError]
