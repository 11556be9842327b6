"""Rich text renderers for people: plan tables, summaries and profile listings."""

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrator.legacy.models import Diagnostic, LegacyConfigDir, Severity, printable_name
from migrator.plan.models import Action, Operation
from migrator.secrets import mask_value
from migrator.report.json_report import MigrationRecord, profile_counts

_OPERATION_STYLES = {
    Operation.CREATE: "green",
    Operation.UPDATE: "yellow",
    Operation.UNCHANGED: "dim",
    Operation.SKIP: "magenta",
    Operation.ERROR: "bold red",
}
# Above this many actions, the text output lists only the actions that need attention.
MAX_TABLE_ROWS = 200
# Above this many notes of one kind (such as one per dropped metadata store),
# the text output prints the first NOTES_SHOWN_WHEN_FOLDED and a count of the rest.
MAX_NOTES_PER_CODE = 10
NOTES_SHOWN_WHEN_FOLDED = 5
_SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def plain_markup(value: str) -> str:
    """Return data for Rich markup: control characters as backslash escapes, so that no name can drive the terminal."""
    return escape(printable_name(value))


def summary_line(counts: dict[str, int], *, dry_run: bool) -> str:
    verb = "would be " if dry_run else ""
    return (
        f"{counts['create']} {verb}created, {counts['update']} {verb}updated, {counts['unchanged']} unchanged, "
        f"{counts['skip']} skipped, {counts['errors']} errors, {counts['warnings']} warnings"
    )


def print_diagnostic(console: Console, diagnostic: Diagnostic) -> None:
    style = _SEVERITY_STYLES[diagnostic.severity]
    console.print(
        f"[{style}]{diagnostic.severity.value}[/]: {plain_markup(diagnostic.message)}\n    [dim]fix:[/] {plain_markup(diagnostic.hint)}",
        highlight=False,
    )


def print_plan(console: Console, record: MigrationRecord, *, dry_run: bool) -> None:
    """Print one profile's plan as a table of actions, then its notes, problems and summary."""
    plan = record.plan
    console.print(
        f"[bold]Profile '{plain_markup(plan.profile)}'[/] ({plain_markup(plan.profile_path)}) into project "
        f"'{plain_markup(plan.project)}' as user '{plain_markup(plan.user)}'",
        highlight=False,
    )
    shown = list(plan.actions)
    if len(shown) > MAX_TABLE_ROWS:
        shown = [a for a in plan.actions if a.operation in (Operation.UPDATE, Operation.SKIP, Operation.ERROR) or a.warnings]
        _print_operation_counts(console, record)
        console.print(
            f"{len(plan.actions)} actions in all; the table lists the {len(shown)} with updates, skips, errors or "
            "warnings. --json and --report FILE list every action.",
            highlight=False,
        )
    if shown:
        table = Table(show_lines=False, expand=False)
        for column in ("action", "kind", "name", "type / components", "flavor", "reason"):
            table.add_column(column, overflow="fold")
        for action in shown[:MAX_TABLE_ROWS]:
            detail = action.component_type or ""
            if action.component_names:
                detail = ", ".join(f"{t}: {n}" for t, n in sorted(action.component_names.items()))
            reason = plain_markup(action.reason)
            reason += "".join(f"\n[yellow]warning:[/] {plain_markup(w)}" for w in action.warnings)
            reason += _changes_text(action)
            style = _OPERATION_STYLES[action.operation]
            table.add_row(
                f"[{style}]{action.operation.value}[/]",
                action.kind.value.replace("_", " "),
                plain_markup(action.name),
                plain_markup(detail),
                plain_markup(action.flavor or ""),
                reason,
            )
        console.print(table)
        if len(shown) > MAX_TABLE_ROWS:
            console.print(f"... and {len(shown) - MAX_TABLE_ROWS} more; see --json or --report FILE.", highlight=False)
    totals = Counter(note.code for note in plan.notes)
    printed: Counter[str] = Counter()
    for note in plan.notes:
        printed[note.code] += 1
        if totals[note.code] <= MAX_NOTES_PER_CODE or printed[note.code] <= NOTES_SHOWN_WHEN_FOLDED:
            console.print(f"[cyan]note[/]: {plain_markup(note.message)}", highlight=False)
    for code, count in totals.items():
        if count > MAX_NOTES_PER_CODE:
            console.print(
                f"[cyan]note[/]: ... and {count - NOTES_SHOWN_WHEN_FOLDED} more notes of the kind '{plain_markup(code)}'; "
                "--json and --report FILE list every note.",
                highlight=False,
            )
    for diagnostic in plan.diagnostics:
        print_diagnostic(console, diagnostic)
    not_written = dry_run or record.status != "applied"
    console.print(f"{plain_markup(record.message)}: {summary_line(plan.counts(), dry_run=not_written)}", highlight=False)


def _print_operation_counts(console: Console, record: MigrationRecord) -> None:
    counts: dict[tuple[str, str], int] = {}
    for action in record.plan.actions:
        key = (action.kind.value.replace("_", " "), action.operation.value)
        counts[key] = counts.get(key, 0) + 1
    table = Table(expand=False)
    for column in ("kind", "action", "count"):
        table.add_column(column)
    for (kind, operation), count in sorted(counts.items()):
        table.add_row(kind, operation, str(count))
    console.print(table)


def _changes_text(action: Action) -> str:
    """Summarize configuration changes: defaults as a count, every other change by field."""
    defaulted = sum(1 for change in action.changes if change.kind in ("defaulted", "dropped_null"))
    lines = []
    for change in action.changes:
        if change.kind in ("defaulted", "dropped_null", "renamed_flavor"):
            continue  # defaults are counted below; a renamed flavor shows in the flavor column
        old = mask_value(change.field, change.old_value)
        new = mask_value(change.new_field or change.field, change.new_value)
        lines.append(f"\n[dim]{change.kind} {plain_markup(change.field)}: {plain_markup(repr(old))} -> {plain_markup(repr(new))}[/]")
    if defaulted:
        fields = "field gets its" if defaulted == 1 else "fields get their"
        lines.append(f"\n[dim]{defaulted} {fields} ZenML 0.20 default[/]")
    return "".join(lines)


def print_summary(console: Console, records: list[MigrationRecord], *, dry_run: bool) -> None:
    if len(records) < 2:
        return
    totals = dict.fromkeys(("create", "update", "unchanged", "skip", "errors", "warnings"), 0)
    not_applied = [r for r in records if not dry_run and r.status not in ("applied", "nothing-to-do")]
    for record in records:
        for key, value in record.plan.counts().items():
            if record in not_applied and key not in ("errors", "warnings"):
                continue  # nothing of it was written
            totals[key] = totals.get(key, 0) + value
    line = f"[bold]All {len(records)} profiles[/]: {summary_line(totals, dry_run=dry_run)}"
    if not_applied:
        line += f"; {len(not_applied)} not applied"
    console.print(line, highlight=False)


def print_profile_listing(console: Console, found: LegacyConfigDir) -> None:
    """Print one row per profile with its store type, active stack, counts and problems."""
    table = Table(title=f"Legacy ZenML profiles in {plain_markup(found.path)}", expand=False)
    for column in ("profile", "path", "store", "active stack", "stacks", "stack components", "flavors", "problems"):
        table.add_column(column, overflow="fold")
    for profile in found.profiles:
        counts = profile_counts(profile)
        errors = sum(1 for d in profile.diagnostics if d.severity is Severity.ERROR)
        warnings = sum(1 for d in profile.diagnostics if d.severity is Severity.WARNING)
        problems = []
        if errors:
            problems.append(f"[red]{errors} errors[/]")
        if warnings:
            problems.append(f"[yellow]{warnings} warnings[/]")
        name = plain_markup(profile.name)
        if profile.is_activated:
            name += " [bold](activated)[/]"
        if profile.holds_only_defaults and profile.store_type == "local":
            name += " [dim](defaults only)[/]"
        store = profile.store_type if profile.store_type != "rest" else f"rest: {profile.store_url}"
        table.add_row(
            name,
            plain_markup(profile.path),
            plain_markup(store),
            plain_markup(profile.active_stack or ""),
            str(counts["stacks"]),
            str(counts["stack_components"]),
            str(counts["flavors"]),
            ", ".join(problems) or "none",
        )
    console.print(table)
    for diagnostic in found.diagnostics:
        print_diagnostic(console, diagnostic)
    for profile in found.profiles:
        for diagnostic in profile.diagnostics:
            print_diagnostic(console, diagnostic)
    if not found.profiles:
        console.print("No legacy profiles found.")
