"""The `zenml-migrate fleet` commands: init, plan and apply a manifest of many sources."""

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrator.errors import UsageError
from migrator.fleet import apply_fleet, journal_path, load_manifest, plan_fleet
from migrator.fleet.runner import resolve_source_path
from migrator.fleet.archives import is_archive
from migrator.fleet.manifest import Manifest
from migrator.legacy.reader import SQL_STORE_FILE, STACKS_FILE
from migrator.report.fleet import fleet_markdown, fleet_report, print_fleet_summary
from migrator.stores import open_store, resolve_target
from migrator.stores.target import StoreTarget, normalize_store_url, store_files

EXIT_OK, EXIT_FAILED = 0, 1


@click.group()
def fleet() -> None:
    """Migrate many collected config dirs or archives into one store from a manifest."""


def _target(manifest: Manifest) -> StoreTarget:
    if manifest.target:
        return resolve_target(manifest.target)
    return resolve_target(None)


def _progress(console: Console, total: int, label: str) -> Progress:
    progress = Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"), console=console, transient=True
    )
    progress.add_task("", total=total)
    return progress


def _check_report_files(report_files: tuple[Path, ...], manifest_path: Path, manifest: Manifest, target: StoreTarget) -> None:
    """Reject report paths that would overwrite the manifest, its journal, the store or a source, or that cannot be written."""
    protected = {manifest_path.resolve(), journal_path(manifest_path).resolve()}
    sources = [resolve_source_path(manifest_path, source).resolve() for source in manifest.sources]
    for report_file in report_files:
        if report_file.is_dir():
            raise UsageError(f"--report {str(report_file) or repr('')} is a directory; give the path of a file.")
        resolved = report_file.resolve()
        if resolved in protected:
            raise UsageError(f"--report {report_file} would overwrite the manifest or its journal; choose another file.")
        if resolved in store_files(target):
            raise UsageError(f"--report {report_file} would overwrite the target store; choose another file.")
        inside = next((source for source in sources if resolved == source or source in resolved.parents), None)
        if inside is not None:
            raise UsageError(f"--report {report_file} is inside the source {inside}, which is never written; choose another file.")
        if not report_file.parent.is_dir():
            raise UsageError(f"--report {report_file}: directory {report_file.parent} does not exist.")


def _run(manifest_path: Path, *, apply: bool, fail_fast: bool, report_files: tuple[Path, ...], as_json: bool) -> None:
    manifest = load_manifest(manifest_path)
    target = _target(manifest)
    _check_report_files(report_files, manifest_path, manifest, target)
    console = Console(stderr=True, highlight=False)
    with open_store(target) as store, _progress(console, len(manifest.sources), "apply" if apply else "plan") as bar:
        task = bar.task_ids[0]

        def advance(description: str) -> None:
            bar.update(task, advance=1, description=description)

        if apply:
            results = apply_fleet(manifest, manifest_path, store, fail_fast=fail_fast, progress=advance)
        else:
            results = plan_fleet(manifest, manifest_path, store.snapshot(), progress=advance)
        display_url = store.display_url
    exit_code = EXIT_FAILED if any(result.failed for result in results) else EXIT_OK
    report = fleet_report(results, target=display_url, manifest=str(manifest_path), dry_run=not apply, exit_code=exit_code)
    for report_file in report_files:
        if report_file.suffix.lower() == ".md":
            text = fleet_markdown(results, target=display_url, manifest=str(manifest_path), dry_run=not apply)
        else:
            text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        try:
            report_file.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"Cannot write the report {report_file}: {error.strerror}.") from None
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_fleet_summary(
            Console(highlight=False), results, title=f"{'Apply' if apply else 'Plan'}: {manifest_path} -> {display_url}", applied=apply
        )
    sys.exit(exit_code)


_report_option = click.option(
    "--report",
    "report_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file: Markdown for a .md name, JSON otherwise. Repeatable.",
)


@fleet.command("plan")
@click.argument("manifest_path", metavar="MANIFEST", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_report_option
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report to stdout instead of the table.")
def plan_command(manifest_path: Path, report_files: tuple[Path, ...], as_json: bool) -> None:
    """Plan every source of MANIFEST against the target; write nothing."""
    _run(manifest_path, apply=False, fail_fast=False, report_files=report_files, as_json=as_json)


@fleet.command("apply")
@click.argument("manifest_path", metavar="MANIFEST", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fail-fast", is_flag=True, help="Stop at the first source that fails.")
@_report_option
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report to stdout instead of the table.")
def apply_command(manifest_path: Path, fail_fast: bool, report_files: tuple[Path, ...], as_json: bool) -> None:
    """Apply every source of MANIFEST in order, one transaction per profile, resuming after an interruption."""
    _run(manifest_path, apply=True, fail_fast=fail_fast, report_files=report_files, as_json=as_json)


def find_sources(directory: Path) -> list[Path]:
    """Return the archives, config dirs and profile dirs directly inside `directory`, sorted by name."""
    found = []
    for entry in sorted(directory.iterdir()):
        if entry.is_symlink():
            continue
        if is_archive(entry):
            found.append(entry)
        elif entry.is_dir() and (
            (entry / "config.yaml").is_file() or (entry / "profiles").is_dir() or (entry / STACKS_FILE).is_file() or (entry / SQL_STORE_FILE).is_file()
        ):
            found.append(entry)
    return found


_STARTER_COMMENT = """\
zenml-migrate fleet manifest: `zenml-migrate fleet plan` shows what would change,
`zenml-migrate fleet apply` migrates. Names may use {host} (the source's file or
dir name) and {profile}. Schema: schema/fleet-manifest.schema.json
"""


@fleet.command("init")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Manifest to write or extend. Default: DIRECTORY/fleet.yaml.")
@click.option("--target", default=None, help="Target store URL to write into a new manifest.")
def init_command(directory: Path, manifest_path: Path | None, target: str | None) -> None:
    """Write a starter manifest listing every source in DIRECTORY, or add new sources to an existing one.

    An existing manifest keeps its comments, order and settings; only
    sources not listed yet are appended.
    """
    manifest_path = manifest_path or directory / "fleet.yaml"
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    if manifest_path.exists():
        load_manifest(manifest_path)  # refuse to extend an invalid manifest
        document = yaml.load(manifest_path.read_text(encoding="utf-8"))
    else:
        document = CommentedMap()
        document.yaml_set_start_comment(_STARTER_COMMENT)
        document["target"] = normalize_store_url(target) if target else None
        document.yaml_add_eol_comment("default: the store of the ZenML config dir", "target")
        defaults = CommentedMap(prefix="{host}_", project=None, overwrite=False, ignore_errors=False)
        defaults.yaml_add_eol_comment("keeps names from different hosts apart", "prefix")
        document["defaults"] = defaults
        document["sources"] = CommentedSeq()
    base = manifest_path.parent.resolve()
    listed = {str((base / str(source["path"])).resolve()) for source in document["sources"]}
    added = 0
    for path in find_sources(directory):
        if str(path.resolve()) in listed:
            continue
        try:
            relative = str(path.resolve().relative_to(base))
        except ValueError:
            relative = str(path.resolve())
        document["sources"].append(CommentedMap(path=relative))
        added += 1
    with open(manifest_path, "w", encoding="utf-8") as stream:
        yaml.dump(document, stream)
    click.echo(f"{manifest_path}: {added} sources added, {len(document['sources'])} in all.")
