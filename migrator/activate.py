"""Make a migrated stack the active stack of ZenML 0.20: in the global config or in a repository.

ZenML 0.20.5 reads the active stack from two YAML files with the same keys:
`active_project_name` (a project name) and `active_stack_id` (the stack's UUID
in its dashed form, as pydantic serializes `uuid.UUID`). One is `config.yaml`
in the global config dir (GlobalConfiguration in zenml/config/global_config.py),
the other `.zen/config.yaml` in a repository (ClientConfiguration in
zenml/client.py). ZenML 0.13.2 kept `active_profile_name` and
`active_stack_name` (a stack name) in `.zen/config.yaml` instead.

On every start ZenML 0.20.5 replaces an active stack that is missing, belongs
to another project, or is neither shared nor owned by its active user with
the default stack (BaseZenStore.validate_active_config). The functions here
pick only stacks that pass those checks.

A config file is changed in place. Only the lines of the changed keys are
rewritten, so comments, key order and formatting elsewhere stay byte for
byte, and the old file is first copied to `config.yaml.bak-YYYYmmddTHHMMSS`
next to it.
"""

import io
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.util import load_yaml_guess_indent
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from migrator.errors import InputError, MigratorError
from migrator.plan.models import DEFAULT_NAME, EntityKind, Operation, Plan, TargetProject, TargetSnapshot

PROJECT_KEY = "active_project_name"
STACK_ID_KEY = "active_stack_id"
LEGACY_PROFILE_KEY = "active_profile_name"
LEGACY_STACK_KEY = "active_stack_name"
REPOSITORY_DIRECTORY = ".zen"
CONFIG_FILE = "config.yaml"
# ZenML 0.20.5 reads the name of the active user of a SQL store from this variable (default: "default").
DEFAULT_USER_ENV = "ZENML_DEFAULT_USER_NAME"
BACKUP_TIME_FORMAT = "%Y%m%dT%H%M%S"
# A top-level `key:` line with no value, optionally followed by a comment.
# One line with its line break; YAML 1.2, which ruamel.yaml reads, breaks lines only at \n and \r.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
_EMPTY_VALUE_LINE = re.compile(r"""^(?:"[^"]*"|'[^']*'|[^\s#'"][^#]*?)\s*:\s*(?:#.*)?$""")


class ActivationError(MigratorError):
    """Raised when a stack cannot be made active; no config file was changed."""

    exit_code = 1


@dataclass(frozen=True)
class StackChoice:
    """A stack of the target store that ZenML 0.20 accepts as active."""

    project: str
    stack_name: str
    stack_id: str = ""  # dashed UUID, empty in a dry run for a stack that is not created yet

    def config_values(self) -> dict[str, str]:
        return {PROJECT_KEY: self.project, STACK_ID_KEY: self.stack_id}


@dataclass(frozen=True)
class ConfigUpdate:
    """A config file that was changed: where, its backup, and the values before the change."""

    path: Path
    backup: Path | None
    previous: dict[str, Any]
    changed: bool = True  # False when the file already had the values; then it was neither backed up nor written


# -- choosing the stack ------------------------------------------------------


def zenml_active_user() -> str:
    """Return the user that ZenML 0.20.5 acts as on a SQL store."""
    return os.environ.get(DEFAULT_USER_ENV) or DEFAULT_NAME


def dashed_id(stored_id: str) -> str:
    """Return a stack id as ZenML 0.20 writes it in config files, from the 32 hex digits of its database row."""
    return str(uuid.UUID(stored_id))


def migrated_stack(plan: Plan, ids: Mapping[str, str], snapshot: TargetSnapshot, legacy_stack: str) -> StackChoice:
    """Return the migrated counterpart of the legacy stack `legacy_stack` after `plan` was applied.

    `ids` maps the plan keys of created entities to their ids (ApplyOutcome.ids)
    and `snapshot` is the target store after the apply. The legacy `default`
    stack maps to the default stack of the user in the target project. Raises
    `ActivationError` when the stack was not migrated or ZenML would not
    accept it as active.
    """
    _check_owner(plan.user, f"the stacks of profile '{plan.profile}' belong to user '{plan.user}'")
    if legacy_stack == DEFAULT_NAME:
        created = ids.get("default:stack")
        if created is not None:
            return StackChoice(project=plan.project, stack_name=DEFAULT_NAME, stack_id=dashed_id(created))
        return find_stack(snapshot, plan.project, DEFAULT_NAME)
    action = next(
        (a for a in plan.actions if a.kind is EntityKind.STACK and a.legacy_name == legacy_stack),
        None,
    )
    if action is None:
        raise ActivationError(
            f"The active stack '{legacy_stack}' of profile '{plan.profile}' was not part of this migration "
            "(the profile has no such stack, or --flavors left out the stacks)."
        )
    if action.operation is Operation.CREATE:
        stored_id = ids.get(action.key)
    elif action.operation in (Operation.UPDATE, Operation.UNCHANGED):
        stored_id = action.target_id
    else:
        raise ActivationError(f"The active stack '{legacy_stack}' was not migrated: {action.reason}.")
    if stored_id is None:
        raise ActivationError(f"The store did not report the id of stack '{action.name}'; run the command again.")
    return StackChoice(project=plan.project, stack_name=action.name, stack_id=dashed_id(stored_id))


def planned_stack(plan: Plan, legacy_stack: str) -> StackChoice:
    """Return the stack that `migrated_stack` would pick once `plan` is applied, without its id (for dry runs)."""
    _check_owner(plan.user, f"the stacks of profile '{plan.profile}' would belong to user '{plan.user}'")
    if legacy_stack == DEFAULT_NAME:
        return StackChoice(project=plan.project, stack_name=DEFAULT_NAME)
    for action in plan.actions:
        if action.kind is EntityKind.STACK and action.legacy_name == legacy_stack:
            if action.operation in (Operation.ERROR, Operation.SKIP):
                raise ActivationError(f"The active stack '{legacy_stack}' would not be migrated: {action.reason}.")
            return StackChoice(project=plan.project, stack_name=action.name)
    raise ActivationError(f"The active stack '{legacy_stack}' of profile '{plan.profile}' is not part of this migration.")


def find_project(snapshot: TargetSnapshot, project: str) -> TargetProject:
    """Return the stored project `project`. Raises `ActivationError` when it does not exist."""
    stored = next((p for p in snapshot.projects if p.name == project), None)
    if stored is None:
        known = ", ".join(sorted(p.name for p in snapshot.projects)) or "none"
        raise ActivationError(f"Project '{project}' does not exist in the target store (projects: {known}).")
    return stored


def find_stack(snapshot: TargetSnapshot, project: str, name: str) -> StackChoice:
    """Return the stack `name` of `project` that ZenML's active user may activate: their own, else a shared one.

    Raises `ActivationError` when the project or such a stack does not exist.
    """
    stored_project = find_project(snapshot, project)
    user = zenml_active_user()
    user_id = next((u.id for u in snapshot.users if u.name == user), None)
    candidates = [s for s in snapshot.stacks if s.project_id == stored_project.id and s.name == name]
    own = [s for s in candidates if s.user_id is not None and s.user_id == user_id]
    shared = [s for s in candidates if s.is_shared]
    chosen = (own or shared or [None])[0]
    if chosen is None:
        if candidates:
            raise ActivationError(
                f"Stack '{name}' of project '{project}' belongs to another user and is not shared; "
                f"ZenML 0.20 activates only stacks of its active user '{user}' or shared stacks."
            )
        raise ActivationError(f"Stack '{name}' does not exist in project '{project}' of the target store.")
    return StackChoice(project=project, stack_name=chosen.name, stack_id=dashed_id(chosen.id))


def _check_owner(owner: str, what: str) -> None:
    user = zenml_active_user()
    if owner != user:
        raise ActivationError(
            f"ZenML 0.20 would not keep the stack active: {what}, but ZenML acts as user '{user}' "
            f"(set by {DEFAULT_USER_ENV}) and activates only that user's stacks or shared stacks."
        )


def same_store(first: str, second: str) -> bool:
    """Return whether two store URLs name the same database: one SQLite file, or one database on one server."""
    try:
        a, b = make_url(first), make_url(second)
    except (ArgumentError, ValueError):
        return first == second
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        if not a.database or not b.database:
            return False
        return Path(a.database).resolve() == Path(b.database).resolve()
    return (a.host, a.port, a.database, a.username) == (b.host, b.port, b.database, b.username)


# -- repository configs ------------------------------------------------------


@dataclass(frozen=True)
class RepositoryConfig:
    """The `.zen/config.yaml` of a repository, as ZenML 0.13 or 0.20 left it."""

    path: Path
    profile: str | None
    stack: str | None
    converted: bool  # it has the ZenML 0.20 keys and none of the ZenML 0.13 keys


def repository_config_path(directory: Path) -> Path:
    """Return the `.zen/config.yaml` of the repository at `directory` (its root, its `.zen` dir, or the file).

    Raises `InputError` when there is none.
    """
    directory = directory.expanduser()
    candidates = [directory / REPOSITORY_DIRECTORY / CONFIG_FILE]
    if directory.name == REPOSITORY_DIRECTORY:
        candidates.append(directory / CONFIG_FILE)
    if directory.name == CONFIG_FILE and directory.parent.name == REPOSITORY_DIRECTORY:
        candidates.append(directory)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if not directory.exists():
        raise InputError(f"{directory} does not exist. Give the root directory of a ZenML repository.")
    raise InputError(
        f"{directory} is not a ZenML repository: {candidates[0]} does not exist. "
        "Give the directory where `zenml init` was run."
    )


def read_repository_config(path: Path) -> RepositoryConfig:
    """Read a repository config. Raises `InputError` for a file that is not a ZenML repository config."""
    data = _load_mapping(path, InputError)
    if "stacks" in data and "stack_components" in data:
        raise InputError(
            f"{path} is a repository config of ZenML before 0.7, which keeps stacks in the repository. "
            "Run any ZenML 0.13 command in the repository once; it moves them into a profile."
        )
    profile = data.get(LEGACY_PROFILE_KEY)
    stack = data.get(LEGACY_STACK_KEY)
    return RepositoryConfig(
        path=path,
        profile=str(profile) if profile is not None else None,
        stack=str(stack) if stack is not None else None,
        converted=LEGACY_PROFILE_KEY not in data and LEGACY_STACK_KEY not in data and PROJECT_KEY in data,
    )


@dataclass(frozen=True)
class ConfigChanges:
    """Changes to the top-level keys of a config file: values to set, keys to rename, keys to delete."""

    values: dict[str, str]
    renames: dict[str, str]
    remove: tuple[str, ...] = ()


def repository_changes(choice: StackChoice | None, project: str) -> ConfigChanges:
    """Return the changes that turn a ZenML 0.13 repository config into the ZenML 0.20 one.

    The 0.13 keys are replaced in place by the 0.20 keys. `choice` is None
    when the 0.13 config names no active stack; the result then sets no
    stack, and ZenML 0.20 uses the default stack.
    """
    if choice is None:
        return ConfigChanges(
            values={PROJECT_KEY: project},
            renames={LEGACY_PROFILE_KEY: PROJECT_KEY},
            remove=(LEGACY_STACK_KEY,),
        )
    return ConfigChanges(
        values=choice.config_values(),
        renames={LEGACY_PROFILE_KEY: PROJECT_KEY, LEGACY_STACK_KEY: STACK_ID_KEY},
    )


# -- writing config files ----------------------------------------------------


def update_config_file(
    path: Path,
    values: Mapping[str, str],
    *,
    renames: Mapping[str, str] | None = None,
    remove: tuple[str, ...] = (),
    now: datetime | None = None,
) -> ConfigUpdate:
    """Set top-level `values` in the YAML file `path`, after copying it to a timestamped backup.

    `renames` maps an old key to a new key that takes its place, its value
    coming from `values`. Keys in `remove` are deleted. A missing file is
    created, with no backup. A file that has the values already is left
    alone, with no backup, so repeated runs do not pile up identical backups. Raises `ActivationError` when the file cannot be
    read, does not contain a mapping, or cannot be written; then nothing was changed.
    """
    renames = dict(renames or {})
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, _render_new(values), mode=None)
        return ConfigUpdate(path=path, backup=None, previous={})

    text = _read_text(path)
    before = _load_mapping(path, ActivationError, text)
    expected = _expected_mapping(before, values, renames, remove)
    new_text = _splice(text, values, renames, remove)
    if new_text is None or _parse(new_text) != expected:
        # NOTE: reached only for values spread over several lines or unusual layouts;
        # a full round-trip dump keeps comments and key order but may re-indent lists.
        try:
            new_text = _round_trip(text, values, renames, remove)
        except RuamelYAMLError as error:
            raise ActivationError(f"Cannot update {path}: {error}. Edit it by hand: {dict(values)}.") from None
        if _parse(new_text) != expected:
            raise ActivationError(f"Cannot update {path} without changing other keys; edit it by hand: {dict(values)}.")
    previous = {key: before[key] for key in (*values, *renames, *remove) if key in before}
    if new_text == text:
        return ConfigUpdate(path=path, backup=None, previous=previous, changed=False)
    backup = _backup(path, now or datetime.now())
    _write_atomically(path, new_text, mode=stat.S_IMODE(path.stat().st_mode))
    return ConfigUpdate(path=path, backup=backup, previous=previous)


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ActivationError(f"Cannot read {path}: {error.strerror}.") from None
    except UnicodeDecodeError as error:
        raise ActivationError(f"{path} is not valid UTF-8 (invalid byte at offset {error.start}).") from None


def _load_mapping(path: Path, error_type: type[MigratorError], text: str | None = None) -> dict[str, Any]:
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise error_type(f"Cannot read {path}: {error}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise error_type(f"{path} is not valid YAML: {error}. Fix it or restore it from a backup.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error_type(f"{path} contains a {type(data).__name__}, not a mapping. Restore it from a backup.")
    return data


def _parse(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _expected_mapping(
    before: dict[str, Any], values: Mapping[str, str], renames: Mapping[str, str], remove: tuple[str, ...]
) -> dict[str, Any]:
    expected = {key: value for key, value in before.items() if key not in renames and key not in remove}
    expected.update(values)
    return expected


def _render_line(key: str, value: str) -> str:
    """Render `key: value` as one YAML line, quoted where YAML needs it, without the line break."""
    rendered = yaml.safe_dump({key: value}, default_flow_style=False, allow_unicode=True, width=1 << 16)
    return rendered.rstrip("\n")


def _render_new(values: Mapping[str, str]) -> str:
    return "".join(_render_line(key, value) + "\n" for key, value in values.items())


def _splice(text: str, values: Mapping[str, str], renames: Mapping[str, str], remove: tuple[str, ...]) -> str | None:
    """Rewrite only the lines of the changed top-level keys; return None where the layout does not allow it."""
    try:
        data = YAML(typ="rt").load(text)
    except RuamelYAMLError:
        return None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        return None
    lines = _LINE.findall(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    replaced: dict[int, str | None] = {}  # line index -> new line, or None to delete the line
    written: set[str] = set()

    for old_key, new_key in renames.items():
        if old_key not in data:
            continue
        line = _key_line(data, old_key, lines)
        if line is None:
            return None
        if new_key in values and new_key not in data:
            replaced[line] = _replace_line(lines[line], data, old_key, new_key, values[new_key])
            written.add(new_key)
        else:
            replaced[line] = None
    for key in remove:
        if key in data:
            line = _key_line(data, key, lines)
            if line is None:
                return None
            replaced[line] = None
    for key, value in values.items():
        if key in written or key not in data:
            continue
        line = _key_line(data, key, lines)
        if line is None or line in replaced:
            return None
        replaced[line] = _replace_line(lines[line], data, key, key, value)
        written.add(key)

    result = [replaced.get(index, line) for index, line in enumerate(lines)]
    additions = [_render_line(key, value) + newline for key, value in values.items() if key not in written]
    if additions:
        if result and result[-1] is not None and not result[-1].endswith(("\n", "\r")):
            result[-1] += newline
        result.extend(additions)
    return "".join(line for line in result if line is not None)


def _key_line(data: CommentedMap, key: str, lines: list[str]) -> int | None:
    """Return the index of the line that contains `key` and its whole scalar value, or None."""
    if isinstance(data[key], (dict, list)):
        return None
    line, _column = data.lc.key(key)
    if line >= len(lines):
        return None
    value_line, _value_column = data.lc.value(key)
    if value_line == line:
        return line
    # An empty value (`key:`) is null; ruamel places its position on a later line.
    if data[key] is None and _EMPTY_VALUE_LINE.match(lines[line].rstrip("\r\n")):
        return line
    return None


def _replace_line(line: str, data: CommentedMap, old_key: str, new_key: str, value: str) -> str:
    """Return `line` with `old_key: <value>` replaced, keeping its indentation, end-of-line comment and line break."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    comment = ""
    tokens = data.ca.items.get(old_key)
    token = tokens[2] if tokens and len(tokens) > 2 else None
    if token is not None and token.start_mark.line == data.lc.key(old_key)[0]:
        before_comment = body[: token.start_mark.column]
        # The spaces between the value and the comment stay as they were.
        comment = before_comment[len(before_comment.rstrip()) :] + body[token.start_mark.column :]
    _line, column = data.lc.key(old_key)
    return body[:column] + _render_line(new_key, value) + comment + ending


def _round_trip(text: str, values: Mapping[str, str], renames: Mapping[str, str], remove: tuple[str, ...]) -> str:
    _data, indent, block_seq_indent = load_yaml_guess_indent(text)
    round_trip = YAML(typ="rt")
    round_trip.preserve_quotes = True
    round_trip.width = 1 << 16
    round_trip.indent(mapping=indent or 2, sequence=(indent or 2) + (block_seq_indent or 0), offset=block_seq_indent or 0)
    data = round_trip.load(text) or CommentedMap()
    for old_key, new_key in renames.items():
        if old_key in data:
            position = list(data).index(old_key)
            del data[old_key]
            if new_key in values and new_key not in data:
                data.insert(position, new_key, values[new_key])
    for key in remove:
        data.pop(key, None)
    for key, value in values.items():
        data[key] = value
    output = io.StringIO()
    round_trip.dump(data, output)
    return output.getvalue()


def _backup(path: Path, now: datetime) -> Path:
    stem = f"{path.name}.bak-{now.strftime(BACKUP_TIME_FORMAT)}"
    backup = path.with_name(stem)
    counter = 1
    while backup.exists():
        counter += 1
        backup = path.with_name(f"{stem}-{counter}")
    try:
        shutil.copy2(path, backup)
    except OSError as error:
        raise ActivationError(f"Cannot back up {path} to {backup}: {error.strerror}; nothing was changed.") from None
    return backup


def _write_atomically(path: Path, text: str, *, mode: int | None) -> None:
    """Write through a temporary file in the same directory, so that readers see the old or the new file."""
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        raise ActivationError(f"Cannot write {path}: {error.strerror}.") from None
