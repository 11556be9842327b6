"""Read legacy ZenML 0.13 config dirs and profile dirs into normalized models.

Reading never raises for a problem inside a profile: each problem becomes a
`Diagnostic` naming the file, and everything sound is still read. Only a path
that holds no legacy profile at all raises `InputError`. Nothing is written.
"""

import errno
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from migrator.errors import InputError
from migrator.legacy.models import (
    COMPONENT_TYPES,
    UNMIGRATED_SECTIONS,
    Diagnostic,
    LegacyComponent,
    LegacyConfigDir,
    LegacyFlavor,
    LegacyProfile,
    LegacyStack,
    Severity,
    SourceLocation,
    StoreType,
    component_directory,
    has_control_characters,
    printable_name,
)
from migrator.legacy.sql_reader import (
    is_mysql_url,
    mask_url_password,
    read_mysql_store,
    read_sqlite_store,
    sqlite_path_of,
    unsupported_store_profile,
)
from migrator.legacy.yaml_files import YamlDocument, YamlFileError, describe_file_type, load_yaml_file, load_yaml_files

log = logging.getLogger(__name__)

STACKS_FILE = "stacks.yaml"
# The maximum length of a file name on Linux and macOS file systems (NAME_MAX), in bytes.
MAX_FILE_NAME_BYTES = 255
SQL_STORE_FILE = "zenml.db"
_KNOWN_STACKS_SECTIONS = {"stacks", "stack_components", "stack_component_flavors", *UNMIGRATED_SECTIONS}


def read_profiles(path: str | os.PathLike[str]) -> LegacyConfigDir:
    """Find and read every legacy profile at `path`.

    `path` may be a ZenML 0.13 global config dir (`config.yaml` and
    `profiles/<name>/`), a global config dir that ZenML 0.20 already rewrote
    (no `profiles` key in `config.yaml`, `profiles/` still on disk), a
    `profiles/` dir, or one profile dir. Raises `InputError` when `path` does
    not exist or is none of these.
    """
    root = Path(path).expanduser()
    loop = _symlink_loop(root)
    if loop is not None:
        raise InputError(f"{root} is a loop of symbolic links ({loop}). Give the path of a ZenML 0.13 config dir or profile dir.")
    try:
        info = root.stat()
    except FileNotFoundError:
        raise InputError(f"{root} does not exist. Give the path of a ZenML 0.13 config dir or profile dir.") from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InputError(f"{root} cannot be read: {reason}. Give the path of a ZenML 0.13 config dir or profile dir.") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{root} is not a directory. Give the path of a ZenML 0.13 config dir or profile dir.")

    if _is_profile_dir(root):
        profile = read_profile_dir(root)
        return LegacyConfigDir(path=str(root), kind="profile_dir", profiles=[profile])
    if os.path.lexists(root / "config.yaml") or os.path.lexists(root / "profiles"):
        return _read_global_config_dir(root)
    subdirs = _profile_subdirs(root)
    if subdirs:
        profiles = [read_profile_dir(subdir) for subdir in subdirs]
        return LegacyConfigDir(path=str(root), kind="profiles_dir", profiles=profiles)
    raise InputError(
        f"No legacy ZenML profile found at {root}: expected a config dir with config.yaml and profiles/, "
        f"or a profile dir with {STACKS_FILE} or {SQL_STORE_FILE}."
    )


def _is_profile_dir(path: Path) -> bool:
    # lexists: a stacks.yaml that is a directory, a FIFO or a broken link still
    # marks a profile dir, whose reader then reports what is wrong with it.
    # lexists returns False for a path the OS rejects, such as one that is too long.
    return os.path.lexists(path / STACKS_FILE) or os.path.lexists(path / SQL_STORE_FILE)


def _is_dir(path: Path) -> bool:
    """Return whether `path` is a directory; False also for a path the OS rejects (too long, or with a NUL byte)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    """Return whether `path` is a regular file; False also for a path the OS rejects."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _symlink_loop(path: Path) -> str | None:
    """Return the error of resolving `path` when it is a loop of symbolic links, else None."""
    try:
        if not path.is_symlink():
            return None
    except (OSError, ValueError):
        return None
    try:
        path.resolve(strict=True)
    except RuntimeError as error:  # Python 3.11 raises RuntimeError for a loop in resolve()
        return str(error)
    except OSError as error:
        return error.strerror if error.errno == errno.ELOOP else None
    return None


def _profile_subdirs(path: Path) -> list[Path]:
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return []
    return [entry for entry in entries if entry.is_dir() and not entry.is_symlink() and _is_profile_dir(entry)]


def _read_global_config_dir(root: Path) -> LegacyConfigDir:
    diagnostics: list[Diagnostic] = []
    config_file = root / "config.yaml"
    config, document = _read_config_file(config_file, diagnostics)

    entries = config.get("profiles")
    if entries is not None and not isinstance(entries, dict):
        diagnostics.append(
            Diagnostic(
                severity=Severity.ERROR,
                code="wrong-type",
                message=f"{config_file}: 'profiles' is a {type(entries).__name__}, not a mapping",
                hint="Restore config.yaml from a backup; profiles are still read from profiles/.",
                location=SourceLocation(file=str(config_file), line=document.line_of("profiles") if document else None),
            )
        )
        entries = None
    entries = entries or {}
    activated = config.get("activated_profile")
    activated = activated if isinstance(activated, str) else None
    config_problem = next((d for d in diagnostics if d.severity is Severity.ERROR), None)

    profiles: list[LegacyProfile] = []
    profiles_root = root / "profiles"
    profiles_problem = _profiles_root_problem(profiles_root)
    if profiles_problem is not None:
        diagnostics.append(
            Diagnostic(
                severity=Severity.ERROR,
                code="unreadable-profiles-dir",
                message=profiles_problem,
                hint="Replace profiles/ with the directory of the ZenML 0.13 profiles from a backup.",
                location=SourceLocation(file=str(profiles_root)),
            )
        )
    seen: set[str] = set()
    for key, entry in entries.items():
        name = str(key)
        seen.add(name)
        line = document.line_of("profiles", key) if document else None
        problem = _profile_name_problem(name)
        if problem is not None:
            profiles.append(_invalid_profile_entry(name, problem, config_file, line))
            continue
        if not isinstance(entry, dict):
            diagnostics.append(
                Diagnostic(
                    severity=Severity.ERROR,
                    code="wrong-type",
                    message=f"{config_file}: the entry of profile '{name}' is not a mapping",
                    hint="Restore config.yaml from a backup.",
                    location=SourceLocation(file=str(config_file), line=line),
                    entity=name,
                )
            )
            continue
        profiles.append(_read_configured_profile(name, entry, profiles_root, config_file, activated, profiles_problem))

    if profiles_problem is None and profiles_root.is_dir():
        for subdir in sorted(profiles_root.iterdir()):
            if subdir.name in seen or not subdir.is_dir():
                continue
            if subdir.is_symlink():
                if _is_profile_dir(subdir):
                    diagnostics.append(_linked_profile_dir(subdir))
                continue
            if _is_profile_dir(subdir):
                profile = read_profile_dir(subdir, is_activated=subdir.name == activated)
                if config_problem is not None:
                    profile = _with_diagnostic(profile, _read_without_config(profile, config_file, config_problem))
                profiles.append(profile)

    version = config.get("version")
    return LegacyConfigDir(
        path=str(root),
        kind="global_config",
        version=str(version) if version is not None else None,
        activated_profile=activated,
        profiles=profiles,
        diagnostics=diagnostics,
    )


def _read_config_file(config_file: Path, diagnostics: list[Diagnostic]) -> tuple[dict[str, Any], YamlDocument | None]:
    """Load the global config.yaml, appending its problems to `diagnostics`; return its mapping (or {}) and document."""
    if not os.path.lexists(config_file):
        return {}, None
    try:
        document = load_yaml_file(config_file)
    except YamlFileError as error:
        diagnostics.append(_file_diagnostic(error, config_file))
        return {}, None
    for path, line in document.duplicate_keys:
        diagnostics.append(_duplicate_key_diagnostic(config_file, path, line))
    if isinstance(document.data, dict):
        return document.data, document
    if document.data is not None:
        diagnostics.append(
            Diagnostic(
                severity=Severity.ERROR,
                code="wrong-type",
                message=f"{config_file} contains a {type(document.data).__name__}, not a mapping",
                hint="Restore config.yaml from a backup; profiles are still read from profiles/.",
                location=SourceLocation(file=str(config_file)),
            )
        )
    return {}, document


def _profiles_root_problem(profiles_root: Path) -> str | None:
    """Return why an existing profiles/ entry cannot be listed, or None when it is a directory or absent."""
    loop = _symlink_loop(profiles_root)
    if loop is not None:
        return f"{profiles_root} is a loop of symbolic links ({loop}), so no profile in it can be read"
    if not os.path.lexists(profiles_root):
        return None
    try:
        info = profiles_root.stat()
    except OSError as error:
        return f"{profiles_root} cannot be read: {error.strerror}"
    if not profiles_root.is_dir():
        return f"{profiles_root} is {describe_file_type(info.st_mode)}, not a directory, so no profile in it can be read"
    try:
        next(profiles_root.iterdir(), None)
    except OSError as error:
        return f"{profiles_root} cannot be listed: {error.strerror}"
    return None


def _profile_name_problem(name: str) -> str | None:
    """Return why a profile name from config.yaml cannot name a dir in profiles/, or None when it can."""
    if not name.strip():
        return "is empty"
    if has_control_characters(name):
        return "contains control characters"
    if name in (".", "..") or "/" in name or "\\" in name:
        return "would point outside profiles/"
    if len(os.fsencode(name)) > MAX_FILE_NAME_BYTES:
        return f"is longer than the {MAX_FILE_NAME_BYTES} bytes a file name may have"
    return None


def _invalid_profile_entry(name: str, problem: str, config_file: Path, line: int | None) -> LegacyProfile:
    shown = printable_name(name)
    return LegacyProfile(
        name=shown,
        path=str(config_file),
        store_type="unknown",
        diagnostics=[
            Diagnostic(
                severity=Severity.ERROR,
                code="invalid-name" if problem != "would point outside profiles/" else "unsafe-name",
                message=f"{config_file}{f':{line}' if line else ''}: profile name '{shown}' {problem}; its files are not read",
                hint="ZenML 0.13 names each profile after its dir in profiles/; correct the name in config.yaml.",
                location=SourceLocation(file=str(config_file), line=line),
                entity=shown,
            )
        ],
    )


def _linked_profile_dir(subdir: Path) -> Diagnostic:
    return Diagnostic(
        severity=Severity.WARNING,
        code="linked-profile-dir",
        message=f"{subdir} is a symbolic link to {os.readlink(subdir)}; it is not read as a profile of this config dir",
        hint="Give the link's target as PATH to migrate that profile on its own.",
        location=SourceLocation(file=str(subdir)),
        entity=subdir.name,
    )


def _read_without_config(profile: LegacyProfile, config_file: Path, problem: Diagnostic) -> Diagnostic:
    return Diagnostic(
        severity=Severity.WARNING,
        code="config-unusable",
        message=(
            f"Profile '{profile.name}' was read from {profile.path} without its settings, because {config_file} "
            f"cannot be used ({problem.code}); its store URL, active stack and active user are unknown"
        ),
        hint=f"Fix {config_file} ({problem.message}), or migrate the profile dir on its own.",
        location=SourceLocation(file=str(config_file)),
        entity=profile.name,
    )


def _with_diagnostic(profile: LegacyProfile, diagnostic: Diagnostic) -> LegacyProfile:
    return profile.model_copy(update={"diagnostics": [*profile.diagnostics, diagnostic]})


def _duplicate_key_diagnostic(file: Path, path: tuple[Any, ...], line: int, entity: str | None = None) -> Diagnostic:
    where = " > ".join(repr(part) if isinstance(part, str) else f"[{part}]" for part in path[:-1])
    inside = f" (in {where})" if where else ""
    return Diagnostic(
        severity=Severity.WARNING,
        code="duplicate-key",
        message=f"{file}:{line}: key {path[-1]!r}{inside} appears more than once; the last one is used",
        hint="Remove the duplicate entry, keeping the value you want.",
        location=SourceLocation(file=str(file), line=line),
        entity=entity,
    )


def _read_configured_profile(
    name: str, entry: dict[str, Any], profiles_root: Path, config_file: Path, activated: str | None, profiles_problem: str | None
) -> LegacyProfile:
    store_type = entry.get("store_type")
    store_url = entry.get("store_url")
    active_stack = entry.get("active_stack")
    active_user = entry.get("active_user")
    known: StoreType = store_type if store_type in ("local", "sql", "rest") else "unknown"
    profile_dir = profiles_root / name
    context = {
        # A MySQL store_url may carry a password, which must never reach a listing or report.
        "store_url": mask_url_password(str(store_url)) if store_url is not None else None,
        "active_stack": str(active_stack) if active_stack is not None else None,
        "active_user": str(active_user) if active_user is not None else None,
        "is_activated": name == activated,
    }
    if known == "rest":
        return LegacyProfile(
            name=name,
            path=str(profile_dir),
            store_type="rest",
            diagnostics=[
                Diagnostic(
                    severity=Severity.INFO,
                    code="rest-profile",
                    message=(
                        f"Profile '{name}' keeps its stacks on the ZenML 0.13 server at {context['store_url']}; "
                        "nothing of it is stored on this machine"
                    ),
                    hint=(
                        "A ZenML 0.13 server serves a local or SQL profile of its own host (`zenml up --profile`). "
                        "Run zenml-migrate on the host of that server, on the config dir of that profile."
                    ),
                    location=SourceLocation(file=str(config_file)),
                    entity=name,
                )
            ],
            **context,
        )
    if known == "sql" and not _is_profile_dir(profile_dir):
        sql_profile = _read_sql_store_url(store_url, name=name, path=profile_dir, context=context)
        if sql_profile is not None:
            return sql_profile
    if not _is_dir(profile_dir):
        local_dir = _local_path_of(store_url)
        if local_dir is not None and _is_dir(local_dir):
            profile_dir = local_dir
    if not _is_dir(profile_dir):
        reason = profiles_problem or _not_a_dir_reason(profile_dir)
        return LegacyProfile(
            name=name,
            path=str(profile_dir),
            store_type=known,
            diagnostics=[
                Diagnostic(
                    severity=Severity.ERROR,
                    code="missing-profile-dir",
                    message=f"Profile '{name}' is listed in {config_file}, but {reason}",
                    hint="Copy the profile's directory back into profiles/, or ignore this profile.",
                    location=SourceLocation(file=str(config_file)),
                    entity=name,
                )
            ],
            **context,
        )
    profile = read_profile_dir(profile_dir, name=name, **context)
    if known != "unknown" and profile.store_type not in (known, "unknown"):
        extra = Diagnostic(
            severity=Severity.WARNING,
            code="store-type-mismatch",
            message=f"{config_file} says profile '{name}' is a {known} store, but {profile_dir} contains a {profile.store_type} store",
            hint="The files on disk were read; check that the profile dir is the right one.",
            location=SourceLocation(file=str(config_file)),
            entity=name,
        )
        profile = profile.model_copy(update={"diagnostics": [*profile.diagnostics, extra]})
    return profile


def _not_a_dir_reason(path: Path) -> str:
    """Return why `path`, which is no directory, cannot be read as a profile dir."""
    loop = _symlink_loop(path)
    if loop is not None:
        return f"{path} is a loop of symbolic links ({loop})"
    if path.is_symlink():
        return f"{path} is a symbolic link to {os.readlink(path)}, which does not exist"
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"{path} does not exist"
    except OSError as error:
        return f"{path} cannot be read: {error.strerror}"
    except ValueError as error:  # a NUL byte in a path from store_url
        return f"{path!r} is not a valid path: {error}"
    return f"{path} is {describe_file_type(info.st_mode)}, not a directory"


def _read_sql_store_url(url: Any, *, name: str, path: Path, context: dict[str, Any]) -> LegacyProfile | None:
    """Read a SQL profile whose profile dir contains no zenml.db from its store_url, if that names a store.

    ZenML 0.13 keeps a SQLite store in the profile dir unless the user gave
    another `sqlite:///` file, and a MySQL store on its server. Returns None
    when `url` is a `sqlite:///` URL of a missing file, or no URL at all.
    """
    if not isinstance(url, str):
        return None
    common = {"name": name, "path": str(path), **context}
    if is_mysql_url(url):
        return read_mysql_store(url, common)
    db = sqlite_path_of(url)
    if db is not None and _is_file(db):
        return read_sqlite_store(db, common)
    if "://" in url and not url.lower().startswith("sqlite:"):
        return unsupported_store_profile(url, common)
    return None


def _local_path_of(url: Any) -> Path | None:
    if not isinstance(url, str):
        return None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return None


def read_profile_dir(
    path: Path,
    *,
    name: str | None = None,
    store_url: str | None = None,
    active_stack: str | None = None,
    active_user: str | None = None,
    is_activated: bool = False,
) -> LegacyProfile:
    """Read one profile dir: a YAML store (`stacks.yaml`) or a SQL store (`zenml.db`)."""
    path = Path(path)
    profile_name = name if name is not None else path.name
    common: dict[str, Any] = {
        "name": profile_name,
        "path": str(path),
        "store_url": store_url,
        "active_stack": active_stack,
        "active_user": active_user,
        "is_activated": is_activated,
    }
    stacks_file = path / STACKS_FILE
    if os.path.lexists(stacks_file):
        # load_yaml_file reports a stacks.yaml that is a directory, a FIFO or a broken link.
        return _read_yaml_store(path, stacks_file, common)
    if os.path.lexists(path / SQL_STORE_FILE):
        return read_sqlite_store(path / SQL_STORE_FILE, common)
    return LegacyProfile(
        store_type="unknown",
        diagnostics=[
            Diagnostic(
                severity=Severity.ERROR,
                code="missing-file",
                message=f"{path} contains neither {STACKS_FILE} nor {SQL_STORE_FILE}",
                hint="Restore the profile's files, or remove the profile from config.yaml.",
                location=SourceLocation(file=str(path)),
                entity=profile_name,
            )
        ],
        **common,
    )


def _read_yaml_store(path: Path, stacks_file: Path, common: dict[str, Any]) -> LegacyProfile:
    reader = _YamlStoreReader(path, stacks_file)
    reader.read()
    return LegacyProfile(
        store_type="local",
        flavors=reader.flavors,
        components=reader.components,
        stacks=reader.stacks,
        unmigrated_sections=reader.unmigrated_sections,
        diagnostics=reader.diagnostics,
        **common,
    )


class _YamlStoreReader:
    """Collects the entities and diagnostics of one YAML store."""

    def __init__(self, root: Path, stacks_file: Path) -> None:
        self.root = root
        self.stacks_file = stacks_file
        self.document = YamlDocument(data=None)
        self.flavors: list[LegacyFlavor] = []
        self.components: list[LegacyComponent] = []
        self.stacks: list[LegacyStack] = []
        self.unmigrated_sections: dict[str, int] = {}
        self.diagnostics: list[Diagnostic] = []
        self.listed_names: set[tuple[str, str]] = set()  # (type, name) of every entry under stack_components
        # Directory -> its resolved path, or None where it cannot be resolved; each is resolved once.
        self._resolved_dirs: dict[Path, Path | None] = {}
        # Component type -> the directory of its files as a string, or "" where it does not resolve inside the profile dir.
        self._type_dirs: dict[str, str] = {}

    def read(self) -> None:
        if self._outside_profile_dir(self.stacks_file):
            self._error(
                "unsafe-name",
                f"{self.stacks_file} resolves through a symbolic link to {_resolved_or_same(self.stacks_file)}, "
                f"outside the profile dir {self.root}",
                "Replace the link with the file itself; it is not read, like component files that point outside.",
            )
            return
        try:
            self.document = load_yaml_file(self.stacks_file)
        except YamlFileError as error:
            self.diagnostics.append(_file_diagnostic(error, self.stacks_file))
            return
        data = self.document.data
        if data is None:
            self._error(
                "empty-file",
                f"{self.stacks_file} is empty",
                "Restore stacks.yaml from a backup; without it no stack of this profile can be migrated.",
            )
            return
        if not isinstance(data, dict):
            self._error(
                "wrong-type",
                f"{self.stacks_file} contains a {type(data).__name__}, not a mapping",
                "Restore stacks.yaml from a backup.",
            )
            return
        for path, line in self.document.duplicate_keys:
            self.diagnostics.append(_duplicate_key_diagnostic(self.stacks_file, path, line))
        for key in data:
            if key not in _KNOWN_STACKS_SECTIONS:
                self._diagnostic(
                    Severity.INFO,
                    "unknown-section",
                    f"{self.stacks_file}: section '{key}' is not part of a ZenML 0.13 store and is ignored",
                    "Nothing to do unless you expected it to be migrated.",
                    line=self.document.line_of(key),
                )
        for key in UNMIGRATED_SECTIONS:
            value = data.get(key)
            if value:
                self.unmigrated_sections[key] = len(value) if isinstance(value, (list, dict)) else 1
        self._read_flavors(data.get("stack_component_flavors"))
        self._read_components(data.get("stack_components"))
        self._read_stacks(data.get("stacks"))
        self._report_orphan_files()

    # -- diagnostics -----------------------------------------------------

    def _diagnostic(
        self,
        severity: Severity,
        code: str,
        message: str,
        hint: str,
        *,
        line: int | None = None,
        file: Path | None = None,
        entity: str | None = None,
    ) -> None:
        location = SourceLocation(file=str(file or self.stacks_file), line=line)
        self.diagnostics.append(
            Diagnostic(severity=severity, code=code, message=message, hint=hint, location=location, entity=entity)
        )

    def _error(self, code: str, message: str, hint: str, **where: Any) -> None:
        self._diagnostic(Severity.ERROR, code, message, hint, **where)

    def _warning(self, code: str, message: str, hint: str, **where: Any) -> None:
        self._diagnostic(Severity.WARNING, code, message, hint, **where)

    def _where(self, *path: Any) -> str:
        line = self.document.line_of(*path)
        return f"{self.stacks_file}:{line}" if line else str(self.stacks_file)

    # -- sections --------------------------------------------------------

    def _read_flavors(self, section: Any) -> None:
        if section is None:
            return
        if not isinstance(section, list):
            self._error(
                "wrong-type",
                f"{self._where('stack_component_flavors')}: 'stack_component_flavors' is not a list",
                "Restore stacks.yaml from a backup.",
                line=self.document.line_of("stack_component_flavors"),
            )
            return
        seen: set[tuple[str, str]] = set()
        for index, entry in enumerate(section):
            where = f"{self._where('stack_component_flavors')} (entry {index + 1})"
            if not isinstance(entry, dict):
                self._error("wrong-type", f"{where}: a flavor entry is not a mapping", "Fix or remove the entry.")
                continue
            fields = {key: entry.get(key) for key in ("name", "type", "source")}
            missing = [key for key, value in fields.items() if not isinstance(value, str) or not value]
            if missing:
                self._error(
                    "invalid-flavor",
                    f"{where}: flavor entry lacks {', '.join(missing)}",
                    "Every custom flavor needs a name, a type and a source.",
                )
                continue
            name, flavor_type, source = fields["name"], fields["type"], fields["source"]
            if not self._valid_name(name, "flavor name", where, None):
                continue
            if flavor_type not in COMPONENT_TYPES:
                self._error(
                    "unknown-type",
                    f"{where}: flavor '{name}' has unknown stack component type '{flavor_type}'",
                    f"Use one of: {', '.join(COMPONENT_TYPES)}.",
                    entity=name,
                )
                continue
            if (flavor_type, name) in seen:
                self._warning("duplicate-flavor", f"{where}: flavor '{name}' ({flavor_type}) is defined twice", "Remove one entry.", entity=name)
                continue
            seen.add((flavor_type, name))
            integration = entry.get("integration")
            self.flavors.append(
                LegacyFlavor(
                    name=name,
                    type=flavor_type,
                    source=source,
                    integration=str(integration) if integration is not None else None,
                    location=SourceLocation(file=str(self.stacks_file), line=self.document.line_of("stack_component_flavors")),
                )
            )

    def _read_components(self, section: Any) -> None:
        if section is None:
            return
        if not isinstance(section, dict):
            self._error(
                "wrong-type",
                f"{self._where('stack_components')}: 'stack_components' is not a mapping",
                "Restore stacks.yaml from a backup.",
                line=self.document.line_of("stack_components"),
            )
            return
        # Each entry is checked first and its file loaded afterwards with all others (see load_yaml_files).
        pending: list[_PendingComponent] = []
        for component_type, entries in section.items():
            line = self.document.line_of("stack_components", component_type)
            if component_type not in COMPONENT_TYPES:
                self._error(
                    "unknown-type",
                    f"{self._where('stack_components', component_type)}: unknown stack component type '{component_type}'",
                    f"Its components are not migrated. Known types: {', '.join(COMPONENT_TYPES)}.",
                    line=line,
                )
                continue
            if entries is None:
                continue
            if not isinstance(entries, dict):
                self._error(
                    "wrong-type",
                    f"{self._where('stack_components', component_type)}: the {component_type} entries are not a mapping of name to flavor",
                    "Restore stacks.yaml from a backup.",
                    line=line,
                )
                continue
            for name, flavor in entries.items():
                self.listed_names.add((component_type, str(name)))
                pending.append(self._prepare_component(component_type, name, flavor))
        self._finish_components(pending)

    def _finish_components(self, pending: list["_PendingComponent"]) -> None:
        """Load the files of the prepared components, all at once, and record components and diagnostics in entry order."""
        loaded = iter(load_yaml_files([entry.file for entry in pending if entry.file is not None]))
        for entry in pending:
            self.diagnostics.extend(entry.diagnostics)
            if entry.file is None:
                continue
            component = self._component_from_document(entry, next(loaded))
            if component is not None:
                self.components.append(component)

    def _prepare_component(self, component_type: str, name: Any, flavor: Any) -> "_PendingComponent":
        """Check an entry under stack_components and find its file; the diagnostics go into the returned entry."""
        entry = _PendingComponent(component_type=component_type, name=name, flavor=flavor)
        found, self.diagnostics = self.diagnostics, entry.diagnostics
        try:
            entry.line = self.document.line_of("stack_components", component_type, name)
            where = f"{self.stacks_file}:{entry.line}" if entry.line else str(self.stacks_file)
            if not self._valid_name(name, f"{component_type} name", where, entry.line):
                return entry
            if not isinstance(flavor, str) or not flavor:
                self._error(
                    "wrong-type",
                    f"{where}: {component_type} '{name}' has no flavor name",
                    "Write the flavor name after the component name.",
                    line=entry.line,
                    entity=name,
                )
                return entry
            entry.file = self._component_file(component_type, name, where, entry.line)
            return entry
        finally:
            self.diagnostics = found

    def _component_from_document(self, entry: "_PendingComponent", loaded: YamlDocument | YamlFileError) -> LegacyComponent | None:
        component_type, name, flavor, file, line = entry.component_type, entry.name, entry.flavor, entry.file, entry.line
        assert file is not None
        if isinstance(loaded, YamlFileError):
            self.diagnostics.append(_file_diagnostic(loaded, file, entity=f"{component_type} '{name}'"))
            return None
        document = loaded
        for path, duplicate_line in document.duplicate_keys:
            self.diagnostics.append(_duplicate_key_diagnostic(file, path, duplicate_line, entity=name))
        data = document.data
        if not isinstance(data, dict):
            kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
            self._error(
                "wrong-type",
                f"{file}: the configuration of {component_type} '{name}' is {kind}",
                "Restore the component file from a backup, or remove the component's entry from stacks.yaml.",
                file=file,
                entity=name,
            )
            return None
        missing = [key for key in ("uuid", "name") if key not in data]
        if missing:
            self._error(
                "missing-field",
                f"{file}: {component_type} '{name}' has no {' and no '.join(missing)}",
                "Every ZenML 0.13 component file has 'uuid' and 'name'; restore the file from a backup.",
                file=file,
                entity=name,
            )
            return None
        if str(data["name"]) != name:
            self._warning(
                "name-mismatch",
                f"{file}: the file names the component '{data['name']}', but stacks.yaml names it '{name}'",
                "The name in stacks.yaml is used; check that the file belongs to this component.",
                file=file,
                entity=name,
            )
        configuration = {
            str(key): value for key, value in data.items() if key not in ("uuid", "name") and value is not None
        }
        return LegacyComponent(
            name=name,
            type=component_type,
            flavor=flavor,
            configuration=configuration,
            legacy_id=str(data["uuid"]),
            location=SourceLocation(file=str(self.stacks_file), line=line),
            file=str(file),
        )

    def _component_file(self, component_type: str, name: str, where: str, line: int | None) -> Path | None:
        simple = self._simple_component_file(component_type, name)
        if simple is not None:
            return simple
        directory = self.root / component_directory(component_type)
        relative = Path(f"{name}.yaml")
        if relative.is_absolute() or ".." in relative.parts:
            self._error(
                "unsafe-name",
                f"{where}: {component_type} name '{name}' would point outside the profile dir",
                "Rename the component in ZenML 0.13; its file is not read.",
                line=line,
                entity=name,
            )
            return None
        file = directory / relative
        try:
            return self._checked_component_file(component_type, name, file, where, line)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM):
                hint = f"Make {file.parent} readable for the user running zenml-migrate (chmod u+rx); the file is not read."
            else:  # such as a name longer than the file system allows (ENAMETOOLONG)
                hint = "Rename the component in ZenML 0.13 to a shorter name, or restore its file; it is not read."
            self._error(
                "unreadable-file",
                f"{where}: the file of {component_type} '{name}' cannot be checked: {error.strerror or error}",
                hint,
                line=line,
                entity=name,
            )
            return None

    def _checked_component_file(self, component_type: str, name: str, file: Path, where: str, line: int | None) -> Path | None:
        """Return `file` if it exists and resolves inside the profile dir; else report why not and return None.

        load_yaml_file then reports a file that is not a regular file.
        """
        try:
            mode = file.lstat().st_mode  # unlike os.path.lexists, raises for a name that is too long
        except FileNotFoundError:
            self._error(
                "missing-file",
                f"{where}: the file of {component_type} '{name}' is missing: {file}",
                "Restore the file from a backup, or remove the component from stacks.yaml and from every stack.",
                line=line,
                entity=name,
            )
            return None
        resolved, root = self._resolve_inside_root(file, mode)
        if not resolved.is_relative_to(root):
            self._error(
                "unsafe-name",
                f"{where}: the file of {component_type} '{name}' resolves through a symbolic link to {resolved}, "
                f"outside the profile dir {root}",
                "Replace the link (of the file or of its directory) with the file itself; it is not read.",
                line=line,
                entity=name,
            )
            return None
        return file

    def _simple_component_file(self, component_type: str, name: str) -> Path | None:
        """Return the file of a component whose name has no "/" and whose file is a regular entry inside the profile dir.

        This is the common case, checked with string operations and one lstat,
        because a profile can list thousands of components. It returns None
        for every other case, which _checked_component_file then examines and reports.
        """
        if "/" in name or "\0" in name:
            return None
        directory = self._type_dirs.get(component_type)
        if directory is None:
            directory = self._type_dirs[component_type] = self._inside_root(self.root / component_directory(component_type))
        if not directory:
            return None
        file = os.path.join(directory, f"{name}.yaml")
        try:
            if stat.S_ISLNK(os.lstat(file).st_mode):
                return None
        except (OSError, ValueError):
            return None
        return Path(file)

    def _inside_root(self, directory: Path) -> str:
        """Return `directory` as a string if it resolves inside the profile dir, else ""."""
        resolved = self._resolved_dir(directory)
        root = self._resolved_dir(self.root)
        if resolved is None or root is None or not resolved.is_relative_to(root):
            return ""
        return str(directory)

    def _outside_profile_dir(self, file: Path) -> bool:
        """Tell whether an existing `file` resolves to a place outside the profile dir."""
        try:
            mode = file.lstat().st_mode
        except OSError:
            return False  # missing or unreadable: load_yaml_file reports it
        resolved, root = self._resolve_inside_root(file, mode)
        return not resolved.is_relative_to(root)

    def _resolved_dir(self, directory: Path) -> Path | None:
        if directory not in self._resolved_dirs:
            try:
                self._resolved_dirs[directory] = directory.resolve(strict=True)
            except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links (Python 3.11)
                self._resolved_dirs[directory] = None
        return self._resolved_dirs[directory]

    def _resolve_inside_root(self, file: Path, mode: int) -> tuple[Path, Path]:
        """Return the real path of `file` (whose lstat mode is `mode`) and of the profile dir.

        A file that is not a symbolic link resolves to its resolved directory
        and its own name, so each directory is resolved once, not once per
        file. Where something cannot be resolved (a broken link or a loop of
        links), the unresolved paths are returned and load_yaml_file reports why.
        """
        root = self._resolved_dir(self.root)
        directory = self._resolved_dir(file.parent)
        if root is None or directory is None:
            return file, self.root
        if not stat.S_ISLNK(mode):
            return directory / file.name, root
        try:
            return file.resolve(strict=True), root
        except (OSError, RuntimeError):
            return file, self.root

    def _valid_name(self, name: Any, what: str, where: str, line: int | None) -> bool:
        if not isinstance(name, str):
            self._error(
                "wrong-type",
                f"{where}: {what} {name!r} is a {type(name).__name__}, not a string",
                "Quote the name in stacks.yaml.",
                line=line,
                entity=str(name),
            )
            return False
        if not name.strip():
            self._error("invalid-name", f"{where}: the {what} is empty", "Give it a name.", line=line)
            return False
        if has_control_characters(name):
            self._error(
                "invalid-name",
                f"{where}: {what} {printable_name(name)!r} contains control characters",
                "Rename it in ZenML 0.13 before migrating.",
                line=line,
                entity=printable_name(name),
            )
            return False
        return True

    def _read_stacks(self, section: Any) -> None:
        if section is None:
            return
        if not isinstance(section, dict):
            self._error(
                "wrong-type",
                f"{self._where('stacks')}: 'stacks' is not a mapping",
                "Restore stacks.yaml from a backup.",
                line=self.document.line_of("stacks"),
            )
            return
        known = {(component.type, component.name) for component in self.components}
        for name, entries in section.items():
            line = self.document.line_of("stacks", name)
            where = f"{self.stacks_file}:{line}" if line else str(self.stacks_file)
            if not self._valid_name(name, "stack name", where, line):
                continue
            if not isinstance(entries, dict):
                self._error(
                    "wrong-type",
                    f"{where}: stack '{name}' is not a mapping of component type to component name",
                    "Restore stacks.yaml from a backup.",
                    line=line,
                    entity=name,
                )
                continue
            components: dict[str, str] = {}
            for component_type, component_name in entries.items():
                if component_type not in COMPONENT_TYPES:
                    self._error(
                        "unknown-type",
                        f"{where}: stack '{name}' names unknown stack component type {printable_name(str(component_type))!r}",
                        f"Known types: {', '.join(COMPONENT_TYPES)}.",
                        line=line,
                        entity=name,
                    )
                    continue
                if not isinstance(component_name, str):
                    self._error(
                        "wrong-type",
                        f"{where}: stack '{name}' names its {component_type} with a {type(component_name).__name__}, not a string",
                        "Quote the component name in stacks.yaml.",
                        line=line,
                        entity=name,
                    )
                    continue
                components[component_type] = component_name
                if (component_type, component_name) not in known:
                    self._error(
                        "dangling-reference",
                        f"{where}: stack '{name}' uses {component_type} {printable_name(component_name)!r}, which this profile does not hold",
                        "Restore the component, or remove the stack; the stack is not migrated.",
                        line=line,
                        entity=name,
                    )
            self.stacks.append(LegacyStack(name=name, components=components, location=SourceLocation(file=str(self.stacks_file), line=line)))

    def _report_orphan_files(self) -> None:
        listed_files = {component.file for component in self.components}
        listed_resolved: set[Path] | None = None  # resolved only when a file is neither listed by name nor by path
        for component_type in COMPONENT_TYPES:
            directory = self.root / component_directory(component_type)
            if not directory.is_dir() or directory.is_symlink():
                continue
            prefix = len(str(directory)) + 1
            for file in sorted(directory.rglob("*.yaml")):
                name = str(file)[prefix : -len(".yaml")]  # relative to the directory, which rglob keeps as its prefix
                # A listed component whose file failed to load was reported already.
                if (component_type, name) in self.listed_names or str(file) in listed_files:
                    continue
                if listed_resolved is None:
                    listed_resolved = {_resolved_or_same(Path(listed)) for listed in listed_files}
                if _resolved_or_same(file) not in listed_resolved:
                    self._warning(
                        "orphan-file",
                        f"{file} is not listed under '{component_type}' in {self.stacks_file}; it is not migrated",
                        "Register the component in ZenML 0.13 first, or delete the stray file.",
                        file=file,
                    )



@dataclass
class _PendingComponent:
    """An entry under stack_components: checked, with its file found, but the file not loaded yet."""

    component_type: str
    name: Any
    flavor: Any
    line: int | None = None
    file: Path | None = None  # None when the entry cannot be read; `diagnostics` then gives the reason
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _resolved_or_same(path: Path) -> Path:
    """Return the real path of `path`, or `path` itself when it cannot be resolved."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links (Python 3.11)
        return path


def _file_diagnostic(error: YamlFileError, file: Path, entity: str | None = None) -> Diagnostic:
    return Diagnostic(
        severity=Severity.ERROR,
        code=error.code,
        message=error.message,
        hint=error.hint,
        location=SourceLocation(file=str(file), line=error.line),
        entity=entity,
    )
