"""Turn a legacy component configuration into what ZenML 0.20 stores."""

from dataclasses import dataclass, field
from typing import Any

from migrator.legacy.models import LegacyComponent


@dataclass(frozen=True)
class ConvertedConfiguration:
    configuration: dict[str, Any]
    warnings: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)


def convert_component(component: LegacyComponent, *, custom: bool, skip_validation: bool) -> ConvertedConfiguration:
    """Return the configuration to store for a legacy component.

    NOTE: configurations are stored as read (without `uuid`, `name` and null
    values); they are not yet validated against the ZenML 0.20 flavors.
    """
    warnings: tuple[str, ...] = ()
    if custom:
        warnings = (f"components of custom flavor '{component.flavor}' are stored without validation",)
    return ConvertedConfiguration(configuration=dict(component.configuration), warnings=warnings)
