"""The planner: decides what a migration does, without I/O."""

from migrator.plan.models import (
    Action,
    EntityKind,
    EntityRef,
    MigrationOptions,
    Operation,
    Plan,
    PlanNote,
    TargetComponent,
    TargetFlavor,
    TargetProject,
    TargetSnapshot,
    TargetStack,
    TargetUser,
)
from migrator.plan.planner import plan_migration
from migrator.plan.simulate import simulate_apply

__all__ = [
    "Action",
    "EntityKind",
    "EntityRef",
    "MigrationOptions",
    "Operation",
    "Plan",
    "PlanNote",
    "TargetComponent",
    "TargetFlavor",
    "TargetProject",
    "TargetSnapshot",
    "TargetStack",
    "TargetUser",
    "plan_migration",
    "simulate_apply",
]
