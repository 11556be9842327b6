"""Read the SQL store of a ZenML 0.13 profile: a SQLite `zenml.db` or a MySQL database.

ZenML 0.13.2 (`zenml/zen_stores/sql_zen_store.py`, SQLModel on SQLAlchemy
1.4) keeps a profile in these tables:

- `zenstackcomponent`: `id` (CHAR(32), hex without dashes), `type`, `name`,
  `flavor`, and `configuration`, a BLOB holding the base64 of the same YAML
  document as a component file of the YAML store (with `name` and `uuid`).
- `zenstack`: `name` (primary key), `created_by`, `create_time`.
- `zenstackdefinition`: (`stack_name`, `component_id`), one row per stack member.
- `zenflavor`: (`type`, `name`) primary key, `source`, `integration`.
- `usertable`, `teamtable`, `projecttable`, `roletable`,
  `roleassignmenttable`, `teamassignmenttable`, `storeassociationtable`:
  not migrated; their row counts are reported like the YAML sections.

The result is the same `LegacyProfile` that the YAML reader returns, with the
same diagnostics for broken content. A SQLite file is opened read-only
(`mode=ro`), so reading never writes to it or creates a journal next to it.
That is not enough for a database in WAL mode, because a read-only
connection creates `zenml.db-wal` and `zenml.db-shm` next to it. Nor is it
for a hot journal left by a crashed writer, which a read-only connection
cannot roll back. Such a database is therefore copied with its journal into
a temporary dir, and the copy is read. A MySQL database is read in a
read-only transaction.
"""

import base64
import binascii
import os
import re
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, column, create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from migrator.legacy.models import (
    COMPONENT_TYPES,
    Diagnostic,
    LegacyComponent,
    LegacyFlavor,
    LegacyProfile,
    LegacyStack,
    Severity,
    SourceLocation,
    has_control_characters,
    printable_name,
)
from migrator.legacy.yaml_files import YamlFileError, describe_file_type, parse_yaml_text

COMPONENTS_TABLE = "zenstackcomponent"
STACKS_TABLE = "zenstack"
DEFINITIONS_TABLE = "zenstackdefinition"
FLAVORS_TABLE = "zenflavor"
REQUIRED_TABLES = (COMPONENTS_TABLE, STACKS_TABLE, DEFINITIONS_TABLE, FLAVORS_TABLE)
# Tables that ZenML 0.20 does not migrate, by the name of the matching stacks.yaml section.
UNMIGRATED_TABLES = {
    "users": "usertable",
    "teams": "teamtable",
    "projects": "projecttable",
    "roles": "roletable",
    "role_assignments": "roleassignmenttable",
    "team_assignments": "teamassignmenttable",
    "store_associations": "storeassociationtable",
}
SQLITE_HEADER = b"SQLite format 3\x00"
MYSQL_CONNECT_TIMEOUT_SECONDS = 10
# A component configuration of ZenML 0.13 is a few hundred bytes; this limit only stops hostile input.
MAX_CONFIGURATION_BYTES = 1024 * 1024
# A ZenML 0.13 SQL store contains stacks, stack components and users, a few hundred
# kilobytes at most. A database that must be copied to be read (see above) may be this large.
MAX_COPIED_DATABASE_BYTES = 256 * 1024 * 1024
# Byte 18 of the SQLite header is the file format write version: 2 means WAL mode.
_WAL_FORMAT = 2
_JOURNAL_SUFFIXES = ("-wal", "-journal")
_USER_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]*@")


def is_mysql_url(url: str | None) -> bool:
    """Return whether `url` is a SQLAlchemy URL of a MySQL or MariaDB database."""
    if not url:
        return False
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return scheme.split("+", 1)[0] in ("mysql", "mariadb")


def sqlite_path_of(url: str | None) -> Path | None:
    """Return the file of a `sqlite:///PATH` URL, or None for any other URL."""
    if not url or not url.lower().startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :]
    return Path(path) if path and path != ":memory:" else None


def mask_url_password(url: str) -> str:
    """Return `url` with its password replaced by `***`, for output."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # SQLAlchemy rejects the URL (an invalid port, say), so mask the `user:password@` part by pattern.
        return _USER_PASSWORD.sub(r"\1***@", url)
    if parsed.password is None:
        return url
    return parsed.render_as_string(hide_password=True)


def read_sqlite_store(db: Path, common: dict[str, Any]) -> LegacyProfile:
    """Read the SQL store of a profile from the SQLite file `db`, without writing next to it."""
    source = str(db)
    header, problem = _check_sqlite_file(db)
    if problem is not None:
        return _failed_profile(common, source, *problem)
    journals = [Path(f"{db}{suffix}") for suffix in _JOURNAL_SUFFIXES if os.path.lexists(f"{db}{suffix}")]
    if header[18] != _WAL_FORMAT and not journals:
        uri = f"{db.resolve().as_uri()}?mode=ro"
        return _read_sqlite_uri(uri, source, common)
    try:
        with _private_copy(db, journals) as copy:
            # The copy is private, so SQLite may replay the WAL or roll back the journal in it.
            return _read_sqlite_uri(copy.as_uri(), source, common)
    except _CopyError as error:
        return _failed_profile(common, source, "unreadable-file", str(error), error.hint)


def _read_sqlite_uri(uri: str, source: str, common: dict[str, Any]) -> LegacyProfile:
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    try:
        return _read_with_engine(engine, source, common, read_only_statement=None)
    finally:
        engine.dispose()


class _CopyError(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@contextmanager
def _private_copy(db: Path, journals: list[Path]) -> Iterator[Path]:
    """Yield a copy of `db` and its journal files in a temporary dir, removed afterwards."""
    files = [db, *journals]
    total = 0
    for file in files:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _CopyError(
                f"{file} is {describe_file_type(info.st_mode)}, not a regular file",
                "Remove it, or restore the profile's zenml.db with its journal from a backup.",
            )
        total += info.st_size
    if total > MAX_COPIED_DATABASE_BYTES:
        raise _CopyError(
            f"{db} is in WAL mode or has a journal, so it must be copied to be read without writing next to it, "
            f"but with its journal it is {total} bytes, more than the limit of {MAX_COPIED_DATABASE_BYTES} bytes",
            "Copy the profile dir, run sqlite3 zenml.db 'PRAGMA journal_mode=DELETE' in the copy, and migrate the copy.",
        )
    with tempfile.TemporaryDirectory(prefix="zenml-migrate-legacy-") as directory:
        copy = Path(directory) / db.name
        try:
            for file in files:
                shutil.copyfile(file, Path(directory) / file.name)
        except OSError as error:
            raise _CopyError(f"{db} cannot be copied for reading: {error.strerror or error}", "Check the file and its journal.") from None
        yield copy


def read_mysql_store(url: str, common: dict[str, Any]) -> LegacyProfile:
    """Read the SQL store of a profile from the MySQL database at `url`, in a read-only transaction."""
    source = mask_url_password(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        return _failed_profile(
            common,
            source,
            "invalid-store-url",
            f"The store URL {source} of profile '{common['name']}' is invalid: {error}",
            "Fix store_url in the ZenML 0.13 config.yaml.",
        )
    # ZenML 0.13 accepted any SQLAlchemy MySQL driver; this package ships PyMySQL.
    engine = create_engine(
        _with_pymysql(parsed),
        poolclass=NullPool,
        connect_args={"connect_timeout": MYSQL_CONNECT_TIMEOUT_SECONDS},
    )
    try:
        return _read_with_engine(engine, source, common, read_only_statement="SET SESSION TRANSACTION READ ONLY")
    finally:
        engine.dispose()


def unsupported_store_profile(url: str, common: dict[str, Any]) -> LegacyProfile:
    """Return a profile with one error: its store_url names a database this package cannot read."""
    source = mask_url_password(url)
    scheme = url.split("://", 1)[0]
    return _failed_profile(
        common,
        source,
        "unsupported-store-url",
        f"Profile '{common['name']}' keeps its stacks in {source}; reading a '{scheme}' database is not supported",
        "Copy the profile's tables into a SQLite file with the same table layout and point store_url at it "
        "(sqlite:////path/zenml.db), or use a MySQL database.",
    )


def _with_pymysql(url: URL) -> URL:
    return url.set(drivername="mysql+pymysql")


def _check_sqlite_file(db: Path) -> tuple[bytes, tuple[str, str, str] | None]:
    """Return the 100-byte header of `db`, and a problem (code, message, hint) when it is no readable SQLite file."""
    header = b""
    try:
        # O_NONBLOCK and fstat: a FIFO in place of zenml.db is reported, not waited on.
        descriptor = os.open(db, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                return header, (
                    "not-a-file",
                    f"{db} is {describe_file_type(info.st_mode)}, not a regular file",
                    "Restore the profile's zenml.db from a backup.",
                )
            header = os.read(descriptor, 100)
        finally:
            os.close(descriptor)
    except OSError as error:
        return header, ("unreadable-file", f"{db} cannot be read: {error.strerror}", "Check that the file exists and that this user may read it.")
    if not header.startswith(SQLITE_HEADER) or len(header) < 100:
        return header, (
            "not-a-database",
            f"{db} is not a SQLite database",
            "Restore the profile's zenml.db from a backup.",
        )
    return header, None


def _read_with_engine(engine: Any, source: str, common: dict[str, Any], read_only_statement: str | None) -> LegacyProfile:
    reader = _SqlStoreReader(source)
    try:
        with engine.connect() as connection:
            if read_only_statement is not None:
                # Applies to the transactions that follow, so the reads below run in a new one.
                connection.exec_driver_sql(read_only_statement)
                connection.commit()
            reader.read(connection)
            # Leaving the block rolls back the reading transaction; nothing was written.
    except SQLAlchemyError as error:
        reader.error(
            "unreadable-store",
            f"Cannot read the ZenML 0.13 SQL store {source}: {_reason(error)}",
            "Check that the database is reachable from this machine and that the user in the URL may read it.",
            file=source,
        )
    return LegacyProfile(
        store_type="sql",
        flavors=reader.flavors,
        components=reader.components,
        stacks=reader.stacks,
        unmigrated_sections=reader.unmigrated_sections,
        diagnostics=reader.diagnostics,
        **common,
    )


def _failed_profile(common: dict[str, Any], source: str, code: str, message: str, hint: str) -> LegacyProfile:
    diagnostic = Diagnostic(
        severity=Severity.ERROR,
        code=code,
        message=message,
        hint=hint,
        location=SourceLocation(file=source),
        entity=common["name"],
    )
    return LegacyProfile(store_type="sql", diagnostics=[diagnostic], **common)


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).strip().splitlines()[0]


@dataclass
class _ComponentRow:
    id: str
    type: str
    name: str


@dataclass
class _SqlStoreReader:
    """Reader of one SQL store, with the entities and diagnostics it found."""

    source: str
    flavors: list[LegacyFlavor] = field(default_factory=list)
    components: list[LegacyComponent] = field(default_factory=list)
    stacks: list[LegacyStack] = field(default_factory=list)
    unmigrated_sections: dict[str, int] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def read(self, connection: Connection) -> None:
        present = set(inspect(connection).get_table_names())
        missing = [name for name in REQUIRED_TABLES if name not in present]
        if missing:
            self.error(
                "missing-table",
                f"{self.source} has no table {', '.join(missing)}, so it is not a complete ZenML 0.13 SQL store",
                "Check that this is the profile's store; what the other tables hold is still read.",
                file=self.source,
            )
        for section, table_name in UNMIGRATED_TABLES.items():
            if table_name in present:
                count = connection.execute(select(func.count()).select_from(table(table_name))).scalar_one()
                if count:
                    self.unmigrated_sections[section] = count
        if FLAVORS_TABLE in present:
            self._read_flavors(connection)
        rows: dict[str, _ComponentRow] = {}
        if COMPONENTS_TABLE in present:
            rows = self._read_components(connection)
        if STACKS_TABLE in present:
            self._read_stacks(connection, rows, read_definitions=DEFINITIONS_TABLE in present)

    # -- diagnostics -----------------------------------------------------

    def _diagnostic(self, severity: Severity, code: str, message: str, hint: str, *, file: str, entity: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(
                severity=severity,
                code=code,
                message=message,
                hint=hint,
                location=SourceLocation(file=file),
                entity=entity,
            )
        )

    def error(self, code: str, message: str, hint: str, *, file: str, entity: str | None = None) -> None:
        self._diagnostic(Severity.ERROR, code, message, hint, file=file, entity=entity)

    def warning(self, code: str, message: str, hint: str, *, file: str, entity: str | None = None) -> None:
        self._diagnostic(Severity.WARNING, code, message, hint, file=file, entity=entity)

    def _where(self, table_name: str) -> str:
        return f"{self.source} (table {table_name})"

    # -- tables ----------------------------------------------------------

    def _read_flavors(self, connection: Connection) -> None:
        where = self._where(FLAVORS_TABLE)
        statement = select(column("type"), column("name"), column("source"), column("integration")).select_from(table(FLAVORS_TABLE))
        rows = sorted(connection.execute(statement).all(), key=lambda row: (str(row.type), str(row.name)))
        for row in rows:
            fields = {"name": row.name, "type": row.type, "source": row.source}
            missing = [key for key, value in fields.items() if not isinstance(value, str) or not value]
            if missing:
                self.error(
                    "invalid-flavor",
                    f"{where}: flavor row {row.name!r} lacks {', '.join(missing)}",
                    "Every custom flavor needs a name, a type and a source.",
                    file=where,
                    entity=str(row.name),
                )
                continue
            if row.type not in COMPONENT_TYPES:
                self.error(
                    "unknown-type",
                    f"{where}: flavor '{row.name}' has unknown stack component type '{row.type}'",
                    f"Use one of: {', '.join(COMPONENT_TYPES)}.",
                    file=where,
                    entity=row.name,
                )
                continue
            self.flavors.append(
                LegacyFlavor(
                    name=row.name,
                    type=row.type,
                    source=row.source,
                    integration=str(row.integration) if row.integration is not None else None,
                    location=SourceLocation(file=where),
                )
            )

    def _read_components(self, connection: Connection) -> dict[str, _ComponentRow]:
        """Read every component row; return the rows with a usable type and name by normalized id."""
        where = self._where(COMPONENTS_TABLE)
        statement = select(
            column("id"), column("type"), column("name"), column("flavor"), column("configuration")
        ).select_from(table(COMPONENTS_TABLE))
        rows = sorted(connection.execute(statement).all(), key=lambda row: (str(row.type), str(row.name), str(row.id)))
        by_id: dict[str, _ComponentRow] = {}
        seen: set[tuple[str, str]] = set()
        for row in rows:
            row_where = f"{self.source} (table {COMPONENTS_TABLE}, id {row.id})"
            if row.type not in COMPONENT_TYPES:
                self.error(
                    "unknown-type",
                    f"{row_where}: unknown stack component type '{row.type}' of component {row.name!r}",
                    f"The component is not migrated. Known types: {', '.join(COMPONENT_TYPES)}.",
                    file=where,
                    entity=str(row.name),
                )
                continue
            if not self._valid_name(row.name, f"{row.type} name", row_where, where):
                continue
            by_id[_normalize_id(row.id)] = _ComponentRow(id=str(row.id), type=row.type, name=row.name)
            if (row.type, row.name) in seen:
                self.warning(
                    "duplicate-component",
                    f"{row_where}: {row.type} '{row.name}' appears in more than one row; the first row is used",
                    "Delete the extra component with ZenML 0.13.",
                    file=where,
                    entity=row.name,
                )
                continue
            component = self._read_component(row, row_where, where)
            if component is not None:
                seen.add((row.type, row.name))
                self.components.append(component)
        return by_id

    def _read_component(self, row: Any, row_where: str, where: str) -> LegacyComponent | None:
        component_type, name = row.type, row.name
        if not isinstance(row.flavor, str) or not row.flavor:
            self.error(
                "wrong-type",
                f"{row_where}: {component_type} '{name}' has no flavor name",
                "Register the component again with ZenML 0.13.",
                file=where,
                entity=name,
            )
            return None
        data = self._decode_configuration(row.configuration, component_type, name, row_where, where)
        if data is None:
            return None
        missing = [key for key in ("uuid", "name") if key not in data]
        if missing:
            self.error(
                "missing-field",
                f"{row_where}: the configuration of {component_type} '{name}' has no {' and no '.join(missing)}",
                "Every ZenML 0.13 component configuration has 'uuid' and 'name'; restore the store from a backup.",
                file=where,
                entity=name,
            )
            return None
        if str(data["name"]) != name:
            self.warning(
                "name-mismatch",
                f"{row_where}: the configuration names the component '{data['name']}', but the row names it '{name}'",
                "The name in the row is used; check that the configuration belongs to this component.",
                file=where,
                entity=name,
            )
        configuration = {str(key): value for key, value in data.items() if key not in ("uuid", "name") and value is not None}
        return LegacyComponent(
            name=name,
            type=component_type,
            flavor=row.flavor,
            configuration=configuration,
            legacy_id=str(data["uuid"]),
            location=SourceLocation(file=where),
            file=row_where,
        )

    def _decode_configuration(self, blob: Any, component_type: str, name: str, row_where: str, where: str) -> dict[str, Any] | None:
        """Decode base64 of YAML into a mapping, or report why it cannot be decoded."""

        def undecodable(detail: str) -> None:
            self.error(
                "undecodable-configuration",
                f"{row_where}: the configuration of {component_type} '{name}' {detail}",
                "Restore the store from a backup, or register the component again with ZenML 0.13.",
                file=where,
                entity=name,
            )

        if blob is None:
            undecodable("is NULL")
            return None
        raw = blob.encode("ascii", "replace") if isinstance(blob, str) else bytes(blob)
        if len(raw) > MAX_CONFIGURATION_BYTES:
            undecodable(f"is {len(raw)} bytes, more than the limit of {MAX_CONFIGURATION_BYTES} bytes")
            return None
        try:
            text = base64.b64decode(raw, validate=True).decode("utf-8")
        except binascii.Error:
            undecodable("is not valid base64")
            return None
        except UnicodeDecodeError as error:
            undecodable(f"is not UTF-8 after base64 decoding (invalid byte at offset {error.start})")
            return None
        try:
            document = parse_yaml_text(text, row_where)
        except YamlFileError as error:
            self.error(error.code, error.message, error.hint, file=where, entity=name)
            return None
        if not isinstance(document.data, dict):
            kind = "empty" if document.data is None else f"a {type(document.data).__name__}, not a mapping"
            self.error(
                "wrong-type",
                f"{row_where}: the configuration of {component_type} '{name}' is {kind}",
                "Restore the store from a backup, or register the component again with ZenML 0.13.",
                file=where,
                entity=name,
            )
            return None
        return document.data

    def _read_stacks(self, connection: Connection, rows: dict[str, _ComponentRow], *, read_definitions: bool) -> None:
        where = self._where(STACKS_TABLE)
        names = sorted(connection.execute(select(column("name")).select_from(table(STACKS_TABLE))).scalars().all(), key=str)
        members: dict[str, list[str]] = {}
        if read_definitions:
            definitions = connection.execute(
                select(column("stack_name"), column("component_id")).select_from(table(DEFINITIONS_TABLE))
            ).all()
            for definition in sorted(definitions, key=lambda row: (str(row.stack_name), str(row.component_id))):
                members.setdefault(definition.stack_name, []).append(str(definition.component_id))
        self._report_links_without_stack(members, set(names))
        read = {(component.type, component.name) for component in self.components}
        for name in names:
            if not self._valid_name(name, "stack name", f"{where}", where):
                continue
            components = self._stack_components(name, members.get(name, []), rows, read)
            self.stacks.append(LegacyStack(name=name, components=components, location=SourceLocation(file=where)))

    def _stack_components(
        self, stack: str, component_ids: Iterable[str], rows: dict[str, _ComponentRow], read: set[tuple[str, str]]
    ) -> dict[str, str]:
        where = self._where(DEFINITIONS_TABLE)
        components: dict[str, str] = {}
        for component_id in component_ids:
            row = rows.get(_normalize_id(component_id))
            if row is None:
                self.error(
                    "dangling-reference",
                    f"{where}: stack '{stack}' uses stack component id {component_id}, which table {COMPONENTS_TABLE} "
                    "does not hold or holds with an unknown type",
                    "Restore the component, or remove the stack; the stack is not migrated.",
                    file=where,
                    entity=stack,
                )
                continue
            other = components.get(row.type)
            if other is not None:
                self.error(
                    "conflicting-components",
                    f"{where}: stack '{stack}' has two {row.type}s, '{other}' and '{row.name}'; '{other}' is kept",
                    f"Remove one of them from the stack with ZenML 0.13 ('zenml stack update'); ZenML 0.20 allows one {row.type} per stack.",
                    file=where,
                    entity=stack,
                )
                continue
            components[row.type] = row.name
            if (row.type, row.name) not in read:
                self.error(
                    "dangling-reference",
                    f"{where}: stack '{stack}' uses {row.type} '{row.name}', whose row could not be read (see the error above)",
                    "Restore the component, or remove the stack; the stack is not migrated.",
                    file=where,
                    entity=stack,
                )
        # Sorted by type, as ZenML 0.13 writes a stack's entries in stacks.yaml.
        return dict(sorted(components.items()))

    def _report_links_without_stack(self, members: dict[str, list[str]], stacks: set[str]) -> None:
        where = self._where(DEFINITIONS_TABLE)
        for stack_name in sorted(set(members) - stacks, key=str):
            self.warning(
                "orphan-row",
                f"{where}: {len(members[stack_name])} rows link stack components to stack {stack_name!r}, "
                f"which table {STACKS_TABLE} does not hold; they are ignored",
                "Nothing to do unless you expected that stack to be migrated.",
                file=where,
                entity=str(stack_name),
            )

    def _valid_name(self, name: Any, what: str, row_where: str, where: str) -> bool:
        if not isinstance(name, str):
            self.error(
                "wrong-type",
                f"{row_where}: {what} {name!r} is a {type(name).__name__}, not a string",
                "Rename it with ZenML 0.13 before migrating.",
                file=where,
                entity=str(name),
            )
            return False
        if not name.strip():
            self.error("invalid-name", f"{row_where}: the {what} is empty", "Give it a name with ZenML 0.13.", file=where)
            return False
        if has_control_characters(name):
            self.error(
                "invalid-name",
                f"{row_where}: {what} {printable_name(name)!r} contains control characters",
                "Rename it with ZenML 0.13 before migrating.",
                file=where,
                entity=printable_name(name),
            )
            return False
        return True


def _normalize_id(value: Any) -> str:
    """Return an id as 32 lowercase hex digits: ZenML 0.13 writes CHAR(32), a hand-edited row may have dashes."""
    return str(value).replace("-", "").strip().lower()


__all__: list[str] = [
    "is_mysql_url",
    "mask_url_password",
    "read_mysql_store",
    "read_sqlite_store",
    "sqlite_path_of",
    "unsupported_store_profile",
]
