"""Compute, without I/O, the snapshot a target would have after a plan is applied."""

import hashlib
from collections.abc import Mapping

from migrator.plan.index import attach_index, take_index
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
    # The index is changed in step and handed over to the returned snapshot, so
    # that simulating a fleet costs what its plans change, not the whole target.
    index = take_index(snapshot)

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
            index.put_flavor(_flavor(action, entity_id, resolve))
        elif action.kind is EntityKind.STACK_COMPONENT:
            index.put_component(
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
            component_ids = tuple(sorted(resolve(ref) or "" for ref in (action.components or {}).values()))
            index.put_stack(
                TargetStack(
                    id=entity_id,
                    project_id=resolve(action.project),
                    user_id=resolve(action.user),
                    name=action.name,
                    component_ids=component_ids,
                )
            )
    after = snapshot.model_copy(
        update={
            "initialized": True,
            "projects": tuple(projects),
            "users": tuple(users),
            "flavors": tuple(index.flavors_by_id.values()),
            "components": tuple(index.components_by_id.values()),
            "stacks": tuple(index.stacks_by_id.values()),
        }
    )
    attach_index(after, index)
    return after


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
