"""Normalized pydantic models of what a legacy ZenML 0.13 profile holds.

Every entity carries the file (and line, where YAML gives one) it came from,
so that diagnostics, plans and reports can point a user at the exact spot.
"""

import unicodedata
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The stack component types of ZenML 0.13.2, in the order its CLI lists them.
COMPONENT_TYPES: tuple[str, ...] = (
    "orchestrator",
    "metadata_store",
    "artifact_store",
    "container_registry",
    "secrets_manager",
    "step_operator",
    "feature_store",
    "model_deployer",
    "experiment_tracker",
    "alerter",
    "annotator",
    "data_validator",
)

# stacks.yaml sections that ZenML 0.20 does not migrate. Reports list the ones that were present.
UNMIGRATED_SECTIONS: tuple[str, ...] = (
    "users",
    "teams",
    "projects",
    "roles",
    "role_assignments",
    "team_assignments",
    "store_associations",
)


def component_directory(component_type: str) -> str:
    """Return the directory that contains the files of one stack component type."""
    if component_type == "container_registry":
        return "container_registries"
    return f"{component_type}s"


# Bidirectional embeddings, overrides and isolates (Unicode format characters,
# category Cf) make a terminal show a name as a different string, so names with
# them are rejected like names with control characters (category Cc).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(name: str) -> bool:
    """Return whether `name` contains a control character or a bidirectional formatting character."""
    if name.isprintable():  # the common case: no Cc, Cf or other non-printable character at all
        return False
    return any(unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS for character in name)


def printable_name(name: str) -> str:
    """Return `name` with control and bidirectional formatting characters as backslash escapes, for messages."""
    if not has_control_characters(name):
        return name
    return "".join(
        character.encode("unicode_escape").decode("ascii") if unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS else character
        for character in name
    )


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceLocation(_Model):
    """A place in a legacy file: path, and 1-based line where known."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class Diagnostic(_Model):
    """A problem found while reading a legacy profile, with the fix."""

    severity: Severity
    code: str = Field(description="Stable identifier of the kind of problem, such as 'yaml-syntax'.")
    message: str
    hint: str = Field(description="What the user can do about it.")
    location: SourceLocation | None = None
    entity: str | None = Field(default=None, description="The stack, stack component or flavor concerned.")


class LegacyFlavor(_Model):
    """A custom flavor from `stack_component_flavors` in stacks.yaml."""

    name: str
    type: str
    source: str
    integration: str | None = None
    location: SourceLocation


class LegacyComponent(_Model):
    """A stack component: its entry in stacks.yaml and its configuration file."""

    name: str
    type: str
    flavor: str
    configuration: dict[str, Any] = Field(
        description="The component file's mapping without `uuid`, `name` and null values."
    )
    legacy_id: str | None = None
    location: SourceLocation = Field(description="The entry in stacks.yaml.")
    file: str = Field(description="The component's configuration file.")


class LegacyStack(_Model):
    """A stack: a mapping of stack component type to component name."""

    name: str
    components: dict[str, str]
    location: SourceLocation


StoreType = Literal["local", "sql", "rest", "unknown"]


class LegacyProfile(_Model):
    """One legacy profile, normalized, with every problem found while reading it."""

    name: str
    path: str
    store_type: StoreType
    store_url: str | None = None
    active_stack: str | None = None
    active_user: str | None = None
    is_activated: bool = Field(default=False, description="The global config's `activated_profile` names it.")
    flavors: list[LegacyFlavor] = Field(default_factory=list)
    components: list[LegacyComponent] = Field(default_factory=list)
    stacks: list[LegacyStack] = Field(default_factory=list)
    unmigrated_sections: dict[str, int] = Field(
        default_factory=dict,
        description="Non-empty stacks.yaml sections that are not migrated, with their entry counts.",
    )
    diagnostics: list[Diagnostic] = Field(default_factory=list)

    def component(self, component_type: str, name: str) -> LegacyComponent | None:
        for component in self.components:
            if component.type == component_type and component.name == name:
                return component
        return None

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def holds_only_defaults(self) -> bool:
        """Whether the profile contains nothing but the stack and components every profile starts with."""
        non_default_stacks = [s for s in self.stacks if s.name != "default"]
        non_default_components = [
            c
            for c in self.components
            if not (c.name == "default" and c.type in ("orchestrator", "artifact_store", "metadata_store"))
        ]
        return not non_default_stacks and not non_default_components and not self.flavors


class LegacyConfigDir(_Model):
    """A legacy location: a global config dir with `profiles/`, or one profile dir."""

    path: str
    kind: Literal["global_config", "profile_dir", "profiles_dir"]
    version: str | None = None
    activated_profile: str | None = None
    profiles: list[LegacyProfile] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
