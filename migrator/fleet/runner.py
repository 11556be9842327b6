"""Plan and apply a fleet manifest: many sources, one target, one report.

Sources are read in parallel processes, then planned and applied one after
the other in manifest order, one transaction per profile. `plan_fleet`
plans every profile against the target as the earlier profiles would leave
it, so conflicts between sources show up before anything is written, with
both sources named. `apply_fleet` records each finished profile in a journal
next to the manifest; a later run skips what the journal lists as applied.
"""

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from migrator.errors import MigratorError
from migrator.fleet.archives import archive_stem, extract_archive, is_archive
from migrator.fleet.manifest import Manifest, Source, source_options
from migrator.legacy import LegacyConfigDir, LegacyProfile, read_profiles
from migrator.plan import Operation, Plan, TargetSnapshot, plan_migration, simulate_apply
from migrator.plan.planner import reservation_key
from migrator.report.json_report import MigrationRecord

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class SourceResult:
    """Outcome of one source of the manifest."""

    index: int
    path: str
    host: str
    status: str = "pending"  # "planned", "applied", "failed", "skipped", "nothing-to-do"
    message: str = ""
    records: list[MigrationRecord] = field(default_factory=list)
    profiles: list[LegacyProfile] = field(default_factory=list, repr=False)

    @property
    def failed(self) -> bool:
        return self.status == "failed" or any(r.plan.has_errors for r in self.records)


@dataclass
class _ReadSource:
    index: int
    found: LegacyConfigDir | None
    error: str | None


def resolve_source_path(manifest_path: Path, source: Source) -> Path:
    path = Path(source.path).expanduser()
    return path if path.is_absolute() else manifest_path.parent / path


def source_host(path: Path, source: Source) -> str:
    if source.host:
        return source.host
    return archive_stem(path) if is_archive(path) else path.name


def _single_top_dir(root: Path) -> Path:
    """Return the one directory at the top of an unpacked archive, or the extraction dir itself."""
    entries = list(root.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not (root / "config.yaml").exists():
        return entries[0]
    return root


def _read_one(index: int, path: str, scratch: str) -> _ReadSource:
    """Read one source, unpacking it first when it is an archive (runs in a worker process)."""
    location = Path(path)
    extracted: Path | None = None
    try:
        if not is_archive(location):
            return _ReadSource(index, read_profiles(location), None)
        extracted = extract_archive(location, Path(scratch) / f"source-{index:05d}")
        found = read_profiles(_single_top_dir(extracted))
        return _ReadSource(index, _name_archive_paths(found, extracted, path), None)
    except MigratorError as error:
        message = str(error) if extracted is None else str(error).replace(str(extracted), f"{path}!")
        return _ReadSource(index, None, message)
    except OSError as error:
        return _ReadSource(index, None, f"{path}: {error.strerror or error}")


def _name_archive_paths(found: LegacyConfigDir, extracted: Path, archive: str) -> LegacyConfigDir:
    """Write the paths of an unpacked archive as ARCHIVE!/MEMBER, because the scratch dir is gone once the run ends."""
    return _replace_in_strings(found, str(extracted), f"{archive}!")


def _replace_in_strings(value: Any, old: str, new: str) -> Any:
    """Return `value` with `old` replaced in every string of its models and lists; mappings (configurations) stay as they are."""
    if type(value) is str:  # not a str enum such as Severity
        return value.replace(old, new) if old in value else value
    if isinstance(value, list):
        return [_replace_in_strings(item, old, new) for item in value]
    if isinstance(value, BaseModel):
        changes = {}
        for name in type(value).model_fields:
            current = getattr(value, name)
            replaced = _replace_in_strings(current, old, new)
            if replaced is not current:
                changes[name] = replaced
        return value.model_copy(update=changes) if changes else value
    return value


@contextmanager
def read_sources(manifest: Manifest, manifest_path: Path, workers: int | None = None) -> Iterator[Iterator[_ReadSource]]:
    """Read every source in parallel processes; archives are unpacked into a scratch dir removed afterwards.

    The sources come in manifest order as soon as each is read, so that the
    caller plans the first ones while the workers read the rest.
    """
    paths = [str(resolve_source_path(manifest_path, source)) for source in manifest.sources]
    count = max(1, min(workers or os.cpu_count() or 1, len(paths)))
    with tempfile.TemporaryDirectory(prefix="zenml-migrate-fleet-") as scratch:
        if count == 1:
            yield (_read_one(i, p, scratch) for i, p in enumerate(paths))
        else:
            with ProcessPoolExecutor(max_workers=count) as pool:
                yield pool.map(_read_one, range(len(paths)), paths, [scratch] * len(paths), chunksize=8)


def _selected_profiles(found: LegacyConfigDir, source: Source) -> tuple[list[LegacyProfile], list[str]]:
    """Pick a source's profiles to migrate; return them and notes on the ones left out."""
    chosen: list[LegacyProfile] = []
    notes: list[str] = []
    for profile in found.profiles:
        if source.profiles is not None and profile.name not in source.profiles:
            continue
        if profile.store_type == "rest":
            notes.append(f"profile '{profile.name}' skipped: its stacks live on the ZenML 0.13 server {profile.store_url}")
        elif profile.holds_only_defaults and not profile.has_errors:
            notes.append(f"profile '{profile.name}' skipped: it holds only the default stack and stack components")
        else:
            chosen.append(profile)
    return chosen, notes


def reserve(plan: Plan, reserved: dict[tuple[str, str, str, str], str], label: str, fold: bool) -> None:
    """Record the entities a plan migrates, so that later sources that migrate them again conflict."""
    for action in plan.actions:
        if action.legacy_name is not None and action.operation in (Operation.CREATE, Operation.UPDATE, Operation.UNCHANGED):
            key = reservation_key(plan.project, action.kind.value, action.component_type, action.name, fold)
            reserved.setdefault(key, label)


def others(reserved: dict[tuple[str, str, str, str], str], label: str) -> Mapping[tuple[str, str, str, str], str]:
    """Return the reservations of every profile but `label`, as a view: copying them per profile grew with the square of the fleet."""
    return _OthersView(reserved, label)


class _OthersView(Mapping[tuple[str, str, str, str], str]):
    """The entries of a reservation dict whose owner is not one label."""

    def __init__(self, reserved: dict[tuple[str, str, str, str], str], label: str) -> None:
        self.reserved = reserved
        self.label = label

    def __getitem__(self, key: tuple[str, str, str, str]) -> str:
        owner = self.reserved[key]
        if owner == self.label:
            raise KeyError(key)
        return owner

    def __iter__(self) -> Iterator[tuple[str, str, str, str]]:
        return (key for key, owner in self.reserved.items() if owner != self.label)

    def __len__(self) -> int:
        return sum(1 for owner in self.reserved.values() if owner != self.label)


def profile_label(source_path: str, profile: str) -> str:
    return f"'{source_path}' (profile '{profile}')"


def plan_fleet(
    manifest: Manifest, manifest_path: Path, snapshot: TargetSnapshot, progress: Progress | None = None
) -> list[SourceResult]:
    """Plan every source against `snapshot` as the earlier sources would leave it; write nothing."""
    results: list[SourceResult] = []
    reserved: dict[tuple[str, str, str, str], str] = {}
    fold = snapshot.names_case_insensitive
    with read_sources(manifest, manifest_path) as read:
        for item in read:
            source = manifest.sources[item.index]
            path = resolve_source_path(manifest_path, source)
            result = SourceResult(index=item.index, path=source.path, host=source_host(path, source))
            results.append(result)
            if progress:
                progress(source.path)
            if item.found is None:
                result.status, result.message = "failed", item.error or "unreadable source"
                continue
            profiles, notes = _selected_profiles(item.found, source)
            result.message = "; ".join(notes)
            missing = sorted(set(source.profiles or ()) - {p.name for p in item.found.profiles})
            if missing:  # most likely a typo in the manifest, which a script must notice
                found = ", ".join(p.name for p in item.found.profiles) or "none"
                result.status = "failed"
                result.message = f"profiles not found in the source: {', '.join(missing)} (it has: {found}); fix the manifest"
                continue
            if not profiles:
                result.status = "nothing-to-do"
                continue
            for profile in profiles:
                label = profile_label(source.path, profile.name)
                options = source_options(manifest, source, result.host, profile.name)
                try:
                    plan = plan_migration(profile, options, snapshot, reserved)
                except MigratorError as error:
                    result.status, result.message = "failed", str(error)
                    break
                reserve(plan, reserved, label, fold)
                snapshot = simulate_apply(plan, snapshot)
                result.records.append(MigrationRecord(plan, "dry-run", "Dry run, nothing written"))
                result.profiles.append(profile)
            else:
                result.status = "planned"
    return results


class Journal:
    """Append-only record of finished profiles, one JSON object per line, next to the manifest."""

    def __init__(self, path: Path, target: str) -> None:
        self.path = path
        self.target = target

    def finished(self) -> set[tuple[str, str]]:
        done: set[tuple[str, str]] = set()
        if not self.path.is_file():
            return done
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut off by a crash
            if entry.get("target") == self.target and entry.get("status") in ("applied", "nothing-to-do"):
                done.add((entry.get("source"), entry.get("profile")))
        return done

    def record(self, source: str, profile: str, status: str) -> None:
        entry = {"at": datetime.now().isoformat(timespec="seconds"), "target": self.target, "source": source, "profile": profile, "status": status}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        if self.path.is_file() and self.path.stat().st_size and not self.path.read_bytes().endswith(b"\n"):
            line = "\n" + line  # the previous run was killed in the middle of a line
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())


def journal_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + ".journal")


def apply_fleet(
    manifest: Manifest,
    manifest_path: Path,
    store,  # SqlStore or RestStore: snapshot() and apply(plan, expected)
    *,
    fail_fast: bool = False,
    progress: Progress | None = None,
) -> list[SourceResult]:
    """Apply every source in manifest order, one transaction per profile, recording each in the journal."""
    journal = Journal(journal_path(manifest_path), store.display_url)
    done = journal.finished()
    snapshot = store.snapshot()
    planned = plan_fleet(manifest, manifest_path, snapshot)
    reserved: dict[tuple[str, str, str, str], str] = {}
    for result in planned:
        for record in result.records:
            reserve(record.plan, reserved, profile_label(result.path, record.plan.profile), snapshot.names_case_insensitive)
    state = {"snapshot": snapshot}
    stop = False
    for result in planned:
        if progress:
            progress(result.path)
        if stop:
            result.status, result.message = "skipped", "not started: an earlier source failed and --fail-fast is set"
            result.records = [MigrationRecord(r.plan, "not-applied", "Not started") for r in result.records]
            continue
        if result.status != "planned":
            if result.status == "failed" and fail_fast:
                stop = True
            continue
        applied_records: list[MigrationRecord] = []
        for record, profile in zip(result.records, result.profiles):
            applied_records.append(_apply_profile(record, profile, result, store, journal, done, reserved, state))
        result.records = applied_records
        result.status = "failed" if any(r.status == "failed" or r.plan.has_errors for r in applied_records) else "applied"
        if result.status == "failed" and fail_fast:
            stop = True
    return planned


def _apply_profile(  # type: ignore[no-untyped-def]
    record: MigrationRecord, profile: LegacyProfile, result: SourceResult, store, journal: Journal, done, reserved, state
) -> MigrationRecord:
    """Re-plan one profile against the target as it is now, apply it, and record it in the journal.

    `state["snapshot"]` is the target as this run left it: each apply adds
    what it wrote, with the ids the store assigned, instead of re-reading
    the whole store. The store still checks inside its transaction that
    nothing changed underneath.
    """
    profile_name = record.plan.profile
    if (result.path, profile_name) in done:
        return MigrationRecord(record.plan, "nothing-to-do", "Applied by an earlier run (journal)")
    label = profile_label(result.path, profile_name)
    try:
        snapshot = state["snapshot"]
        profile_plan = plan_migration(profile, record.plan.options, snapshot, others(reserved, label))
        if profile_plan.has_errors and not profile_plan.options.ignore_errors:
            journal.record(result.path, profile_name, "failed")
            return MigrationRecord(profile_plan, "not-applied", "Not applied because of errors")
        if not profile_plan.writes:
            journal.record(result.path, profile_name, "nothing-to-do")
            return MigrationRecord(profile_plan, "nothing-to-do", "Nothing to write")
        outcome = store.apply(profile_plan, snapshot)
        state["snapshot"] = simulate_apply(profile_plan, snapshot, outcome.ids)
    except MigratorError as error:
        state["snapshot"] = store.snapshot()
        journal.record(result.path, profile_name, "failed")
        log.error("Source %s, profile %s failed: %s", result.path, profile_name, error)
        return MigrationRecord(record.plan, "failed", str(error))
    journal.record(result.path, profile_name, "applied")
    return MigrationRecord(profile_plan, "applied", "Applied")

