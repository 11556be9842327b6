"""Readers of legacy ZenML 0.13 config dirs and profile dirs."""

from migrator.legacy.models import (
    COMPONENT_TYPES,
    Diagnostic,
    LegacyComponent,
    LegacyConfigDir,
    LegacyFlavor,
    LegacyProfile,
    LegacyStack,
    Severity,
    SourceLocation,
)
from migrator.legacy.reader import read_profile_dir, read_profiles

__all__ = [
    "COMPONENT_TYPES",
    "Diagnostic",
    "LegacyComponent",
    "LegacyConfigDir",
    "LegacyFlavor",
    "LegacyProfile",
    "LegacyStack",
    "Severity",
    "SourceLocation",
    "read_profile_dir",
    "read_profiles",
]
