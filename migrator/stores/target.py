"""Find the target store: from --store, or from a ZenML 0.20 global config dir.

Without --store, the target is the store that ZenML 0.20 itself would use:
the `store:` section of `config.yaml` in the ZenML config dir
(`ZENML_CONFIG_PATH`, else the platform's user config dir of the app
`zenml`), else the default SQLite file
`<config dir>/local_stores/default_zen_store/zenml.db`.

A MySQL URL without a password takes it from ZENML_STORE_PASSWORD, as ZenML
does, so that the password need not appear on the command line.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import platformdirs
import yaml

from migrator.errors import UsageError
from migrator.stores.sql import LOCK_FILE_SUFFIX, SqlStore, parse_store_url, with_password_from_environment

if TYPE_CHECKING:
    from migrator.stores.rest import RestStore

DEFAULT_STORE_RELATIVE_PATH = Path("local_stores") / "default_zen_store" / "zenml.db"


@dataclass(frozen=True)
class StoreTarget:
    """A resolved target: its URL, kind, where it was named, and the active project there."""

    url: str = field(repr=False)  # left out of repr() because it may contain a password
    kind: str  # "sql" or "rest"
    origin: str
    active_project: str = "default"
    create_directories: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify_ssl: bool = True


def zenml_config_dir() -> Path:
    """Return the ZenML global config dir, as ZenML 0.13 and 0.20 both locate it."""
    configured = os.environ.get("ZENML_CONFIG_PATH")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("zenml"))


def resolve_target(
    store: str | None,
    config_dir: Path | None = None,
    *,
    username: str | None = None,
    password: str | None = None,
    verify_ssl: bool | None = None,
) -> StoreTarget:
    """Return the store to migrate into.

    For a ZenML server, the credentials come from the arguments, else from
    ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD, else from a `store:`
    section of type `rest` in the ZenML config. Raises `UsageError` for a
    URL of an unsupported kind.
    """
    directory = config_dir or zenml_config_dir()
    config = _read_config(directory / "config.yaml")
    active_project = str(config.get("active_project_name") or "default")
    section = config.get("store") if isinstance(config.get("store"), dict) else {}
    if store:
        target = StoreTarget(url=normalize_store_url(store), kind=_kind_of(store), origin="--store", active_project=active_project)
    elif section.get("url"):
        kind = "rest" if section.get("type") == "rest" else "sql"
        url = normalize_store_url(str(section["url"]))
        if kind == "sql":
            url = _with_mysql_settings(url, section)
        target = StoreTarget(url=url, kind=kind, origin=str(directory / "config.yaml"), active_project=active_project)
    else:
        target = None
    if target is not None:
        if target.kind != "rest":
            return target
        from_config = section.get("type") == "rest" and str(section.get("url", "")).rstrip("/") == target.url.rstrip("/")
        return replace(
            target,
            username=username or os.environ.get("ZENML_STORE_USERNAME") or (str(section.get("username") or "") if from_config else None) or None,
            password=_first_set(password, os.environ.get("ZENML_STORE_PASSWORD"), section.get("password") if from_config else None),
            verify_ssl=verify_ssl if verify_ssl is not None else bool(section.get("verify_ssl", True)) if from_config else True,
        )
    path = directory / DEFAULT_STORE_RELATIVE_PATH
    return StoreTarget(
        url=f"sqlite:///{path.absolute()}",
        kind="sql",
        origin=f"default store of {directory}",
        active_project=active_project,
        create_directories=True,
    )


def _first_set(*values: Any) -> str | None:
    for value in values:
        if value is not None:
            return str(value)
    return None


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"Cannot read the ZenML config file {path}: {error}. Fix it, or name the target with --store.") from None
    return data if isinstance(data, dict) else {}


# Keys of a ZenML 0.20 `store:` section that ZenML moves out of a MySQL URL
# (SqlZenStoreConfiguration), by the URL part or query parameter they fill.
_MYSQL_SECTION_KEYS = ("username", "password", "database")
_MYSQL_SSL_KEYS = ("ssl_ca", "ssl_cert", "ssl_key")


def _with_mysql_settings(url: str, section: dict[str, Any]) -> str:
    """Put the user, password, database and certificate files of a ZenML `store:` section back into a MySQL URL."""
    parsed = parse_store_url(url)
    if parsed.get_backend_name() != "mysql":
        return url
    parts = {key: str(section[key]) for key in _MYSQL_SECTION_KEYS if section.get(key) and getattr(parsed, key) is None}
    query = {key: str(section[key]) for key in _MYSQL_SSL_KEYS if section.get(key) and Path(str(section[key])).is_file()}
    if not parts and not query:
        return url
    return parsed.set(**parts).update_query_dict(query).render_as_string(hide_password=False)


def _kind_of(url: str) -> str:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return "rest"
    return "sql"


def normalize_store_url(url: str) -> str:
    """Return a SQLAlchemy URL for a store URL as users and ZenML write it.

    Raises `UsageError` for an unsupported scheme.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise UsageError("The store URL has no scheme. Use sqlite:///PATH or mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return url
    if scheme in ("mysql", "mysql+pymysql"):
        parsed = with_password_from_environment(parse_store_url(f"mysql+pymysql://{rest}"))
        return parsed.render_as_string(hide_password=False)
    if scheme in ("http", "https"):
        return url
    raise UsageError(
        f"Unsupported store URL scheme '{scheme}'. Use sqlite:///PATH, mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE or https://HOST."
    )


_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@contextmanager
def open_store(
    target: StoreTarget | str, *, user: str | None = None, project: str | None = None
) -> Iterator["SqlStore | RestStore"]:
    """Open the target store for snapshot and apply, and close it afterwards.

    `user` owns what is migrated (default: the store's active user) and
    `project` is the project the plans target (default: the active project).
    Raises `UsageError` for a server URL without credentials, or a plain
    http:// URL to a host other than this machine.
    """
    if isinstance(target, str):
        target = StoreTarget(url=normalize_store_url(target), kind=_kind_of(target), origin="argument")
    store: "SqlStore | RestStore"
    if target.kind == "rest":
        # Imported here: httpx and tenacity add to the start-up of every command otherwise.
        from migrator.stores.rest import RestStore

        parts = urlsplit(target.url)
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
            raise UsageError(
                f"Refusing plain http:// to {parts.hostname}: the password would cross the network unencrypted. Use https://."
            )
        if not target.username or target.password is None:
            raise UsageError(
                f"Migrating into the ZenML server {target.url} needs a username and password: give --username and "
                "--password-stdin, or set ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD."
            )
        store = RestStore(
            target.url,
            username=target.username,
            password=target.password,
            verify_ssl=target.verify_ssl,
            active_project=project or target.active_project,
            active_user=user,
        )
    else:
        store = SqlStore(
            target.url,
            active_project=target.active_project,
            active_user=user or "default",
            create_directories=target.create_directories,
        )
    try:
        yield store
    finally:
        store.close()


def store_files(target: StoreTarget) -> set[Path]:
    """Return the resolved files of a SQLite target (database, journals, lock file) that a report must not overwrite."""
    if target.kind != "sql" or not target.url.startswith("sqlite:///"):
        return set()
    database = Path(target.url[len("sqlite:///") :]).resolve()
    return {database, *(Path(f"{database}{suffix}") for suffix in ("-journal", "-wal", "-shm", LOCK_FILE_SUFFIX))}
