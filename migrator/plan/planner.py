"""Decide, without I/O, what migrating one legacy profile into a target does.

`plan_migration(profile, options, snapshot)` returns a `Plan`: one action per
project, user, flavor, stack component and stack, each one of create, update,
unchanged, skip or error, with its reason. The same inputs give the same plan.
"""

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migrator.errors import UsageError
from migrator.legacy.models import LegacyComponent, LegacyFlavor, LegacyProfile, LegacyStack, has_control_characters, printable_name
from migrator.plan.conversion import ConvertedConfiguration, convert_component
from migrator.plan.index import index_of
from migrator.plan.models import (
    DEFAULT_COMPONENT_TYPES,
    DEFAULT_NAME,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
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

# Advice in the report per legacy metadata store flavor, because ZenML 0.20 has no metadata stores.
_METADATA_STORE_ADVICE = {
    "sqlite": "nothing to do: ZenML 0.20 keeps run metadata in its own store",
    "kubeflow": "nothing to do if it pointed at the local Kubeflow cluster; for a remote Kubeflow "
    "deployment, deploy a ZenML server next to it",
    "mysql": "deploy a ZenML server backed by that MySQL database to share run metadata",
    "kubernetes": "deploy a ZenML server next to that database to share run metadata",
}


def custom_flavor_schema(name: str) -> str:
    """Return the permissive configuration schema stored for a migrated custom flavor."""
    return json.dumps(
        {"title": f"{name} configuration (migrated from ZenML 0.13)", "type": "object", "additionalProperties": True}
    )


# (project, kind, stack component type or "", target name) of an entity that
# another source of a fleet migrates, mapped to that source.
Reservations = Mapping[tuple[str, str, str, str], str]


def plan_migration(
    profile: LegacyProfile, options: MigrationOptions, snapshot: TargetSnapshot, reserved: Reservations | None = None
) -> Plan:
    """Plan the migration of one legacy profile into the target described by `snapshot`.

    `reserved` names entities that other sources of the same fleet migrate;
    planning one of them again is a conflict. Names in it are case-folded
    when the target compares names case-insensitively. Raises `UsageError`
    when `options.user` names a user the target does not hold; every other
    problem becomes an error action or a diagnostic.
    """
    return _Planner(profile, options, snapshot, reserved or {}).plan()


def reservation_key(
    project: str, kind: str, component_type: str | None, name: str, case_insensitive: bool
) -> tuple[str, str, str, str]:
    return (_fold(project, case_insensitive), kind, component_type or "", _fold(name, case_insensitive))


def component_key(component_type: str, name: str) -> str:
    return f"stack_component:{component_type}:{name}"


def _fold(name: str, case_insensitive: bool) -> str:
    return name.casefold() if case_insensitive else name


@dataclass
class _Planner:
    profile: LegacyProfile
    options: MigrationOptions
    snapshot: TargetSnapshot
    reserved: Reservations = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    notes: list[PlanNote] = field(default_factory=list)

    def plan(self) -> Plan:
        for option, value in (("prefix", self.options.prefix), ("project", self.options.project), ("user", self.options.user)):
            if value and has_control_characters(value):
                raise UsageError(
                    f"The {option} {printable_name(value)!r} contains control characters, which would reach every name "
                    "and terminal that shows it; remove them."
                )
        self.fold = self.snapshot.names_case_insensitive
        self.case_collisions = self._case_collisions()
        self.index = index_of(self.snapshot)
        self.project_ref, project_name, project_id = self._plan_project()
        self.project_name = project_name
        self.user_ref, user_name = self._plan_user()
        self.defaults = self._plan_default_components(project_id)
        custom_flavors = self._plan_flavors(project_id) if self.options.flavors else self._existing_custom_flavors(project_id)
        if self.options.stacks:
            self._note_dropped_components()
            component_refs = self._plan_components(project_id, custom_flavors)
            self._plan_stacks(project_id, component_refs)
        return Plan(
            profile=self.profile.name,
            profile_path=self.profile.path,
            options=self.options,
            project=project_name,
            user=user_name,
            actions=tuple(self.actions),
            notes=tuple(self.notes),
            diagnostics=tuple(self.profile.diagnostics),
        )

    def _case_collisions(self) -> set[tuple[str, str, str]]:
        """Find legacy names of one kind and type that become equal when the target ignores case."""
        if not self.fold:
            return set()
        groups: dict[tuple[str, str, str], list[str]] = {}
        for flavor in self.profile.flavors:
            groups.setdefault(("flavor", flavor.type, flavor.name.casefold()), []).append(flavor.name)
        for component in self.profile.components:
            groups.setdefault(("stack_component", component.type, component.name.casefold()), []).append(component.name)
        for stack in self.profile.stacks:
            groups.setdefault(("stack", "", stack.name.casefold()), []).append(stack.name)
        return {(kind, kind_type, name) for (kind, kind_type, _), names in groups.items() if len(names) > 1 for name in names}

    def _reserved_by(self, kind: str, kind_type: str, name: str) -> str | None:
        """Return the fleet source that already migrates this name into the project, if any."""
        return self.reserved.get(reservation_key(self.project_name, kind, kind_type, name, self.fold))

    def _fleet_conflict(self, base: dict[str, Any], owner: str) -> Action:
        reason = (
            f"source {owner} of this fleet also migrates {base['kind'].value.replace('_', ' ')} '{base['name']}' into "
            f"project '{self.project_name}'; give the sources different prefixes or projects (for example prefix: \"{{host}}_\")"
        )
        if self.options.ignore_errors:
            return Action(operation=Operation.SKIP, reason=reason + " (--ignore-errors)", warnings=(reason,), **base)
        return Action(operation=Operation.ERROR, reason=reason, **base)

    def _case_collision_reason(self, kind: str, kind_type: str, legacy_name: str) -> str | None:
        if (kind, kind_type, legacy_name) not in self.case_collisions:
            return None
        others = sorted(
            name for k, t, name in self.case_collisions if k == kind and t == kind_type and name != legacy_name and name.casefold() == legacy_name.casefold()
        )
        listed = ", ".join(f"'{name}'" for name in others)
        return (
            f"its name differs from {listed} of this profile only in case, and the target compares names "
            "case-insensitively (MySQL); rename one of them with ZenML 0.13 first"
        )

    # -- users and projects ----------------------------------------------

    def _plan_user(self) -> tuple[EntityRef, str]:
        name = self.options.user or self.snapshot.active_user
        existing = _find(self.snapshot.users, lambda user: user.name == name)
        if existing is not None:
            return EntityRef(id=existing.id), name
        if not self.snapshot.initialized and name == DEFAULT_NAME:
            key = f"user:{name}"
            self.actions.append(
                Action(
                    key=key,
                    kind=EntityKind.USER,
                    operation=Operation.CREATE,
                    name=name,
                    reason="new store: ZenML 0.20 creates the default user with an empty password on first use",
                )
            )
            return EntityRef(key=key), name
        raise UsageError(
            f"User '{name}' does not exist in the target store. Create it with ZenML 0.20 "
            "('zenml user create'), or choose an existing user with --user."
        )

    def _plan_project(self) -> tuple[EntityRef, str, str | None]:
        new_store = not self.snapshot.initialized
        if new_store and _find(self.snapshot.projects, lambda project: project.name == DEFAULT_NAME) is None:
            self.actions.append(
                Action(
                    key=f"project:{DEFAULT_NAME}",
                    kind=EntityKind.PROJECT,
                    operation=Operation.CREATE,
                    name=DEFAULT_NAME,
                    description="",
                    reason="new store: ZenML 0.20 creates the default project on first use",
                )
            )
        name = self.options.project or self.snapshot.active_project
        existing = _find(self.snapshot.projects, lambda project: _fold(project.name, self.fold) == _fold(name, self.fold))
        if existing is not None:
            return EntityRef(id=existing.id), existing.name, existing.id
        key = f"project:{name}"
        if len(name) > MAX_NAME_LENGTH:
            raise UsageError(f"Project name '{name[:40]}...' is {len(name)} characters long; ZenML 0.20 allows at most {MAX_NAME_LENGTH}.")
        if name != DEFAULT_NAME or not new_store:
            basename = os.path.basename(os.path.normpath(self.profile.path))
            self.actions.append(
                Action(
                    key=key,
                    kind=EntityKind.PROJECT,
                    operation=Operation.CREATE,
                    name=name,
                    description=f"Legacy profile migration for profile {basename}"[:MAX_DESCRIPTION_LENGTH],
                    reason="the project does not exist yet; it is created with a default stack, as ZenML 0.20 does",
                )
            )
        return EntityRef(key=key), name, None

    def _plan_default_components(self, project_id: str | None) -> dict[str, EntityRef]:
        """Find or create the project's default orchestrator and artifact store and its default stack."""
        refs: dict[str, EntityRef] = {}
        created = False
        for component_type in DEFAULT_COMPONENT_TYPES:
            existing = self._existing_component(project_id, component_type, DEFAULT_NAME)
            if existing is not None:
                refs[component_type] = EntityRef(id=existing.id)
                continue
            key = f"default:{component_type}"
            created = True
            self.actions.append(
                Action(
                    key=key,
                    kind=EntityKind.STACK_COMPONENT,
                    operation=Operation.CREATE,
                    name=DEFAULT_NAME,
                    component_type=component_type,
                    flavor="local",
                    configuration={},
                    project=self.project_ref,
                    user=self.user_ref,
                    reason="default stack component of the user in the project, as ZenML 0.20 creates it",
                )
            )
            refs[component_type] = EntityRef(key=key)
        # Default components that no stack uses mean that an apply was cut off
        # between them and the default stack (REST applies write one by one).
        unused = not created and not any(ref.id and self.index.is_used_by_a_stack(ref.id) for ref in refs.values())
        if (created or unused) and self._existing_stack(project_id, DEFAULT_NAME) is None:
            self.actions.append(
                Action(
                    key="default:stack",
                    kind=EntityKind.STACK,
                    operation=Operation.CREATE,
                    name=DEFAULT_NAME,
                    components=dict(refs),
                    component_names={component_type: DEFAULT_NAME for component_type in refs},
                    project=self.project_ref,
                    user=self.user_ref,
                    reason="default stack of the user in the project, as ZenML 0.20 creates it"
                    + ("; its default stack components exist, but no stack uses them" if unused else ""),
                )
            )
        return refs

    # -- lookups in the snapshot -----------------------------------------

    def _existing_component(self, project_id: str | None, component_type: str, name: str) -> TargetComponent | None:
        if project_id is None or self.user_ref.id is None:
            return None
        return self.index.component(project_id, self.user_ref.id, component_type, name)

    def _existing_stack(self, project_id: str | None, name: str) -> TargetStack | None:
        if project_id is None or self.user_ref.id is None:
            return None
        return self.index.stack(project_id, self.user_ref.id, name)

    def _existing_flavor(self, project_id: str | None, flavor_type: str, name: str) -> TargetFlavor | None:
        if project_id is None:
            return None
        return self.index.flavor(project_id, flavor_type, name)

    def _is_target_custom_flavor(self, project_id: str | None, component_type: str, name: str) -> bool:
        flavor = self._existing_flavor(project_id, component_type, name)
        return flavor is not None and flavor.name == name

    def _existing_custom_flavors(self, project_id: str | None) -> dict[tuple[str, str], str]:
        """Map (type, legacy flavor name) to the target flavor name for flavors already stored."""
        names: dict[tuple[str, str], str] = {}
        for flavor in self.profile.flavors:
            target_name = self.options.prefix + flavor.name
            if self._existing_flavor(project_id, flavor.type, target_name) is not None:
                names[(flavor.type, flavor.name)] = target_name
        return names

    # -- flavors ---------------------------------------------------------

    def _plan_flavors(self, project_id: str | None) -> dict[tuple[str, str], str]:
        names: dict[tuple[str, str], str] = {}
        for flavor in self.profile.flavors:
            action = self._plan_flavor(project_id, flavor)
            self.actions.append(action)
            if action.operation is not Operation.ERROR:
                names[(flavor.type, flavor.name)] = action.name
        return names

    def _plan_flavor(self, project_id: str | None, flavor: LegacyFlavor) -> Action:
        name = self.options.prefix + flavor.name
        wanted = {
            "source": flavor.source,
            "integration": flavor.integration,
            "config_schema": custom_flavor_schema(name),
        }
        warning = (
            f"flavor source '{flavor.source}' names a ZenML 0.13 flavor class; ZenML 0.20 needs the import path "
            "of a `zenml.stack.Flavor` subclass there. Port the flavor, then update its source with ZenML 0.20"
        )
        base = {
            "key": f"flavor:{flavor.type}:{flavor.name}",
            "kind": EntityKind.FLAVOR,
            "name": name,
            "legacy_name": flavor.name,
            "component_type": flavor.type,
            "project": self.project_ref,
            "user": self.user_ref,
            "location": flavor.location,
            **wanted,
        }
        collision = self._case_collision_reason("flavor", flavor.type, flavor.name)
        if collision:
            return Action(operation=Operation.ERROR, reason=collision, **base)
        owner = self._reserved_by("flavor", flavor.type, name)
        if owner:
            return self._fleet_conflict(base, owner)
        existing = self._existing_flavor(project_id, flavor.type, name)
        if existing is None:
            return Action(operation=Operation.CREATE, reason="new custom flavor", warnings=(warning,), **base)
        stored = {"source": existing.source, "integration": existing.integration, "config_schema": existing.config_schema}
        if stored == wanted and existing.name == name:
            return Action(operation=Operation.UNCHANGED, target_id=existing.id, reason="the stored flavor is identical", **base)
        return self._conflict(base, existing.id, f"flavor '{name}' ({flavor.type})", (warning,), existing.name)

    # -- stack components ------------------------------------------------

    def _note_dropped_components(self) -> None:
        for component in self.profile.components:
            if component.type == "metadata_store":
                advice = _METADATA_STORE_ADVICE.get(component.flavor, "deploy a ZenML server next to that metadata store")
                self.notes.append(
                    PlanNote(
                        code="metadata-store-dropped",
                        entity=f"metadata_store '{component.name}'",
                        message=(
                            f"metadata store '{component.name}' ({component.flavor}) is not migrated: ZenML 0.20 has no "
                            f"metadata stores and run history is not migrated; {advice}"
                        ),
                    )
                )
            elif component.type in DEFAULT_COMPONENT_TYPES and component.name == DEFAULT_NAME:
                message = f"legacy default {component.type} maps to the default {component.type} of the target project"
                if not _is_stock_default(component):
                    message += (
                        "; its legacy configuration differed from the stock default and is not copied "
                        "(re-create it under another name to keep it)"
                    )
                self.notes.append(PlanNote(code="default-component-mapped", entity=f"{component.type} 'default'", message=message))

    def _plan_components(self, project_id: str | None, custom_flavors: dict[tuple[str, str], str]) -> dict[tuple[str, str], EntityRef | None]:
        """Plan each migrated component; return, per legacy (type, name), the ref a stack should use."""
        refs: dict[tuple[str, str], EntityRef | None] = {}
        for component_type in DEFAULT_COMPONENT_TYPES:
            refs[(component_type, DEFAULT_NAME)] = self.defaults[component_type]
        legacy_custom = {(flavor.type, flavor.name) for flavor in self.profile.flavors}
        for component in self.profile.components:
            if component.type == "metadata_store" or (component.type, component.name) in refs:
                continue
            action = self._plan_component(project_id, component, custom_flavors, legacy_custom)
            self.actions.append(action)
            if action.operation is Operation.ERROR:
                refs[(component.type, component.name)] = None
            elif action.target_id is not None:
                refs[(component.type, component.name)] = EntityRef(id=action.target_id)
            else:
                refs[(component.type, component.name)] = EntityRef(key=action.key)
        return refs

    def _plan_component(
        self,
        project_id: str | None,
        component: LegacyComponent,
        custom_flavors: dict[tuple[str, str], str],
        legacy_custom: set[tuple[str, str]],
    ) -> Action:
        name = self.options.prefix + component.name
        is_custom = (component.type, component.flavor) in legacy_custom
        flavor = custom_flavors.get((component.type, component.flavor), component.flavor)
        base: dict[str, Any] = {
            "key": component_key(component.type, component.name),
            "kind": EntityKind.STACK_COMPONENT,
            "name": name,
            "legacy_name": component.name,
            "component_type": component.type,
            "flavor": flavor,
            "project": self.project_ref,
            "user": self.user_ref,
            "location": component.location,
        }
        if is_custom and (component.type, component.flavor) not in custom_flavors:
            return Action(
                operation=Operation.ERROR,
                configuration=component.configuration,
                reason=(
                    f"its custom flavor '{flavor}' is not migrated and does not exist in the target; "
                    "migrate flavors too (drop --stacks, or add --flavors)"
                ),
                **base,
            )
        if len(name) > MAX_NAME_LENGTH:
            return Action(operation=Operation.ERROR, configuration=component.configuration, reason=_too_long(name), **base)
        collision = self._case_collision_reason("stack_component", component.type, component.name)
        if collision:
            return Action(operation=Operation.ERROR, configuration=component.configuration, reason=collision, **base)
        owner = self._reserved_by("stack_component", component.type, name)
        if owner:
            return self._fleet_conflict({**base, "configuration": component.configuration}, owner)
        is_custom = is_custom or self._is_target_custom_flavor(project_id, component.type, flavor)
        converted = convert_component(component, flavor=flavor, custom=is_custom, skip_validation=self.options.skip_validation)
        base["configuration"] = converted.configuration
        base["flavor"] = flavor = converted.flavor
        base["changes"] = converted.changes
        if converted.errors:
            return Action(operation=Operation.ERROR, reason="; ".join(converted.errors), warnings=converted.warnings, **base)
        existing = self._existing_component(project_id, component.type, name)
        if existing is None:
            return Action(operation=Operation.CREATE, reason="new stack component", warnings=converted.warnings, **base)
        if existing.name == name and existing.flavor == flavor and existing.configuration == converted.configuration:
            return Action(
                operation=Operation.UNCHANGED,
                target_id=existing.id,
                reason="the stored stack component is identical",
                warnings=converted.warnings,
                **base,
            )
        return self._conflict(base, existing.id, f"{component.type} '{name}'", converted.warnings, existing.name)

    def _conflict(self, base: dict[str, Any], target_id: str, what: str, warnings: Iterable[str] = (), stored_name: str | None = None) -> Action:
        if stored_name is not None and stored_name != base["name"]:
            what = f"{what} (stored as '{stored_name}'; the target compares names case-insensitively)"
        if self.options.overwrite:
            return Action(operation=Operation.UPDATE, target_id=target_id, reason=f"{what} exists and differs; --overwrite updates it", warnings=tuple(warnings), **base)
        if self.options.ignore_errors:
            return Action(
                operation=Operation.SKIP,
                target_id=target_id,
                reason=f"{what} already exists with other settings; kept as it is (--ignore-errors)",
                warnings=(*warnings, f"{what} already exists and differs; it was not changed"),
                **base,
            )
        return Action(
            operation=Operation.ERROR,
            target_id=target_id,
            reason=f"{what} already exists with other settings; use --overwrite to update it, --prefix to migrate under new names, or --ignore-errors to keep it",
            warnings=tuple(warnings),
            **base,
        )

    # -- stacks ----------------------------------------------------------

    def _plan_stacks(self, project_id: str | None, refs: dict[tuple[str, str], EntityRef | None]) -> None:
        known = {(component.type, component.name) for component in self.profile.components}
        for stack in self.profile.stacks:
            if stack.name == DEFAULT_NAME:
                self._note_default_stack(stack)
                continue
            self.actions.append(self._plan_stack(project_id, stack, refs, known))

    def _target_component_name(self, component_type: str, name: str) -> str:
        if component_type in DEFAULT_COMPONENT_TYPES and name == DEFAULT_NAME:
            return DEFAULT_NAME
        return self.options.prefix + name

    def _note_default_stack(self, stack: LegacyStack) -> None:
        extra = {
            component_type: name
            for component_type, name in stack.components.items()
            if not (name == DEFAULT_NAME and component_type in (*DEFAULT_COMPONENT_TYPES, "metadata_store"))
        }
        message = "the legacy default stack is not copied over the target's default stack"
        if extra:
            listed = ", ".join(f"{t} '{n}'" for t, n in sorted(extra.items()))
            message += f"; it held more than the defaults ({listed}): register a stack with those components to keep it"
        self.notes.append(PlanNote(code="default-stack-skipped", entity="stack 'default'", message=message))

    def _plan_stack(
        self,
        project_id: str | None,
        stack: LegacyStack,
        refs: dict[tuple[str, str], EntityRef | None],
        known: set[tuple[str, str]],
    ) -> Action:
        name = self.options.prefix + stack.name
        components: dict[str, EntityRef] = {}
        names: dict[str, str] = {}
        problems: list[str] = []
        for component_type, component_name in stack.components.items():
            if component_type == "metadata_store":
                continue
            ref = refs.get((component_type, component_name))
            if ref is not None:
                components[component_type] = ref
                names[component_type] = self._target_component_name(component_type, component_name)
            elif (component_type, component_name) in known or (component_type, component_name) in refs:
                problems.append(f"its {component_type} '{component_name}' cannot be migrated")
            else:
                problems.append(f"its {component_type} '{component_name}' does not exist in the profile")
        base: dict[str, Any] = {
            "key": f"stack:{stack.name}",
            "kind": EntityKind.STACK,
            "name": name,
            "legacy_name": stack.name,
            "components": components,
            "component_names": names,
            "project": self.project_ref,
            "user": self.user_ref,
            "location": stack.location,
        }
        if len(name) > MAX_NAME_LENGTH:
            problems.append(_too_long(name))
        collision = self._case_collision_reason("stack", "", stack.name)
        if collision:
            problems.append(collision)
        if not problems:
            missing = [t for t in DEFAULT_COMPONENT_TYPES if t not in components]
            if missing and not self.options.skip_validation:
                problems.append(f"it has no {' and no '.join(missing)}, which every ZenML 0.20 stack needs")
        owner = self._reserved_by("stack", "", name)
        if owner:
            return self._fleet_conflict(base, owner)
        if problems:
            return Action(operation=Operation.ERROR, reason="; ".join(problems), **base)
        existing = self._existing_stack(project_id, name)
        if existing is None:
            return Action(operation=Operation.CREATE, reason="new stack", **base)
        planned_ids = tuple(sorted(ref.id for ref in components.values() if ref.id is not None))
        same_ids = all(ref.id is not None for ref in components.values()) and planned_ids == existing.component_ids
        if same_ids and existing.name == name:
            return Action(operation=Operation.UNCHANGED, target_id=existing.id, reason="the stored stack has the same components", **base)
        return self._conflict(base, existing.id, f"stack '{name}'", stored_name=existing.name)


def _too_long(name: str) -> str:
    return (
        f"the name is {len(name)} characters long and ZenML 0.20 allows at most {MAX_NAME_LENGTH}; "
        "rename it with ZenML 0.13 first, or use a shorter --prefix"
    )


def _is_stock_default(component: LegacyComponent) -> bool:
    """Return whether a legacy default component contains only what ZenML 0.13 gave every profile."""
    configuration = component.configuration
    if component.type == "orchestrator":
        return configuration == {}
    path = configuration.get("path")
    return set(configuration) <= {"path"} and (path is None or "/local_stores/" in str(path))


def _find(items: Iterable[Any], predicate: Callable[[Any], bool]) -> Any | None:
    for item in items:
        if predicate(item):
            return item
    return None


__all__ = [
    "ConvertedConfiguration",
    "TargetComponent",
    "TargetFlavor",
    "TargetProject",
    "TargetSnapshot",
    "TargetStack",
    "TargetUser",
    "component_key",
    "custom_flavor_schema",
    "plan_migration",
]
