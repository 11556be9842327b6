"""Compute, without I/O, the snapshot a target would have after a plan is applied."""

import hashlib
from collections.abc import Mapping

from migrator.plan.models import (
    Action,
    EntityKind,
    EntityRef,
    Operation,
    Plan,
    TargetComponent,
    TargetFlavor,
    TargetProject,
    TargetSnapshot,
    TargetStack,
    TargetUser,
)


def planned_id(plan: Plan, key: str) -> str:
    """Return a stable stand-in id for an entity the plan creates."""
    return hashlib.sha256(f"{plan.profile_path}\0{plan.project}\0{key}".encode()).hexdigest()[:32]


def simulate_apply(plan: Plan, snapshot: TargetSnapshot, ids: Mapping[str, str] | None = None) -> TargetSnapshot:
    """Return `snapshot` as it would be after applying every create and update of `plan`.

    A plan with errors and without --ignore-errors is not applied, so the
    snapshot comes back unchanged, as from a real apply. `ids` gives the ids
    a real apply assigned to created entities, by plan key; entities without
    one get a stable stand-in id.
    """
    if plan.has_errors and not plan.options.ignore_errors:
        return snapshot
    created: dict[str, str] = {}
    projects = list(snapshot.projects)
    users = list(snapshot.users)
    # Keyed by id, so that an update replaces the stored entity in place and order is kept.
    flavors = {flavor.id: flavor for flavor in snapshot.flavors}
    components = {component.id: component for component in snapshot.components}
    stacks = {stack.id: stack for stack in snapshot.stacks}

    def resolve(ref: EntityRef | None) -> str | None:
        if ref is None:
            return None
        return ref.id if ref.id is not None else created[ref.key or ""]

    for action in plan.actions:
        if action.operation is Operation.CREATE:
            created[action.key] = (ids or {}).get(action.key) or planned_id(plan, action.key)
            entity_id = created[action.key]
        elif action.operation is Operation.UPDATE:
            entity_id = action.target_id or ""
        else:
            continue
        if action.kind is EntityKind.PROJECT:
            projects.append(TargetProject(id=entity_id, name=action.name, description=action.description or ""))
        elif action.kind is EntityKind.USER:
            users.append(TargetUser(id=entity_id, name=action.name))
        elif action.kind is EntityKind.FLAVOR:
            flavors.pop(entity_id, None)
            flavors[entity_id] = _flavor(action, entity_id, resolve)
        elif action.kind is EntityKind.STACK_COMPONENT:
            components.pop(entity_id, None)
            components[entity_id] = (
                TargetComponent(
                    id=entity_id,
                    project_id=resolve(action.project),
                    user_id=resolve(action.user),
                    name=action.name,
                    type=action.component_type or "",
                    flavor=action.flavor or "",
                    configuration=dict(action.configuration or {}),
                )
            )
        elif action.kind is EntityKind.STACK:
            stacks.pop(entity_id, None)
            component_ids = tuple(sorted(resolve(ref) or "" for ref in (action.components or {}).values()))
            stacks[entity_id] = (
                TargetStack(
                    id=entity_id,
                    project_id=resolve(action.project),
                    user_id=resolve(action.user),
                    name=action.name,
                    component_ids=component_ids,
                )
            )
    return snapshot.model_copy(
        update={
            "initialized": True,
            "projects": tuple(projects),
            "users": tuple(users),
            "flavors": tuple(flavors.values()),
            "components": tuple(components.values()),
            "stacks": tuple(stacks.values()),
        }
    )


def _flavor(action: Action, entity_id: str, resolve) -> TargetFlavor:  # type: ignore[no-untyped-def]
    return TargetFlavor(
        id=entity_id,
        project_id=resolve(action.project),
        user_id=resolve(action.user),
        name=action.name,
        type=action.component_type or "",
        source=action.source or "",
        integration=action.integration,
        config_schema=action.config_schema or "",
    )
