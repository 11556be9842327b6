"""Stable JSON documents for scripts: the migration report and the profile listing.

Both formats are described by JSON Schemas in `schema/`. They hold no ids and
no timestamps, so two dry runs of the same input give byte-identical output,
and every secret configuration value is masked.
"""

from dataclasses import dataclass
from typing import Any

from migrator import __version__
from migrator.convert import ConfigChange
from migrator.legacy.models import Diagnostic, LegacyConfigDir, LegacyProfile
from migrator.plan.models import Action, Plan
from migrator.secrets import mask_configuration, mask_value

REPORT_FORMAT = "zenml-migrate/migration-report"
LISTING_FORMAT = "zenml-migrate/profile-listing"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class MigrationRecord:
    """One profile's plan and what became of it."""

    plan: Plan
    status: str  # "applied", "dry-run", "not-applied", "nothing-to-do", and in fleets "failed"
    message: str


def _location(location: Any) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line}


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "entity": diagnostic.entity,
        "location": _location(diagnostic.location),
    }


def change_json(change: ConfigChange) -> dict[str, Any]:
    """Return one configuration change with both values masked where the field is secret."""
    return {
        "kind": change.kind,
        "field": change.field,
        "new_field": change.new_field,
        "old_value": mask_value(change.field, change.old_value),
        "new_value": mask_value(change.new_field or change.field, change.new_value),
        "message": change.message,
    }


def action_json(action: Action) -> dict[str, Any]:
    document: dict[str, Any] = {
        "kind": action.kind.value,
        "operation": action.operation.value,
        "name": action.name,
        "legacy_name": action.legacy_name,
        "component_type": action.component_type,
        "flavor": action.flavor,
        "reason": action.reason,
        "warnings": list(action.warnings),
        "location": _location(action.location),
    }
    if action.configuration is not None:
        document["configuration"] = mask_configuration(action.configuration)
    if action.changes:
        document["changes"] = [change_json(change) for change in action.changes]
    if action.component_names is not None:
        document["components"] = dict(sorted(action.component_names.items()))
    if action.source is not None:
        document["source"] = action.source
    return document


def plan_json(record: MigrationRecord) -> dict[str, Any]:
    plan = record.plan
    return {
        "profile": plan.profile,
        "path": plan.profile_path,
        "project": plan.project,
        "user": plan.user,
        "options": plan.options.model_dump(),
        "status": record.status,
        "message": record.message,
        "summary": plan.counts(),
        "actions": [action_json(action) for action in plan.actions],
        "notes": [{"code": note.code, "entity": note.entity, "message": note.message} for note in plan.notes],
        "diagnostics": [diagnostic_json(diagnostic) for diagnostic in plan.diagnostics],
    }


def build_report(records: list[MigrationRecord], *, target: str, dry_run: bool, exit_code: int) -> dict[str, Any]:
    """Return the JSON report of a `profile migrate` run."""
    totals: dict[str, int] = {}
    for record in records:
        for key, value in record.plan.counts().items():
            totals[key] = totals.get(key, 0) + value
    return {
        "format": REPORT_FORMAT,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "target": target,
        "dry_run": dry_run,
        "exit_code": exit_code,
        "summary": totals,
        "profiles": [plan_json(record) for record in records],
    }


def profile_counts(profile: LegacyProfile) -> dict[str, int]:
    return {"stacks": len(profile.stacks), "stack_components": len(profile.components), "flavors": len(profile.flavors)}


def profile_listing_json(found: LegacyConfigDir) -> dict[str, Any]:
    """Return the JSON form of `profile list`."""
    return {
        "format": LISTING_FORMAT,
        "format_version": FORMAT_VERSION,
        "path": found.path,
        "kind": found.kind,
        "version": found.version,
        "activated_profile": found.activated_profile,
        "diagnostics": [diagnostic_json(d) for d in found.diagnostics],
        "profiles": [
            {
                "name": profile.name,
                "path": profile.path,
                "store_type": profile.store_type,
                "store_url": profile.store_url,
                "active_stack": profile.active_stack,
                "active_user": profile.active_user,
                "activated": profile.is_activated,
                "only_defaults": profile.holds_only_defaults,
                "counts": profile_counts(profile),
                "unmigrated_sections": profile.unmigrated_sections,
                "diagnostics": [diagnostic_json(d) for d in profile.diagnostics],
            }
            for profile in found.profiles
        ],
    }
