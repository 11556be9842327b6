"""Lookups of a target snapshot by id and by owner and name, kept up to date across simulated applies.

A fleet plans hundreds of profiles one after the other, each against the
snapshot that the previous ones would leave. Building these lookups from the
whole snapshot for every profile made planning grow with the square of the
fleet's size. `SnapshotIndex` is built once; `simulate_apply` then changes it
in step with the snapshot it returns and hands it over to that snapshot.
"""

from collections import Counter
from typing import Any

from migrator.plan.models import TargetComponent, TargetFlavor, TargetSnapshot, TargetStack

ComponentKey = tuple[str | None, str | None, str, str]
StackKey = tuple[str | None, str | None, str]
FlavorKey = tuple[str | None, str, str]


def fold(name: str, case_insensitive: bool) -> str:
    return name.casefold() if case_insensitive else name


class SnapshotIndex:
    """The flavors, stack components and stacks of one snapshot, by id and by the keys the planner looks up.

    Private stack components are keyed by (project id, user id, type, name).
    Private stacks are keyed by (project id, user id, name), and flavors by
    (project id, type, name). Names are case-folded when the target compares names
    case-insensitively. Where several entities share a key, the first in
    snapshot order is the one found, as a scan of the snapshot would find it.
    """

    def __init__(self, snapshot: TargetSnapshot) -> None:
        self.case_insensitive = snapshot.names_case_insensitive
        self.flavors_by_id: dict[str, TargetFlavor] = {}
        self.components_by_id: dict[str, TargetComponent] = {}
        self.stacks_by_id: dict[str, TargetStack] = {}
        self._flavors: dict[FlavorKey, list[TargetFlavor]] = {}
        self._components: dict[ComponentKey, list[TargetComponent]] = {}
        self._stacks: dict[StackKey, list[TargetStack]] = {}
        self._component_uses: Counter[str] = Counter()
        for flavor in snapshot.flavors:
            self.put_flavor(flavor)
        for component in snapshot.components:
            self.put_component(component)
        for stack in snapshot.stacks:
            self.put_stack(stack)
        self.built_from = (snapshot.flavors, snapshot.components, snapshot.stacks)

    def matches(self, snapshot: TargetSnapshot) -> bool:
        """Tell whether this index describes exactly the entity tuples of `snapshot`."""
        flavors, components, stacks = self.built_from
        return (
            snapshot.flavors is flavors
            and snapshot.components is components
            and snapshot.stacks is stacks
            and snapshot.names_case_insensitive == self.case_insensitive
        )

    # -- lookups ----------------------------------------------------------

    def component(self, project_id: str, user_id: str, component_type: str, name: str) -> TargetComponent | None:
        found = self._components.get((project_id, user_id, component_type, fold(name, self.case_insensitive)))
        return found[0] if found else None

    def stack(self, project_id: str, user_id: str, name: str) -> TargetStack | None:
        found = self._stacks.get((project_id, user_id, fold(name, self.case_insensitive)))
        return found[0] if found else None

    def flavor(self, project_id: str, flavor_type: str, name: str) -> TargetFlavor | None:
        found = self._flavors.get((project_id, flavor_type, fold(name, self.case_insensitive)))
        return found[0] if found else None

    def is_used_by_a_stack(self, component_id: str) -> bool:
        return self._component_uses[component_id] > 0

    # -- changes ------------------------------------------------------------

    def put_flavor(self, flavor: TargetFlavor) -> None:
        """Add `flavor`, or replace the flavor with its id and move it to the end, as an update does."""
        old = self.flavors_by_id.pop(flavor.id, None)
        if old is not None:
            _remove(self._flavors, self._flavor_key(old), old)
        self.flavors_by_id[flavor.id] = flavor
        self._flavors.setdefault(self._flavor_key(flavor), []).append(flavor)

    def put_component(self, component: TargetComponent) -> None:
        """Add `component`, or replace the stack component with its id and move it to the end."""
        old = self.components_by_id.pop(component.id, None)
        if old is not None and not old.is_shared:
            _remove(self._components, self._component_key(old), old)
        self.components_by_id[component.id] = component
        if not component.is_shared:
            self._components.setdefault(self._component_key(component), []).append(component)

    def put_stack(self, stack: TargetStack) -> None:
        """Add `stack`, or replace the stack with its id and move it to the end."""
        old = self.stacks_by_id.pop(stack.id, None)
        if old is not None:
            self._component_uses.subtract(old.component_ids)
            if not old.is_shared:
                _remove(self._stacks, self._stack_key(old), old)
        self.stacks_by_id[stack.id] = stack
        self._component_uses.update(stack.component_ids)
        if not stack.is_shared:
            self._stacks.setdefault(self._stack_key(stack), []).append(stack)

    def _flavor_key(self, flavor: TargetFlavor) -> FlavorKey:
        return (flavor.project_id, flavor.type, fold(flavor.name, self.case_insensitive))

    def _component_key(self, component: TargetComponent) -> ComponentKey:
        return (component.project_id, component.user_id, component.type, fold(component.name, self.case_insensitive))

    def _stack_key(self, stack: TargetStack) -> StackKey:
        return (stack.project_id, stack.user_id, fold(stack.name, self.case_insensitive))


def _remove(index: dict[Any, list[Any]], key: Any, entity: Any) -> None:
    entries = index[key]
    del entries[next(position for position, entry in enumerate(entries) if entry is entity)]
    if not entries:
        del index[key]


def index_of(snapshot: TargetSnapshot) -> SnapshotIndex:
    """Return the index of `snapshot`, building it on first use."""
    index = snapshot.__pydantic_private__.get("_index") if snapshot.__pydantic_private__ else None
    if index is None or not index.matches(snapshot):
        index = SnapshotIndex(snapshot)
        attach_index(snapshot, index)
    return index


def take_index(snapshot: TargetSnapshot) -> SnapshotIndex:
    """Return the index of `snapshot` for changing it; `snapshot` builds a new one if it is used again."""
    index = index_of(snapshot)
    attach_index(snapshot, None)
    return index


def attach_index(snapshot: TargetSnapshot, index: SnapshotIndex | None) -> None:
    if index is not None:
        index.built_from = (snapshot.flavors, snapshot.components, snapshot.stacks)
    snapshot.__pydantic_private__["_index"] = index
