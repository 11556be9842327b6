"""Models of the planner's input (options, a snapshot of the target) and output (a plan)."""

from collections import Counter
from enum import Enum
from typing import Any

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from migrator.convert import ConfigChange
from migrator.legacy.models import Diagnostic, SourceLocation

DEFAULT_NAME = "default"
# ZenML 0.20.5 rejects longer names of stacks, stack components and projects
# (MODEL_NAME_FIELD_MAX_LENGTH in zenml/models/constants.py), and longer
# project descriptions.
MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 300
# Legacy components of these types named `default` map to the target project's own defaults.
DEFAULT_COMPONENT_TYPES: tuple[str, ...] = ("orchestrator", "artifact_store")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MigrationOptions(_Model):
    """Options of `profile migrate`. The defaults migrate everything into the active project."""

    prefix: str = ""
    project: str | None = None
    user: str | None = None
    overwrite: bool = False
    ignore_errors: bool = False
    skip_validation: bool = False
    stacks: bool = True
    flavors: bool = True


# -- snapshot of the target store -------------------------------------------


class TargetProject(_Model):
    id: str
    name: str
    description: str = ""


class TargetUser(_Model):
    id: str
    name: str


class TargetFlavor(_Model):
    id: str
    project_id: str | None
    user_id: str | None
    name: str
    type: str
    source: str
    integration: str | None = None
    config_schema: str


class TargetComponent(_Model):
    id: str
    project_id: str | None
    user_id: str | None
    name: str
    type: str
    flavor: str
    configuration: dict[str, Any]
    is_shared: bool = False


class TargetStack(_Model):
    id: str
    project_id: str | None
    user_id: str | None
    name: str
    is_shared: bool = False
    component_ids: tuple[str, ...] = Field(description="Sorted ids of the stack's components.")


class TargetSnapshot(_Model):
    """Contents of the target store that a plan depends on, read in one pass."""

    initialized: bool = Field(description="The store already contains ZenML's default project and user.")
    active_project: str = DEFAULT_NAME
    active_user: str = DEFAULT_NAME
    names_case_insensitive: bool = Field(default=False, description="The database compares names case-insensitively (MySQL).")
    projects: tuple[TargetProject, ...] = ()
    users: tuple[TargetUser, ...] = ()
    flavors: tuple[TargetFlavor, ...] = ()
    components: tuple[TargetComponent, ...] = ()
    stacks: tuple[TargetStack, ...] = ()
    # The lookups of migrator.plan.index, built on first use; not part of the data.
    _index: Any = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Compare the data of two snapshots; whether either has built its index does not matter."""
        if not isinstance(other, TargetSnapshot):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(tuple(self.__dict__.values()))


# -- the plan ---------------------------------------------------------------


class EntityKind(str, Enum):
    PROJECT = "project"
    USER = "user"
    FLAVOR = "flavor"
    STACK_COMPONENT = "stack_component"
    STACK = "stack"


class Operation(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"


class EntityRef(_Model):
    """A reference from one action to an entity: planned in this plan (`key`) or already stored (`id`)."""

    key: str | None = None
    id: str | None = None


class Action(_Model):
    """One entity of the plan and what applying the plan does to it."""

    key: str = Field(description="Unique key of the entity within the plan, such as 'stack_component:orchestrator:kf'.")
    kind: EntityKind
    operation: Operation
    name: str = Field(description="The entity's name in the target store.")
    legacy_name: str | None = None
    component_type: str | None = Field(default=None, description="Stack component type, for stack components and flavors.")
    flavor: str | None = None
    configuration: dict[str, Any] | None = None
    source: str | None = Field(default=None, description="Flavor source (import path).")
    integration: str | None = None
    config_schema: str | None = None
    description: str | None = Field(default=None, description="Project description.")
    project: EntityRef | None = None
    user: EntityRef | None = None
    components: dict[str, EntityRef] | None = Field(default=None, description="A stack's components by type.")
    component_names: dict[str, str] | None = Field(default=None, description="Target names of a stack's components by type.")
    changes: tuple[ConfigChange, ...] = Field(default=(), description="How a stack component's configuration was converted.")
    target_id: str | None = Field(default=None, description="Id of the stored entity this action updates or matches.")
    reason: str
    warnings: tuple[str, ...] = ()
    location: SourceLocation | None = None

    @property
    def writes(self) -> bool:
        return self.operation in (Operation.CREATE, Operation.UPDATE)


class PlanNote(_Model):
    """Something the user should know that is not an action: dropped entities and advice."""

    code: str
    message: str
    entity: str | None = None


class Plan(_Model):
    """Everything applying one legacy profile to one target would do, decided before any write."""

    profile: str
    profile_path: str
    options: MigrationOptions
    project: str
    user: str
    actions: tuple[Action, ...]
    notes: tuple[PlanNote, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    def counts(self) -> dict[str, int]:
        counter = Counter(action.operation.value for action in self.actions)
        counts = {operation.value: counter.get(operation.value, 0) for operation in Operation}
        counts["errors"] = counts.pop("error") + sum(1 for d in self.diagnostics if d.severity.value == "error")
        counts["warnings"] = sum(len(action.warnings) for action in self.actions) + sum(
            1 for d in self.diagnostics if d.severity.value == "warning"
        )
        return counts

    @property
    def has_errors(self) -> bool:
        return self.counts()["errors"] > 0

    @property
    def writes(self) -> bool:
        return any(action.writes for action in self.actions)
