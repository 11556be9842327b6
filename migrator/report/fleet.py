"""Renderers of a fleet run: a summary table, a JSON report and a Markdown change ticket."""

from typing import Any

from rich.console import Console
from rich.table import Table

from migrator import __version__
from migrator.fleet.runner import SourceResult
from migrator.legacy.models import Severity
from migrator.plan.models import Operation
from migrator.report.json_report import plan_json
from migrator.report.text import MAX_TABLE_ROWS, plain_markup

FLEET_REPORT_FORMAT = "zenml-migrate/fleet-report"
_COUNT_KEYS = ("create", "update", "unchanged", "skip", "errors", "warnings")


def source_counts(result: SourceResult, *, written_only: bool = False) -> dict[str, int]:
    """Add up the counts of a source's profiles; with `written_only`, creates and updates of profiles not applied are left out."""
    totals = dict.fromkeys(_COUNT_KEYS, 0)
    for record in result.records:
        unwritten = written_only and record.status not in ("applied", "nothing-to-do")
        for key, value in record.plan.counts().items():
            if unwritten and key not in ("errors", "warnings"):
                continue
            totals[key] += value
    if result.status == "failed" and not result.records:
        totals["errors"] += 1
    return totals


def fleet_totals(results: list[SourceResult], *, written_only: bool = False) -> dict[str, int]:
    totals = dict.fromkeys(_COUNT_KEYS, 0)
    for result in results:
        for key, value in source_counts(result, written_only=written_only).items():
            totals[key] += value
    return totals


def _first_error(result: SourceResult) -> str:
    """Return the first error of a source's plans, so that the summary shows why a source failed."""
    for record in result.records:
        for diagnostic in record.plan.diagnostics:
            if diagnostic.severity is Severity.ERROR:
                return f"first error: {diagnostic.message}"
        for action in record.plan.actions:
            if action.operation is Operation.ERROR:
                return f"first error: {action.kind.value.replace('_', ' ')} '{action.name}': {action.reason}"
    return ""


def print_fleet_summary(console: Console, results: list[SourceResult], *, title: str, applied: bool) -> None:
    """Print one row per source: status and the counts of its profiles' actions.

    Above MAX_TABLE_ROWS sources, only the sources that failed or have errors
    or warnings are listed; the JSON and Markdown reports list every source.
    """
    listed = results
    if len(results) > MAX_TABLE_ROWS:
        listed = [r for r in results if r.failed or any(source_counts(r)[key] for key in ("errors", "warnings"))]
        console.print(
            f"{len(results)} sources in all; the table lists the {len(listed)} that failed or have errors or warnings. "
            "--json and --report FILE list every source.",
            highlight=False,
        )
    if not listed:
        return
    table = Table(title=title, expand=False)
    table.add_column("source", overflow="fold", min_width=16)
    table.add_column("status", no_wrap=True)
    table.add_column("profiles", justify="right", no_wrap=True)
    table.add_column("actions", min_width=12)
    table.add_column("message", overflow="fold", min_width=16)
    for result in listed[:MAX_TABLE_ROWS]:
        counts = source_counts(result, written_only=applied)
        style = "red" if result.failed else "green"
        actions = ", ".join(f"{counts[key]} {key}" for key in _COUNT_KEYS if counts[key]) or "none"
        table.add_row(
            plain_markup(result.path),
            f"[{style}]{result.status}[/]",
            str(len(result.records)),
            actions,
            plain_markup(result.message or _first_error(result)),
        )
    console.print(table)
    if len(listed) > MAX_TABLE_ROWS:
        console.print(f"... and {len(listed) - MAX_TABLE_ROWS} more; see --json or --report FILE.", highlight=False)
    totals = fleet_totals(results, written_only=applied)
    failed = sum(1 for result in results if result.failed)
    verb = "" if applied else "would be "
    console.print(
        f"{len(results)} sources, {failed} failed: {totals['create']} {verb}created, {totals['update']} {verb}updated, "
        f"{totals['unchanged']} unchanged, {totals['skip']} skipped, {totals['errors']} errors, {totals['warnings']} warnings",
        highlight=False,
    )


def fleet_report(results: list[SourceResult], *, target: str, manifest: str, dry_run: bool, exit_code: int) -> dict[str, Any]:
    """Return the JSON report of `fleet plan` or `fleet apply` (schema/fleet-report.schema.json)."""
    return {
        "format": FLEET_REPORT_FORMAT,
        "format_version": 1,
        "tool_version": __version__,
        "manifest": manifest,
        "target": target,
        "dry_run": dry_run,
        "exit_code": exit_code,
        "summary": fleet_totals(results, written_only=not dry_run),
        "sources": [
            {
                "source": result.path,
                "host": result.host,
                "status": result.status,
                "message": result.message,
                "summary": source_counts(result, written_only=not dry_run),
                "profiles": [plan_json(record) for record in result.records],
            }
            for result in results
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fleet_markdown(results: list[SourceResult], *, target: str, manifest: str, dry_run: bool) -> str:
    """Return a Markdown change ticket: the summary table, then every error and warning by source."""
    totals = fleet_totals(results, written_only=not dry_run)
    lines = [
        f"# ZenML profile migration {'plan' if dry_run else 'report'}",
        "",
        f"- Manifest: `{manifest}`",
        f"- Target: `{target}`",
        f"- Sources: {len(results)}, failed: {sum(1 for r in results if r.failed)}",
        f"- Totals: {totals['create']} created, {totals['update']} updated, {totals['unchanged']} unchanged, "
        f"{totals['skip']} skipped, {totals['errors']} errors, {totals['warnings']} warnings",
        "",
        "| source | host | status | created | updated | unchanged | skipped | errors | warnings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        counts = source_counts(result, written_only=not dry_run)
        lines.append(
            f"| {_cell(result.path)} | {_cell(result.host)} | {result.status} | {counts['create']} | {counts['update']} | "
            f"{counts['unchanged']} | {counts['skip']} | {counts['errors']} | {counts['warnings']} |"
        )
    for result in results:
        problems = [f"- {_cell(result.message)}"] if result.message else []
        for record in result.records:
            for action in record.plan.actions:
                if action.operation.value == "error":
                    problems.append(f"- error: {action.kind.value} `{_cell(action.name)}` in profile `{_cell(record.plan.profile)}`: {_cell(action.reason)}")
                for warning in action.warnings:
                    problems.append(f"- warning: {action.kind.value} `{_cell(action.name)}`: {_cell(warning)}")
            for diagnostic in record.plan.diagnostics:
                problems.append(f"- {diagnostic.severity.value}: {_cell(diagnostic.message)}")
        if problems:
            lines += ["", f"## {_cell(result.path)}", "", *problems]
    return "\n".join(lines) + "\n"
