"""Write plans into a ZenML 0.20 SQL store (SQLite file or MySQL database).

`SqlStore.snapshot()` reads everything a plan depends on in one query per
table. `SqlStore.apply()` writes a plan in one transaction: inside it, it
re-reads the rows the plan depends on, refuses to write if they changed since
planning, inserts in bulk and commits once, so a failure leaves the store as
it was. Rows look exactly like the ones ZenML 0.20.5 writes: 32-hex-digit
ids, naive local timestamps, configurations as base64 of JSON.

On MySQL (and MariaDB) the re-read takes row locks (SELECT ... FOR UPDATE at
REPEATABLE READ) on every table it compares, so no other writer can change
them between the check and the commit. MySQL commits DDL at once, so the
tables of a new database are created before the transaction and dropped
again when the apply fails.

zenml-migrate runs also lock the store against each other, so that two runs
into one store plan and apply one after the other (see
`SqlStore.acquire_lock`): on SQLite with a lock file next to the database
(`zenml.db.zenml-migrate.lock`), on MySQL with a named lock of the server
(GET_LOCK), which also keeps one run from dropping the tables of a new
database while another run writes to them.
"""

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import filelock
from sqlalchemy import Connection, Engine, Table, create_engine, delete, event, inspect, insert, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from migrator.errors import ApplyError, MigratorError, StoreLocked, StoreSchemaError, StoreUnavailable, UsageError
from migrator.plan.models import (
    Action,
    EntityKind,
    EntityRef,
    Operation,
    Plan,
    TargetComponent,
    TargetFlavor,
    TargetProject,
    TargetSnapshot,
    TargetStack,
    TargetUser,
)
from migrator.stores import sql_schema as tables
from migrator.stores.kill_switch import KillSwitch

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
_WRITE_OPTION = "zenml_migrate_write"
# The lock file of a SQLite store is the database path with this suffix.
LOCK_FILE_SUFFIX = ".zenml-migrate.lock"

MYSQL_BACKENDS = ("mysql", "mariadb")
# MySQL named locks are held per connection and released by the server when
# the connection ends, even when its process is killed.
MYSQL_LOCK_PREFIX = "zenml-migrate:"
MYSQL_LOCK_NAME_LIMIT = 64
MYSQL_LOCK_POLL_SECONDS = 30
# ZenML 0.20 also reads the store password from this variable. A MySQL URL
# without a password takes it from there, which keeps it out of shell history.
PASSWORD_VARIABLE = "ZENML_STORE_PASSWORD"
# The database names that ZenML 0.20.5 accepts (SqlZenStoreConfiguration._validate_url).
ZENML_DATABASE_NAME = re.compile(r'^[^\\/?%*:|"<>.-]{1,64}$')


@dataclass
class ApplyOutcome:
    """Result of an apply: the id of every created entity by plan key, and row counts."""

    applied: bool
    ids: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0
    message: str = ""


def new_id() -> str:
    return uuid.uuid4().hex


def encode_configuration(configuration: dict[str, Any]) -> bytes:
    """Encode a configuration as ZenML 0.20 stores it: base64 of JSON with the default separators."""
    return base64.b64encode(json.dumps(configuration).encode("utf-8"))


def decode_configuration(blob: bytes | str | None) -> dict[str, Any]:
    if blob is None:
        return {}
    raw = blob.encode("ascii") if isinstance(blob, str) else bytes(blob)
    try:
        value = json.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError):
        return {"__undecodable__": True}
    return value if isinstance(value, dict) else {"__undecodable__": True}


# The bcrypt hash (cost 12, as passlib writes for ZenML 0.20) of the empty
# password that ZenML 0.20 gives its default user. It was computed once, so a
# new store costs no quarter second of hashing. Its salt is the same in every
# store, which reveals nothing: the password it protects is known to be empty.
EMPTY_PASSWORD_HASH = "$2b$12$t9BR5eV4Rx130GvJNTpujeXO2Aq7atmp8ZLY7nq3dPf/lVwIpllAa"


class SqlStore:
    """A ZenML 0.20 SQL store, opened by URL.

    `url` is a SQLAlchemy URL: `sqlite:////abs/path/zenml.db` or
    `mysql+pymysql://user[:password]@host[:port]/database`; a MySQL URL
    without a password takes it from ZENML_STORE_PASSWORD when that is set.
    A SQLite file that does not exist yet is created by the first apply,
    never by a snapshot; with `create_directories`, that apply also creates
    its missing parent directories, as ZenML does for its default store. A
    MySQL database must exist; the first apply creates the ZenML tables in it.

    Raises `UsageError` for a URL that cannot be parsed, and for a MySQL URL
    without a user or database or with a database name that ZenML 0.20.5
    rejects.
    """

    def __init__(
        self, url: str, *, active_project: str = "default", active_user: str = "default", create_directories: bool = False
    ) -> None:
        self.url = parse_store_url(url)
        self.create_directories = create_directories
        self.active_project = active_project
        self.active_user = active_user
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_mysql = self.url.get_backend_name() in MYSQL_BACKENDS
        if self.is_mysql:
            self.url = with_password_from_environment(self.url)
            _check_mysql_url(self.url, self.display_url)
        if self.is_sqlite and self.sqlite_path is None:
            raise UsageError(
                f"The store {self.display_url} is an in-memory SQLite database, which is gone when the run ends. "
                "Give the path of a file: sqlite:////absolute/path/zenml.db."
            )
        self._engine: Engine | None = None
        self._lock: filelock.BaseFileLock | None = None
        self._lock_connection: Connection | None = None
        self.fail_after_statements: int | None = None  # test hook: raise after this many write statements

    @property
    def lock_path(self) -> Path | None:
        """The lock file of a SQLite store, next to the database; None for other stores."""
        path = self.sqlite_path
        return None if path is None else path.with_name(path.name + LOCK_FILE_SUFFIX)

    def acquire_lock(self, *, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> None:
        """Lock the store against other zenml-migrate runs, and hold the lock until `close()`.

        A SQLite store takes the lock file next to its database. A MySQL
        store takes a named lock of the server (GET_LOCK) on a connection of
        its own. A second zenml-migrate process that calls this for the same
        store waits until the first one closes its store, or, with
        `wait=False`, raises `StoreLocked` at once. Before waiting, it passes
        a message that names the busy store to `on_wait` (default: a logged
        warning). The operating system releases the lock file of a process
        that dies, even by SIGKILL, and the MySQL server releases the named
        lock of a connection that ends, so a crashed run never blocks the
        next one. Stores of one process share the lock file, so they do not
        block each other. Writers other than zenml-migrate take no such
        lock; `apply()` detects their changes inside its transaction.

        Raises `StoreUnavailable` when the lock file cannot be created or the
        MySQL server does not answer.
        """
        if self.is_mysql:
            self._acquire_mysql_lock(wait=wait, on_wait=on_wait)
            return
        lock_path = self.lock_path
        if lock_path is None or self._lock is not None:
            return
        self._check_sqlite_header()  # no lock file next to a file that is not a database
        if self.create_directories:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
        elif not lock_path.parent.is_dir():
            # Checked here because filelock would create the missing directories.
            raise StoreUnavailable(f"Cannot create the SQLite store {self.sqlite_path}: directory {lock_path.parent} does not exist.")
        # fallback_to_soft=False: a soft lock would survive a SIGKILL and block every later run.
        lock = filelock.FileLock(lock_path, is_singleton=True, thread_local=False, fallback_to_soft=False)
        try:
            try:
                lock.acquire(blocking=False)
            except filelock.Timeout:
                if not wait:
                    raise StoreLocked(
                        f"Another zenml-migrate run is migrating into {self.display_url} (it holds the lock file {lock_path}). "
                        "Wait for it to finish, or run again without --no-wait to wait for it."
                    ) from None
                message = (
                    f"waiting for another zenml-migrate run on {self.display_url} to finish "
                    f"(lock file {lock_path}; press Ctrl-C to stop waiting)"
                )
                (on_wait or log.warning)(message)
                lock.acquire()
        except OSError as error:
            raise StoreUnavailable(f"Cannot create the lock file {lock_path} of the store {self.display_url}: {error.strerror or error}.") from None
        self._lock = lock

    def _check_sqlite_header(self) -> None:
        """Raise `StoreUnavailable` when the SQLite path is a non-empty file that is not a SQLite database."""
        path = self.sqlite_path
        try:
            with open(path, "rb") as stream:  # type: ignore[arg-type]
                header = stream.read(len(SQLITE_HEADER))
        except (FileNotFoundError, IsADirectoryError, TypeError):
            return  # a new store, or a problem that opening the database reports
        except OSError as error:
            raise StoreUnavailable(f"Cannot read the SQLite store {path}: {error.strerror or error}.") from None
        if header and header != SQLITE_HEADER:
            raise StoreUnavailable(f"{path} is not a SQLite database; give the path of a ZenML store or of a new file.")

    @property
    def mysql_lock_name(self) -> str:
        """The name of the MySQL named lock of this database (at most 64 characters, as MySQL requires)."""
        name = f"{MYSQL_LOCK_PREFIX}{self.url.database}"
        if len(name) <= MYSQL_LOCK_NAME_LIMIT:
            return name
        return MYSQL_LOCK_PREFIX + hashlib.sha256(str(self.url.database).encode()).hexdigest()[:40]

    def _acquire_mysql_lock(self, *, wait: bool, on_wait: Callable[[str], None] | None) -> None:
        if self._lock_connection is not None:
            return
        name = self.mysql_lock_name
        try:
            connection = self._engine_for_use().connect()
        except SQLAlchemyError as error:
            raise StoreUnavailable(f"Cannot connect to {self.display_url}: {self._describe(error)}") from None
        try:
            got = connection.execute(text("SELECT GET_LOCK(:name, 0)"), {"name": name}).scalar()
            if got != 1 and not wait:
                raise StoreLocked(
                    f"Another zenml-migrate run is migrating into {self.display_url} (it holds the MySQL lock {name!r}). "
                    "Wait for it to finish, or run again without --no-wait to wait for it."
                )
            if got != 1:
                (on_wait or log.warning)(
                    f"waiting for another zenml-migrate run on {self.display_url} to finish "
                    f"(MySQL lock {name!r}; press Ctrl-C to stop waiting)"
                )
            while got != 1:
                got = connection.execute(text("SELECT GET_LOCK(:name, :seconds)"), {"name": name, "seconds": MYSQL_LOCK_POLL_SECONDS}).scalar()
            connection.commit()  # end the implicit transaction; the named lock belongs to the session
        except SQLAlchemyError as error:
            connection.close()
            raise StoreUnavailable(f"Cannot take the lock of {self.display_url}: {self._describe(error)}") from None
        except BaseException:
            connection.close()
            raise
        self._lock_connection = connection

    def release_lock(self) -> None:
        """Release the lock taken by `acquire_lock`, if any."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._lock_connection is not None:
            connection, self._lock_connection = self._lock_connection, None
            try:
                connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": self.mysql_lock_name})
                connection.commit()
            except SQLAlchemyError as error:
                # The server releases the lock anyway when the connection closes below.
                log.debug("Cannot release the lock of %s: %s", self.display_url, self._describe(error))
            finally:
                connection.close()

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    def _exists(self) -> bool:
        path = self.sqlite_path
        return path is None or path.exists()

    def _engine_for_use(self) -> Engine:
        if self._engine is not None:
            return self._engine
        if self.is_sqlite:
            path = self.sqlite_path
            if path is not None and self.create_directories:
                path.parent.mkdir(parents=True, exist_ok=True)
            if path is not None and not path.parent.is_dir():
                raise StoreUnavailable(f"Cannot create the SQLite store {path}: directory {path.parent} does not exist.")
            engine = create_engine(self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            _use_explicit_sqlite_transactions(engine)
        elif self.is_mysql:
            # utf8mb4 encodes every name of the legacy profiles (CJK, emoji).
            # A charset in the URL query takes precedence.
            connect_args = {} if "charset" in self.url.query else {"charset": "utf8mb4"}
            engine = create_engine(self.url, pool_pre_ping=True, isolation_level="REPEATABLE READ", connect_args=connect_args)
            _use_strict_mysql_sessions(engine)
        else:
            engine = create_engine(self.url, pool_pre_ping=True)
        self._engine = engine
        return engine

    def close(self) -> None:
        self.release_lock()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- reading ---------------------------------------------------------

    def snapshot(self) -> TargetSnapshot:
        """Read the projects, users, flavors, stack components and stacks of the store."""
        if not self._exists():
            return self._empty_snapshot()
        with self._connect() as connection:
            return self._read_snapshot(connection)

    def _empty_snapshot(self) -> TargetSnapshot:
        return TargetSnapshot(
            initialized=False,
            active_project=self.active_project,
            active_user=self.active_user,
            names_case_insensitive=not self.is_sqlite,
        )

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self._engine_for_use().connect() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StoreUnavailable(f"Cannot open the store {self.display_url}: {self._describe(error)}.") from None
        except OSError as error:  # for example a certificate file in the URL that does not exist
            raise StoreUnavailable(f"Cannot open the store {self.display_url}: {error.strerror or error}.") from None

    def _read_snapshot(self, connection: Connection, *, lock: bool = False, scope: "PlanScope | None" = None) -> TargetSnapshot:
        """Read the snapshot, or with `scope` only the rows a plan depends on.

        With `lock` on MySQL, the rows read and the gaps between them stay
        locked until commit.
        """
        present = set(inspect(connection).get_table_names())
        wanted = {table.name for table in tables.MIGRATED_TABLES}
        if not present & wanted:
            return self._empty_snapshot()
        missing = wanted - present
        if missing and self._columns_match(connection, present & wanted) and self._all_empty(connection, present & wanted):
            # A first apply into a new MySQL database that was cut off while creating its tables
            # (MySQL commits each CREATE TABLE at once): the next apply creates the rest.
            return self._empty_snapshot()
        if missing:
            raise StoreSchemaError(
                f"{self.display_url} is missing the ZenML 0.20 tables {', '.join(sorted(missing))}. "
                "Point --store at a ZenML 0.20 database or at a new file."
            )
        self._check_columns(connection)
        if self.is_mysql:
            self._check_engines(connection)

        def read(table: Table, *order_by: Any) -> Any:
            if scope is not None:
                return scope.read(connection, table, lock=lock and not self.is_sqlite)
            statement = select(table).order_by(*order_by)
            if lock and not self.is_sqlite:
                statement = statement.with_for_update()
            return connection.execute(statement)

        projects = tuple(
            TargetProject(id=row.id, name=row.name, description=row.description)
            for row in read(tables.projects, tables.projects.c.created)
        )
        users = tuple(TargetUser(id=row.id, name=row.name) for row in read(tables.users))
        flavors = tuple(
            TargetFlavor(
                id=row.id,
                project_id=row.project_id,
                user_id=row.user_id,
                name=row.name,
                type=row.type,
                source=row.source,
                integration=row.integration,
                config_schema=row.config_schema,
            )
            for row in read(tables.flavors)
        )
        components = tuple(
            TargetComponent(
                id=row.id,
                project_id=row.project_id,
                user_id=row.user_id,
                name=row.name,
                type=row.type,
                flavor=row.flavor,
                configuration=decode_configuration(row.configuration),
                is_shared=bool(row.is_shared),
            )
            for row in read(tables.stack_components)
        )
        members: dict[str, list[str]] = {}
        if scope is None:
            for row in read(tables.stack_compositions):
                members.setdefault(row.stack_id, []).append(row.component_id)
        stacks = tuple(
            TargetStack(
                id=row.id,
                project_id=row.project_id,
                user_id=row.user_id,
                name=row.name,
                is_shared=bool(row.is_shared),
                component_ids=tuple(sorted(members.get(row.id, []))),
            )
            for row in read(tables.stacks)
        )
        if scope is not None:
            stacks = scope.with_members(connection, stacks, lock=lock and not self.is_sqlite)
        return TargetSnapshot(
            initialized=bool(users),
            active_project=self.active_project,
            active_user=self.active_user,
            # NOTE: every MySQL database counts as case-insensitive, whatever its
            # collation. The default utf8mb4_general_ci also equates 'e' with 'é'
            # and ignores trailing spaces, which the planner's casefold() does not.
            names_case_insensitive=not self.is_sqlite,
            projects=projects,
            users=users,
            flavors=flavors,
            components=components,
            stacks=stacks,
        )

    def _columns_match(self, connection: Connection, names: set[str]) -> bool:
        inspector = inspect(connection)
        for table in tables.MIGRATED_TABLES:
            if table.name in names:
                present = {column["name"] for column in inspector.get_columns(table.name)}
                if any(column.name not in present for column in table.columns):
                    return False
        return True

    def _all_empty(self, connection: Connection, names: set[str]) -> bool:
        # Names come from our own table definitions; no column is read, so a foreign table of that name also works.
        return all(connection.execute(text(f"SELECT 1 FROM {name} LIMIT 1")).first() is None for name in sorted(names))

    def _check_columns(self, connection: Connection) -> None:
        inspector = inspect(connection)
        for table in tables.MIGRATED_TABLES:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing = [column.name for column in table.columns if column.name not in present]
            if missing:
                raise StoreSchemaError(
                    f"Table {table.name} of {self.display_url} lacks the columns {', '.join(missing)}: "
                    "it was not created by ZenML 0.20. Upgrade the store with ZenML 0.20 first."
                )

    def _check_engines(self, connection: Connection) -> None:
        """Raise `StoreSchemaError` for a migrated table that is not InnoDB, because a failed apply could not roll it back."""
        names = [table.name for table in tables.MIGRATED_TABLES]
        rows = connection.execute(
            text("SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
        )
        for name, engine in rows:
            if name in names and (engine or "").lower() != "innodb":
                raise StoreSchemaError(
                    f"Table {name} of {self.display_url} uses the {engine} engine, which has no transactions. "
                    f"Convert it with ALTER TABLE {name} ENGINE=InnoDB, then run the command again."
                )

    # -- writing ---------------------------------------------------------

    def apply(self, plan: Plan, expected: TargetSnapshot) -> ApplyOutcome:
        """Write every create and update of `plan` in one transaction.

        `expected` is the snapshot the plan was made from; if the store no
        longer matches it, nothing is written and `ApplyError` is raised. A
        plan with errors is applied only with --ignore-errors, and then its
        error actions are left out. Any failure rolls the whole plan back.
        """
        if plan.has_errors and not plan.options.ignore_errors:
            return ApplyOutcome(applied=False, message="not applied: the plan has errors")
        if not plan.writes:
            return ApplyOutcome(applied=True, message="nothing to write")
        self.acquire_lock()
        writer = _PlanWriter(plan, self.fail_after_statements)
        progress = _ApplyProgress()
        try:
            self._write_in_transaction(writer, expected, progress)
        except (MigratorError, SQLAlchemyError) as error:
            leftover = self._drop_created_tables(progress.created_tables)
            raise self._apply_failure(error, progress, leftover) from None
        log.info("Applied profile %s to %s: %d rows", plan.profile, self.display_url, writer.rows)
        return ApplyOutcome(applied=True, ids=writer.ids, rows_written=writer.rows, message="applied")

    def _write_in_transaction(self, writer: "_PlanWriter", expected: TargetSnapshot, progress: "_ApplyProgress") -> None:
        engine = self._engine_for_use()
        kill_switch = KillSwitch.from_environment()
        with engine.connect().execution_options(**{_WRITE_OPTION: True}) as connection:
            if kill_switch is not None:
                kill_switch.attach(connection)
            if not self.is_sqlite:
                # MySQL commits DDL at once, so a new database gets its tables
                # before the transaction; apply() drops them again on failure.
                with connection.begin():
                    self._create_missing_tables(connection, progress.created_tables)
            with connection.begin() as transaction:
                if self.is_sqlite:
                    tables.metadata.create_all(connection, checkfirst=True)
                if _holds_nothing(expected):
                    # A plan for a new store depends only on the store being empty.
                    lock = " FOR UPDATE" if self.is_mysql else ""
                    changed = any(
                        connection.execute(text(f"SELECT 1 FROM {table.name} LIMIT 1{lock}")).first() is not None
                        for table in tables.MIGRATED_TABLES
                    )
                else:
                    scope = PlanScope.of(writer.plan, expected)
                    current = self._read_snapshot(connection, lock=True, scope=scope)
                    changed = scope.filter(current) != scope.filter(expected)
                if changed:
                    raise ApplyError(
                        f"The store {self.display_url} changed after the plan was made; nothing was written. "
                        "Run the command again to plan against its new state."
                    )
                writer.write(connection)
                progress.committing = True
                if kill_switch is not None:
                    kill_switch.reached("commit")
                transaction.commit()
                if kill_switch is not None:
                    kill_switch.reached("after-commit")

    def _create_missing_tables(self, connection: Connection, created: list[Table]) -> None:
        """Create the ZenML tables that the database lacks, appending each to `created` once it exists."""
        present = set(inspect(connection).get_table_names())
        for table in tables.metadata.sorted_tables:
            if table.name in present:
                continue
            try:
                table.create(connection)
            except OperationalError as error:
                if _mysql_error_code(error) != _TABLE_EXISTS:
                    raise
                continue  # a concurrent first run created it; it is not ours to drop
            created.append(table)

    def _drop_created_tables(self, created: list[Table]) -> str:
        """Drop the tables that a failed apply created on MySQL, if they are still empty.

        Returns what could not be dropped, as a sentence for the error message, or "".
        """
        if not created:
            return ""
        kept: list[str] = []
        try:
            with self._engine_for_use().connect() as connection:
                present = set(inspect(connection).get_table_names()) & {t.name for t in tables.MIGRATED_TABLES}
                # Other zenml-migrate runs wait for the store lock that this apply holds.
                # NOTE: a writer that takes no such lock could still write between this check and the drops.
                if not self._all_empty(connection, present):
                    # Another run has written to the new database meanwhile, and its rows may need these tables.
                    return " The new, empty ZenML tables were kept because another run has written to the database."
                for table in reversed(created):
                    if connection.execute(select(table).limit(1)).first() is None:
                        table.drop(connection)
                    else:
                        kept.append(table.name)
                connection.commit()
        except SQLAlchemyError as error:
            log.warning("Cannot drop the tables created by the failed apply on %s: %s", self.display_url, self._describe(error))
            return f" The new, empty ZenML tables were left in the database: {self._describe(error)}."
        if kept:
            return f" The new tables {', '.join(kept)} were kept because another writer has filled them."
        return ""

    def _apply_failure(self, error: Exception, progress: "_ApplyProgress", leftover: str) -> MigratorError:
        """Return the error that apply() raises for a failure while writing."""
        if isinstance(error, MigratorError):
            return type(error)(f"{error}{leftover}") if leftover else error
        assert isinstance(error, SQLAlchemyError)
        reason = self._describe(error)
        if progress.committing:
            return StoreUnavailable(
                f"Committing to {self.display_url} failed: {reason}. The changes may or may not have been committed; "
                "run the command again, and if they were, every entity plans as unchanged."
            )
        if _mysql_error_code(error) in _LOCK_ERRORS:
            return ApplyError(f"Writing to {self.display_url} failed: {reason}; nothing was written. Run the command again.{leftover}")
        if isinstance(error, OperationalError):
            return StoreUnavailable(f"Writing to {self.display_url} failed: {reason}; nothing was written.{leftover}")
        return ApplyError(f"Writing to {self.display_url} failed: {reason}; nothing was written.{leftover}")

    def _describe(self, error: SQLAlchemyError) -> str:
        """Return the first line of a database error, with advice for the usual MySQL failures and no password."""
        reason = _reason(error)
        code = _mysql_error_code(error)
        if self.is_mysql and code is not None:
            message = error.orig.args[1] if len(error.orig.args) > 1 else reason
            advice = _mysql_advice(code, self.url)
            reason = f"{advice} (MySQL error {code}: {message})" if advice else f"MySQL error {code}: {message}"
        password = self.url.password
        if password:
            reason = reason.replace(str(password), "***")
        return reason


@dataclass
class _ApplyProgress:
    """How far an apply got, for cleaning up and describing a failure."""

    created_tables: list[Table] = field(default_factory=list)
    committing: bool = False


_IN_CHUNK = 500


class PlanScope:
    """The rows of the store that a plan depends on: entities it refers to by id, and names it creates.

    Checking only these rows before writing keeps an apply proportional to
    the plan, not to the store, while still catching every change that
    would make the plan wrong: a referenced entity that changed or vanished,
    or a new entity that now clashes with a name the plan creates.
    """

    def __init__(self, ids: set[str], names: set[str], fold: bool) -> None:
        self.ids = ids
        self.names = names
        self.fold = fold

    @classmethod
    def of(cls, plan: Plan, expected: TargetSnapshot) -> "PlanScope":
        fold = expected.names_case_insensitive
        ids: set[str] = set()
        names: set[str] = set()
        for action in plan.actions:
            if action.operation is Operation.ERROR:
                continue
            if action.target_id:
                ids.add(action.target_id)
            for ref in (action.project, action.user, *(action.components or {}).values()):
                if ref is not None and ref.id is not None:
                    ids.add(ref.id)
            if action.operation is Operation.CREATE or action.operation is Operation.UPDATE:
                names.add(action.name.casefold() if fold else action.name)
        return cls(ids, names, fold)

    def wants(self, entity_id: str, name: str) -> bool:
        return entity_id in self.ids or (name.casefold() if self.fold else name) in self.names

    def read(self, connection: Connection, table: Table, *, lock: bool) -> list[Any]:
        """Return the rows of `table` whose id or name is in scope, each once."""
        rows: dict[str, Any] = {}
        for column, values in ((table.c.id, sorted(self.ids)), (table.c.name, sorted(self._raw_names()))):
            for start in range(0, len(values), _IN_CHUNK):
                statement = select(table).where(column.in_(values[start : start + _IN_CHUNK]))
                if lock:
                    statement = statement.with_for_update()
                for row in connection.execute(statement):
                    if self.wants(row.id, row.name):
                        rows.setdefault(row.id, row)
        return [rows[key] for key in sorted(rows)]

    def _raw_names(self) -> set[str]:
        # On a case-insensitive database the IN comparison itself ignores case.
        return self.names

    def with_members(self, connection: Connection, stacks: tuple[TargetStack, ...], *, lock: bool) -> tuple[TargetStack, ...]:
        members: dict[str, list[str]] = {}
        stack_ids = sorted(stack.id for stack in stacks)
        for start in range(0, len(stack_ids), _IN_CHUNK):
            statement = select(tables.stack_compositions).where(
                tables.stack_compositions.c.stack_id.in_(stack_ids[start : start + _IN_CHUNK])
            )
            if lock:
                statement = statement.with_for_update()
            for row in connection.execute(statement):
                members.setdefault(row.stack_id, []).append(row.component_id)
        return tuple(stack.model_copy(update={"component_ids": tuple(sorted(members.get(stack.id, [])))}) for stack in stacks)

    def filter(self, snapshot: TargetSnapshot) -> tuple[Any, ...]:
        """Return the in-scope part of a snapshot in a form that compares equal when nothing relevant changed."""

        def keep(items: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(sorted((item for item in items if self.wants(item.id, item.name)), key=lambda item: item.id))

        return (
            keep(snapshot.projects),
            keep(snapshot.users),
            keep(snapshot.flavors),
            keep(snapshot.components),
            keep(snapshot.stacks),
        )


class _InjectedFailure(SQLAlchemyError):
    """Raised by the test hook that simulates a failure in the middle of an apply."""


class _PlanWriter:
    """Turns the actions of a plan into bulk inserts and a few updates."""

    def __init__(self, plan: Plan, fail_after_statements: int | None) -> None:
        self.plan = plan
        self.ids: dict[str, str] = {}
        self.rows = 0
        self.statements = 0
        self.fail_after = fail_after_statements

    def resolve(self, ref: EntityRef | None) -> str | None:
        if ref is None:
            return None
        if ref.id is not None:
            return ref.id
        return self.ids[ref.key or ""]

    def write(self, connection: Connection) -> None:
        now = datetime.now()
        creates: dict[EntityKind, list[Action]] = {kind: [] for kind in EntityKind}
        updates: list[Action] = []
        for action in self.plan.actions:
            if action.operation is Operation.CREATE:
                self.ids[action.key] = new_id()
                creates[action.kind].append(action)
            elif action.operation is Operation.UPDATE:
                updates.append(action)

        self._insert(connection, tables.projects, [self._project_row(a, now) for a in creates[EntityKind.PROJECT]])
        self._insert(connection, tables.users, [self._user_row(a, now) for a in creates[EntityKind.USER]])
        self._insert(connection, tables.flavors, [self._flavor_row(a, now) for a in creates[EntityKind.FLAVOR]])
        self._insert(
            connection, tables.stack_components, [self._component_row(a, now) for a in creates[EntityKind.STACK_COMPONENT]]
        )
        for action in updates:
            if action.kind is not EntityKind.STACK:
                self._update(connection, action, now)
        self._insert(connection, tables.stacks, [self._stack_row(a, now) for a in creates[EntityKind.STACK]])
        links = [
            {"stack_id": self.ids[a.key], "component_id": self.resolve(ref)}
            for a in creates[EntityKind.STACK]
            for ref in (a.components or {}).values()
        ]
        for action in updates:
            if action.kind is EntityKind.STACK:
                self._update(connection, action, now)
                links.extend(
                    {"stack_id": action.target_id, "component_id": self.resolve(ref)}
                    for ref in (action.components or {}).values()
                )
        self._insert(connection, tables.stack_compositions, links)

    def _count_statement(self) -> None:
        self.statements += 1
        if self.fail_after is not None and self.statements > self.fail_after:
            raise _InjectedFailure(f"injected failure after {self.fail_after} write statements")

    def _insert(self, connection: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self._count_statement()
        connection.execute(insert(table), rows)
        self.rows += len(rows)

    def _update(self, connection: Connection, action: Action, now: datetime) -> None:
        self._count_statement()
        if action.kind is EntityKind.STACK_COMPONENT:
            statement = (
                update(tables.stack_components)
                .where(tables.stack_components.c.id == action.target_id)
                .values(
                    name=action.name,
                    flavor=action.flavor,
                    configuration=encode_configuration(action.configuration or {}),
                    updated=now,
                )
            )
        elif action.kind is EntityKind.FLAVOR:
            statement = (
                update(tables.flavors)
                .where(tables.flavors.c.id == action.target_id)
                .values(source=action.source, integration=action.integration, config_schema=action.config_schema, updated=now)
            )
        elif action.kind is EntityKind.STACK:
            connection.execute(delete(tables.stack_compositions).where(tables.stack_compositions.c.stack_id == action.target_id))
            statement = update(tables.stacks).where(tables.stacks.c.id == action.target_id).values(name=action.name, updated=now)
        else:
            raise ApplyError(f"Cannot update a {action.kind.value}; the plan is invalid.")
        connection.execute(statement)
        self.rows += 1

    def _project_row(self, action: Action, now: datetime) -> dict[str, Any]:
        return {"id": self.ids[action.key], "name": action.name, "description": action.description or "", "created": now, "updated": now}

    def _user_row(self, action: Action, now: datetime) -> dict[str, Any]:
        return {
            "id": self.ids[action.key],
            "name": action.name,
            "full_name": "",
            "email": None,
            "active": True,
            "password": EMPTY_PASSWORD_HASH,
            "activation_token": None,
            "created": now,
            "updated": now,
            "email_opted_in": None,
        }

    def _owned(self, action: Action) -> dict[str, Any]:
        return {"project_id": self.resolve(action.project), "user_id": self.resolve(action.user)}

    def _flavor_row(self, action: Action, now: datetime) -> dict[str, Any]:
        return {
            **self._owned(action),
            "id": self.ids[action.key],
            "type": action.component_type,
            "source": action.source,
            "name": action.name,
            "integration": action.integration,
            "config_schema": action.config_schema,
            "created": now,
            "updated": now,
        }

    def _component_row(self, action: Action, now: datetime) -> dict[str, Any]:
        return {
            **self._owned(action),
            "id": self.ids[action.key],
            "name": action.name,
            "is_shared": False,
            "type": action.component_type,
            "flavor": action.flavor,
            "configuration": encode_configuration(action.configuration or {}),
            "created": now,
            "updated": now,
        }

    def _stack_row(self, action: Action, now: datetime) -> dict[str, Any]:
        return {**self._owned(action), "id": self.ids[action.key], "created": now, "updated": now, "name": action.name, "is_shared": False}


def _use_explicit_sqlite_transactions(engine: Engine) -> None:
    """Make SQLite transactions cover DDL too, and take the write lock when one begins.

    Python's sqlite3 driver commits DDL implicitly and begins transactions
    lazily; emitting BEGIN IMMEDIATE ourselves makes the whole apply,
    table creation included, one transaction that concurrent writers wait for.
    """

    @event.listens_for(engine, "connect")
    def _disable_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(_WRITE_OPTION) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def _holds_nothing(snapshot: TargetSnapshot) -> bool:
    return not (snapshot.projects or snapshot.users or snapshot.flavors or snapshot.components or snapshot.stacks)


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error)
    return text.splitlines()[0] if text else type(error).__name__


def parse_store_url(url: str) -> URL:
    """Parse a SQLAlchemy URL. The error message leaves the URL out, because it may contain a password."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise UsageError(
            "Invalid store URL. Use sqlite:////PATH or mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, "
            "with a numeric port and the special characters of the password percent-encoded."
        ) from None


def with_password_from_environment(url: URL) -> URL:
    """Return a MySQL URL with the password of ZENML_STORE_PASSWORD when the URL has none."""
    password = os.environ.get(PASSWORD_VARIABLE)
    if url.password is None and password:
        return url.set(password=password)
    return url


def _check_mysql_url(url: URL, display_url: str) -> None:
    usage = "Use mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
    if not url.username:
        raise UsageError(f"The store URL {display_url} names no user. {usage}")
    if not url.database:
        raise UsageError(f"The store URL {display_url} names no database. {usage}")
    if not ZENML_DATABASE_NAME.match(url.database):
        raise UsageError(
            f"ZenML 0.20.5 cannot open the database '{url.database}': a name has 1 to 64 characters "
            'and none of \\ / ? % * : | " < > . -. Migrate into a database with such a name.'
        )
    if not url.password:
        log.warning(
            "The store URL has no password, neither in the URL nor in %s. The migration works, "
            "but ZenML 0.20.5 opens a MySQL store only as a user with a password.",
            PASSWORD_VARIABLE,
        )


def _use_strict_mysql_sessions(engine: Engine) -> None:
    """Make each MySQL session reject values that do not fit a column.

    A server configured without strict mode would truncate them and only warn.
    """

    @event.listens_for(engine, "connect")
    def _strict(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES')")


# Server error codes after which running the command again can succeed.
_LOCK_ERRORS = (1205, 1213)  # lock wait timeout exceeded, deadlock found
_TABLE_EXISTS = 1050


def _mysql_error_code(error: SQLAlchemyError) -> int | None:
    args = getattr(getattr(error, "orig", None), "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _mysql_advice(code: int | None, url: URL) -> str:
    """Return what a MySQL error code means for the store at `url`, and what to do; "" for other codes."""
    user = url.username
    database = url.database
    address = f"{url.host or 'localhost'}:{url.port or 3306}"
    rejected = (
        f"the server rejected user '{user}' with the given password; check the user and the password "
        f"(in the store URL or in {PASSWORD_VARIABLE})"
        if url.password
        else f"the server rejected user '{user}' without a password; give it in the store URL or in {PASSWORD_VARIABLE}"
    )
    advice = {
        2003: f"no MySQL server answers at {address}; start it, or correct the host and port of the store URL",
        2005: f"the host {url.host} of the store URL is unknown",
        1045: rejected,  # access denied
        1698: rejected,  # access denied to a user without a password (MariaDB)
        1044: f"user '{user}' has no access to database '{database}'; grant it with GRANT ALL ON `{database}`.* TO '{user}'",
        1049: f"database '{database}' does not exist; create it with CREATE DATABASE `{database}` CHARACTER SET utf8mb4",
        2006: "the connection to the MySQL server was lost",
        2013: "the connection to the MySQL server was lost",
        1205: "another session holds locks on the ZenML tables and did not release them in time",
        1213: "another session wrote to the ZenML tables at the same time (deadlock)",
        1366: "a name does not fit the character set of its table; ZenML tables need CHARACTER SET utf8mb4 for such names",
        1406: "a value is longer than its column allows",
    }
    return advice.get(code, "") if code is not None else ""
