"""Write plans into a ZenML 0.20 SQL store (SQLite file or MySQL database).

`SqlStore.snapshot()` reads everything a plan depends on in one query per
table. `SqlStore.apply()` writes a plan in one transaction: it re-reads the
snapshot inside the transaction, refuses to write if the store changed since
planning, inserts in bulk and commits once, so a failure leaves the store as
it was. Rows look exactly like the ones ZenML 0.20.5 writes: 32-hex-digit
ids, naive local timestamps, configurations as base64 of JSON.
"""

import base64
import binascii
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import bcrypt
from sqlalchemy import Connection, Engine, create_engine, delete, event, inspect, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from migrator.errors import ApplyError, StoreSchemaError, StoreUnavailable
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

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 30
_WRITE_OPTION = "zenml_migrate_write"


@dataclass
class ApplyOutcome:
    """What an apply wrote: the id of every created entity by plan key, and row counts."""

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


def hash_empty_password() -> str:
    """Return a bcrypt hash of the empty password, as ZenML 0.20 stores for its default user."""
    return bcrypt.hashpw(b"", bcrypt.gensalt(rounds=12)).decode("ascii")


class SqlStore:
    """A ZenML 0.20 SQL store, opened by URL.

    `url` is a SQLAlchemy URL: `sqlite:////abs/path/zenml.db` or
    `mysql+pymysql://user:password@host:port/database`. A SQLite file that
    does not exist yet is created by the first apply, never by a snapshot;
    with `create_directories`, that apply also creates its missing parent
    directories, as ZenML does for its default store.
    """

    def __init__(
        self, url: str, *, active_project: str = "default", active_user: str = "default", create_directories: bool = False
    ) -> None:
        self.url = make_url(url)
        self.create_directories = create_directories
        self.active_project = active_project
        self.active_user = active_user
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._engine: Engine | None = None
        self.fail_after_statements: int | None = None  # test hook: raise after this many write statements

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
        else:
            engine = create_engine(self.url, pool_pre_ping=True)
        self._engine = engine
        return engine

    def close(self) -> None:
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
        except OperationalError as error:
            raise StoreUnavailable(f"Cannot open the store {self.display_url}: {_reason(error)}") from None

    def _read_snapshot(self, connection: Connection) -> TargetSnapshot:
        present = set(inspect(connection).get_table_names())
        wanted = {table.name for table in tables.MIGRATED_TABLES}
        if not present & wanted:
            return self._empty_snapshot()
        missing = wanted - present
        if missing:
            raise StoreSchemaError(
                f"{self.display_url} is missing the ZenML 0.20 tables {', '.join(sorted(missing))}. "
                "Point --store at a ZenML 0.20 database or at a new file."
            )
        self._check_columns(connection)
        projects = tuple(
            TargetProject(id=row.id, name=row.name, description=row.description)
            for row in connection.execute(select(tables.projects).order_by(tables.projects.c.created))
        )
        users = tuple(TargetUser(id=row.id, name=row.name) for row in connection.execute(select(tables.users)))
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
            for row in connection.execute(select(tables.flavors))
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
            for row in connection.execute(select(tables.stack_components))
        )
        members: dict[str, list[str]] = {}
        for row in connection.execute(select(tables.stack_compositions)):
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
            for row in connection.execute(select(tables.stacks))
        )
        return TargetSnapshot(
            initialized=bool(users),
            active_project=self.active_project,
            active_user=self.active_user,
            names_case_insensitive=not self.is_sqlite,
            projects=projects,
            users=users,
            flavors=flavors,
            components=components,
            stacks=stacks,
        )

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
        engine = self._engine_for_use()
        writer = _PlanWriter(plan, self.fail_after_statements)
        try:
            with engine.connect().execution_options(**{_WRITE_OPTION: True}) as connection:
                with connection.begin():
                    tables.metadata.create_all(connection, checkfirst=True)
                    current = self._read_snapshot(connection)
                    if _comparable(current) != _comparable(expected):
                        raise ApplyError(
                            f"The store {self.display_url} changed after the plan was made; nothing was written. "
                            "Run the command again to plan against its new state."
                        )
                    writer.write(connection)
        except ApplyError:
            raise
        except (StoreSchemaError, StoreUnavailable):
            raise
        except OperationalError as error:
            raise StoreUnavailable(f"Writing to {self.display_url} failed: {_reason(error)}; nothing was written.") from None
        except (SQLAlchemyError, DBAPIError) as error:
            raise ApplyError(f"Writing to {self.display_url} failed: {_reason(error)}; nothing was written.") from None
        log.info("Applied profile %s to %s: %d rows", plan.profile, self.display_url, writer.rows)
        return ApplyOutcome(applied=True, ids=writer.ids, rows_written=writer.rows, message="applied")


def _comparable(snapshot: TargetSnapshot) -> TargetSnapshot:
    return snapshot.model_copy(update={"initialized": snapshot.initialized})


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
            "password": hash_empty_password(),
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


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error)
    return text.splitlines()[0] if text else type(error).__name__

