"""The `zenml-migrate` command line: wires options to the readers, planner, stores and renderers.

Exit status: 0 when everything was done, 1 when some entity failed or was
not applied, 2 for bad usage, unreadable input or an unreachable store.
"""

import gc
import importlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from migrator import __version__
from migrator.activate import (
    ActivationError,
    ConfigUpdate,
    StackChoice,
    find_project,
    find_stack,
    migrated_stack,
    planned_stack,
    read_repository_config,
    repository_changes,
    repository_config_path,
    same_store,
    update_config_file,
)
from migrator.errors import MigratorError, UsageError
from migrator.legacy import LegacyConfigDir, LegacyProfile, read_profiles
from migrator.legacy.models import Severity
from migrator.legacy.sql_reader import mask_url_password
from migrator.plan import MigrationOptions, Plan, TargetSnapshot, plan_migration, simulate_apply
from migrator.report import MigrationRecord, build_report, print_plan, print_profile_listing, print_summary, profile_listing_json
from migrator.stores import SqlStore, StoreTarget, open_store, resolve_target
from migrator.stores.target import store_files, zenml_config_dir

log = logging.getLogger("migrator")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _configure_logging(verbose: int) -> None:
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = levels.get(verbose, logging.DEBUG)
    handler = RichHandler(console=_console(stderr=True), show_time=False, show_path=False)
    logging.basicConfig(level=level, handlers=[handler], format="%(message)s", force=True)


class _LazyGroup(click.Group):
    """A command group that imports the module of a lazy subcommand only when that subcommand runs.

    The fleet commands pull in multiprocessing, archive readers and progress
    bars, which `profile migrate` would otherwise load at every start.
    """

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands or {}  # name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup, lazy_commands={"fleet": "migrator.cli_fleet:fleet"}, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="zenml-migrate")
@click.option("-v", "--verbose", count=True, help="Log progress to stderr; repeat for debug output.")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.pass_context
def cli(context: click.Context, verbose: int, debug: bool) -> None:
    """Move stacks, stack components and flavors of ZenML 0.13 profiles into a ZenML 0.20 store."""
    _configure_logging(verbose)
    context.obj = {"debug": debug}


@cli.group()
def profile() -> None:
    """Find and migrate legacy ZenML 0.13 profiles."""


@profile.command("list")
@click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Config dir or profile dir to search. Default: ZENML_CONFIG_PATH, else the user config dir of ZenML.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the listing as JSON.")
def list_profiles(path: Path | None, as_json: bool) -> None:
    """List legacy profiles with their store type, active stack, counts and problems.

    Exit status 1 when a problem is an error (something would not migrate).
    """
    found = read_profiles(path or zenml_config_dir())
    if as_json:
        click.echo(json.dumps(profile_listing_json(found), indent=2, ensure_ascii=False))
    else:
        print_profile_listing(_console(), found)
    diagnostics = [*found.diagnostics, *(d for profile in found.profiles for d in profile.diagnostics)]
    sys.exit(EXIT_FAILED if any(d.severity is Severity.ERROR for d in diagnostics) else EXIT_OK)


@profile.command("migrate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--store",
    "store_url",
    default=None,
    help="Target store: sqlite:///PATH, mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE or https://SERVER. Default: the store of the ZenML 0.20 config dir.",
)
@click.option("--username", default=None, help="ZenML server user (default: ZENML_STORE_USERNAME, else the ZenML config).")
@click.option("--password-stdin", is_flag=True, help="Read the ZenML server password from standard input (default: ZENML_STORE_PASSWORD).")
@click.option("--no-verify-ssl", is_flag=True, help="Do not verify the ZenML server's TLS certificate.")
@click.option("--prefix", default="", help="Prefix for the names of migrated stacks, stack components and custom flavors.")
@click.option("--project", default=None, help="Project to migrate into; created with a default stack when missing. Default: the active project.")
@click.option("--user", default=None, help="User who owns what is migrated. Default: the active user (default).")
@click.option("--overwrite", is_flag=True, help="Update existing stacks, stack components and flavors of the same name.")
@click.option("--ignore-errors", is_flag=True, help="Skip entities that conflict or fail and migrate the rest.")
@click.option("--skip-validation", is_flag=True, help="Store stack component configurations even when they are invalid.")
@click.option("--stacks", "only_stacks", is_flag=True, help="Migrate stacks and stack components (with --flavors: both).")
@click.option("--flavors", "only_flavors", is_flag=True, help="Migrate custom flavors (with --stacks: both).")
@click.option("--all", "all_profiles", is_flag=True, help="Migrate every profile found at PATH, one after the other.")
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the plan and its outcome as JSON to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report to stdout instead of tables.")
@click.option(
    "--activate",
    is_flag=True,
    help="After the apply, make the migrated counterpart of the profile's active stack the active stack "
    "in the ZenML 0.20 config.yaml (backed up first).",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Fail at once (exit status 2) when another zenml-migrate run has locked the SQL store, instead of waiting for it.",
)
def migrate(
    path: Path,
    store_url: str | None,
    prefix: str,
    project: str | None,
    user: str | None,
    overwrite: bool,
    ignore_errors: bool,
    skip_validation: bool,
    only_stacks: bool,
    only_flavors: bool,
    all_profiles: bool,
    dry_run: bool,
    report_file: Path | None,
    as_json: bool,
    activate: bool,
    username: str | None,
    password_stdin: bool,
    no_verify_ssl: bool,
    no_wait: bool,
) -> None:
    """Migrate the legacy profile at PATH into a ZenML 0.20 store: plan first, then apply atomically."""
    if project is not None and not project.strip():
        raise UsageError("--project needs a non-empty project name.")
    options = MigrationOptions(
        prefix=prefix,
        project=project,
        user=user,
        overwrite=overwrite,
        ignore_errors=ignore_errors,
        skip_validation=skip_validation,
        stacks=only_stacks or not only_flavors,
        flavors=only_flavors or not only_stacks,
    )
    found = read_profiles(path)
    profiles = _select_profiles(found, all_profiles)
    if not profiles:
        click.echo(f"Nothing to migrate: the profiles at {found.path} hold only the default stack and stack components.")
        sys.exit(EXIT_OK)
    if store_url is not None and not store_url.strip():
        raise UsageError("--store needs a store URL; leave the option out to use the store of the ZenML config dir.")
    password = _read_password(password_stdin)
    target = resolve_target(store_url, username=username, password=password, verify_ssl=False if no_verify_ssl else None)
    if report_file is not None:
        _check_report_file(report_file, path, target)
    activation_profile = _activation_profile(profiles, target) if activate else None
    console = _console(stderr=as_json)

    records: list[MigrationRecord] = []
    activation_ids: dict[str, str] = {}
    with open_store(target, user=user, project=project) as store:
        if isinstance(store, SqlStore) and not dry_run:
            # Plan and apply under the lock, so that a concurrent run cannot change the store in between.
            store.acquire_lock(wait=not no_wait, on_wait=_print_lock_wait)
        snapshot = store.snapshot()
        if not as_json:
            suffix = " (dry run: nothing is written)" if dry_run else ""
            console.print(f"Target store: {escape(store.display_url)}{suffix}", highlight=False)
        for legacy in profiles:
            plan = plan_migration(legacy, options, snapshot)
            # A later profile or --activate reads the snapshot as it is after this one.
            needs_snapshot_after = legacy is not profiles[-1] or activation_profile is not None
            if dry_run:
                record = MigrationRecord(plan, "dry-run", "Dry run, nothing written")
                if needs_snapshot_after:
                    snapshot = simulate_apply(plan, snapshot)
            elif plan.has_errors and not options.ignore_errors:
                record = MigrationRecord(plan, "not-applied", "Not applied because of the errors listed; fix them or use --ignore-errors")
            elif not plan.writes:
                record = MigrationRecord(plan, "nothing-to-do", "Nothing to write")
            else:
                outcome = store.apply(plan, snapshot)
                record = MigrationRecord(plan, "applied", f"Applied to {store.display_url}")
                log.info("Profile %s: %s", legacy.name, outcome.message)
                if needs_snapshot_after:
                    snapshot = simulate_apply(plan, snapshot, outcome.ids)
                if legacy is activation_profile:
                    activation_ids = outcome.ids
            records.append(record)
            if not as_json:
                print_plan(console, record, dry_run=dry_run)
    if not as_json:
        print_summary(console, records, dry_run=dry_run)

    exit_code = EXIT_FAILED if any(_failed(record.plan) for record in records) else EXIT_OK
    if activation_profile is not None:
        activation_record = records[profiles.index(activation_profile)]
        if not _activate_stack(console, activation_record, activation_profile, activation_ids, snapshot):
            exit_code = EXIT_FAILED
    if report_file is not None or as_json:  # building it costs a quarter second at 10,000 stack components
        report = build_report(records, target=store.display_url, dry_run=dry_run, exit_code=exit_code)
        if report_file is not None:
            _write_report(report_file, report)
        if as_json:
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    sys.exit(exit_code)


def _print_lock_wait(message: str) -> None:
    click.echo(f"{message[0].upper()}{message[1:]}.", err=True)


def _read_password(from_stdin: bool) -> str | None:
    """Read a password from the first line of standard input, for --password-stdin."""
    if not from_stdin:
        return None
    line = sys.stdin.readline()
    if not line:
        raise UsageError("--password-stdin was given, but standard input is empty.")
    return line.rstrip("\r\n")


def _failed(plan: Plan) -> bool:
    return plan.has_errors


def _activation_profile(profiles: list[LegacyProfile], target: StoreTarget) -> LegacyProfile:
    """Pick the profile whose active stack --activate makes active, and check that ZenML uses the target store.

    Raises `UsageError` before anything is written when --activate cannot work.
    """
    if len(profiles) == 1:
        chosen = profiles[0]
    else:
        activated = [p for p in profiles if p.is_activated]
        if len(activated) != 1:
            raise UsageError(
                "--activate with several profiles needs one of them to be the activated profile of the ZenML 0.13 "
                "config. Migrate the profile to activate on its own."
            )
        chosen = activated[0]
    if not chosen.active_stack:
        raise UsageError(
            f"--activate needs the active stack of profile '{chosen.name}', which the ZenML 0.13 config.yaml records. "
            "Give the ZenML 0.13 config dir instead of the profile dir."
        )
    config_dir = zenml_config_dir()
    zenml_target = resolve_target(None, config_dir)
    if zenml_target.kind != "sql" or not same_store(target.url, zenml_target.url):
        raise UsageError(
            f"--activate sets the active stack in {config_dir / 'config.yaml'}, whose ZenML store is "
            f"{mask_url_password(zenml_target.url)}, not the target {mask_url_password(target.url)}. Leave out --store, "
            "or set ZENML_CONFIG_PATH to the ZenML 0.20 config dir that uses the target store."
        )
    return chosen


def _activate_stack(
    console: Console, record: MigrationRecord, profile: LegacyProfile, ids: dict[str, str], snapshot: TargetSnapshot
) -> bool:
    """Write the migrated counterpart of the profile's active stack into the ZenML 0.20 config.yaml; return whether it worked."""
    config_file = zenml_config_dir() / "config.yaml"
    legacy_stack = profile.active_stack or ""
    try:
        if record.status == "dry-run":
            choice = planned_stack(record.plan, legacy_stack)
            console.print(
                f"Dry run: --activate would make stack '{escape(choice.stack_name)}' of project "
                f"'{escape(choice.project)}' active in {escape(str(config_file))}.",
                highlight=False,
            )
            return True
        if record.status not in ("applied", "nothing-to-do"):
            raise ActivationError(f"profile '{profile.name}' was not applied, so its active stack '{legacy_stack}' is not activated.")
        choice = migrated_stack(record.plan, ids, snapshot, legacy_stack)
        update = update_config_file(config_file, choice.config_values())
    except ActivationError as error:
        console.print(f"[red]Not activated:[/] {escape(str(error))}", highlight=False)
        return False
    _print_activation(console, choice, update)
    return True


def _print_activation(console: Console, choice: StackChoice, update: ConfigUpdate) -> None:
    where = f"written to {escape(str(update.path))}" if update.changed else f"already set in {escape(str(update.path))}, which is unchanged"
    console.print(
        f"Active stack: '{escape(choice.stack_name)}' ({choice.stack_id}) of project '{escape(choice.project)}', {where}",
        highlight=False,
    )
    if update.backup is not None:
        console.print(f"Backup of the previous file: {escape(str(update.backup))}", highlight=False)


def _select_profiles(found: LegacyConfigDir, all_profiles: bool) -> list[LegacyProfile]:
    """Pick the profiles to migrate, refusing an ambiguous PATH."""
    rest = [p for p in found.profiles if p.store_type == "rest"]
    for profile in rest:
        log.warning("Skipping profile %s: its stacks live on the ZenML 0.13 server %s", profile.name, profile.store_url)
    candidates = [p for p in found.profiles if p.store_type != "rest"]
    if found.kind == "profile_dir":
        if not candidates:
            raise UsageError(_rest_message(rest[0]) if rest else f"No legacy profile found at {found.path}.")
        return candidates
    with_content = [p for p in candidates if not p.holds_only_defaults or p.has_errors]
    if all_profiles:
        if not candidates:
            raise UsageError(f"No legacy profile with local data found at {found.path}.")
        return candidates
    if len(with_content) == 1:
        return with_content
    if not with_content:
        if rest and not candidates:
            raise UsageError(_rest_message(rest[0]))
        return []
    listing = "\n".join(f"  {p.name}: {p.path}" for p in with_content)
    raise UsageError(
        f"Found {len(with_content)} profiles to migrate at {found.path}:\n{listing}\n"
        "Give the path of one profile dir, or add --all to migrate each of them in turn."
    )


def _rest_message(profile: LegacyProfile) -> str:
    return (
        f"Profile '{profile.name}' keeps its stacks on the ZenML 0.13 server at {profile.store_url}, not on this machine, "
        "and zenml-migrate reads only profiles on disk. Run it on the host of that server, on the config dir of the "
        "profile that the server serves (`zenml up --profile`)."
    )


def _check_report_file(report_file: Path, legacy_path: Path, target: StoreTarget) -> None:
    """Reject a report path that would overwrite the store or a legacy file, or cannot be written, before any work."""
    if report_file.is_dir():
        raise UsageError(f"--report {str(report_file) or repr('')} is a directory; give the path of a file.")
    resolved = report_file.resolve()
    legacy = legacy_path.resolve()
    if resolved == legacy or legacy in resolved.parents:
        raise UsageError(f"--report {report_file} is inside the legacy dir {legacy_path}, which is never written; choose another file.")
    if resolved in store_files(target):
        raise UsageError(f"--report {report_file} would overwrite the target store; choose another file.")
    if not report_file.parent.is_dir():
        raise UsageError(f"--report {report_file}: directory {report_file.parent} does not exist.")


def _write_report(path: Path, report: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        done = "nothing was written to the store" if report["dry_run"] else "the store was changed as the summary above says"
        raise UsageError(f"Cannot write the report {path}: {error.strerror}. The run itself finished: {done}.") from None


@cli.group()
def repo() -> None:
    """Convert the config of ZenML 0.13 repositories (.zen/config.yaml) for ZenML 0.20."""


@repo.command("migrate")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--store", "store_url", default=None, help="Store that contains the migrated stacks. Default: the store of the ZenML 0.20 config dir.")
@click.option("--prefix", default="", help="The --prefix that the stacks were migrated with.")
@click.option("--project", default=None, help="Project that the stacks were migrated into. Default: the active project of the ZenML 0.20 config.")
@click.option("--dry-run", is_flag=True, help="Print the change and write nothing.")
def migrate_repository(directory: Path, store_url: str | None, prefix: str, project: str | None, dry_run: bool) -> None:
    """Make the repository at DIRECTORY use the migrated counterpart of its ZenML 0.13 active stack.

    Replaces active_profile_name and active_stack_name in DIRECTORY/.zen/config.yaml
    with the active_project_name and active_stack_id that ZenML 0.20 reads, after
    copying the file to a timestamped backup next to it.
    """
    config = read_repository_config(repository_config_path(directory))
    if config.converted:
        click.echo(f"{config.path} already has the ZenML 0.20 keys; nothing to do.")
        sys.exit(EXIT_OK)
    target = resolve_target(store_url)
    project_name = project or target.active_project
    with open_store(target) as store:
        snapshot = store.snapshot()
        display_url = store.display_url
    choice: StackChoice | None = None
    try:
        find_project(snapshot, project_name)
        if config.stack is not None:
            stack_name = config.stack if config.stack == "default" else prefix + config.stack
            choice = find_stack(snapshot, project_name, stack_name)
    except ActivationError as error:
        raise ActivationError(
            f"{error} Migrate profile '{config.profile}' first (zenml-migrate profile migrate), "
            f"or give the --store, --project and --prefix that it was migrated with. {config.path} was not changed."
        ) from None
    changes = repository_changes(choice, project_name)

    console = _console()
    console.print(f"Repository config {escape(str(config.path))}:", highlight=False)
    console.print(f"  active_profile_name: {escape(str(config.profile))} -> active_project_name: {escape(project_name)}", highlight=False)
    if choice is not None:
        console.print(
            f"  active_stack_name: {escape(str(config.stack))} -> active_stack_id: {choice.stack_id} "
            f"(stack '{escape(choice.stack_name)}' in {escape(display_url)})",
            highlight=False,
        )
    else:
        console.print("  no active stack: ZenML 0.20 uses the default stack of the project", highlight=False)
    if dry_run:
        console.print("Dry run, nothing written.", highlight=False)
        sys.exit(EXIT_OK)
    update = update_config_file(config.path, changes.values, renames=changes.renames, remove=changes.remove)
    if not update.changed:
        console.print(f"{escape(str(update.path))} is converted already; nothing written.", highlight=False)
    elif update.backup is None:
        console.print(f"Wrote {escape(str(update.path))}.", highlight=False)
    else:
        console.print(f"Wrote {escape(str(update.path))}; backup of the previous file: {escape(str(update.backup))}", highlight=False)
    sys.exit(EXIT_OK)




def run() -> None:
    """Run the command line as the `zenml-migrate` program, then end the process without freeing its objects.

    At exit, Python frees the objects of a large profile and its plan one by
    one: a tenth of a second or more at 10,000 stack components. By then
    every store and file is closed, so this flushes the log handlers and the
    output and ends the process with os._exit and the exit status. Under a
    profiler or a tracer (cProfile, coverage) it exits normally.
    """
    try:
        main()
        status = EXIT_OK
    except SystemExit as stop:
        if isinstance(stop.code, int):
            status = stop.code
        elif stop.code is None:
            status = EXIT_OK
        else:
            status = EXIT_FAILED
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(status)  # a profiler or coverage tool writes its data at a normal exit
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe, such as `zenml-migrate ... | head`
            pass
    os._exit(status)


# The state an interrupted run leaves behind, for the message after Ctrl-C.
_INTERRUPTED = (
    "Profiles already reported as applied stay committed. A SQL apply in progress was rolled back; "
    "a REST apply in progress is completed by running the command again."
)


def tune_garbage_collection() -> None:
    """Collect garbage less often than Python's default, for runs over large profiles.

    A large profile keeps millions of objects alive, and the default
    thresholds (700, 10, 10) then spend a fifth of the run in collections that
    find almost no garbage. Fewer, later collections keep the memory the same.
    """
    gc.set_threshold(50_000, 20, 20)


def main(argv: list[str] | None = None) -> None:
    """Run the command line and turn every expected error into a message and an exit status."""
    tune_garbage_collection()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="zenml-migrate", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo(
            f"Aborted. {_INTERRUPTED}",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    except MigratorError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo(f"Interrupted. {_INTERRUPTED}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as error:  # noqa: BLE001 - the last line of defence against a traceback
        if debug:
            raise
        click.echo(
            f"Internal error: {type(error).__name__}: {error}. Nothing was committed unless a profile was reported "
            "as applied. Run again with --debug for the traceback and report it.",
            err=True,
        )
        sys.exit(EXIT_USAGE)
