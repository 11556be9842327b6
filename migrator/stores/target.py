"""Find the target store: from --store, or from a ZenML 0.20 global config dir.

Without --store, the target is the store that ZenML 0.20 itself would use:
the `store:` section of `config.yaml` in the ZenML config dir
(`ZENML_CONFIG_PATH`, else the platform's user config dir of the app
`zenml`), else the default SQLite file
`<config dir>/local_stores/default_zen_store/zenml.db`.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import yaml

from migrator.errors import UsageError
from migrator.stores.sql import SqlStore

DEFAULT_STORE_RELATIVE_PATH = Path("local_stores") / "default_zen_store" / "zenml.db"


@dataclass(frozen=True)
class StoreTarget:
    """A resolved target: its URL, kind, where it was named, and the active project there."""

    url: str
    kind: str  # "sql" or "rest"
    origin: str
    active_project: str = "default"
    create_directories: bool = False


def zenml_config_dir() -> Path:
    """Return the ZenML global config dir, as ZenML 0.13 and 0.20 both locate it."""
    configured = os.environ.get("ZENML_CONFIG_PATH")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("zenml"))


def resolve_target(store: str | None, config_dir: Path | None = None) -> StoreTarget:
    """Return the store to migrate into.

    Raises `UsageError` for a URL of an unsupported kind.
    """
    directory = config_dir or zenml_config_dir()
    config = _read_config(directory / "config.yaml")
    active_project = str(config.get("active_project_name") or "default")
    if store:
        return StoreTarget(url=normalize_store_url(store), kind=_kind_of(store), origin="--store", active_project=active_project)
    section = config.get("store")
    if isinstance(section, dict) and section.get("url"):
        url = str(section["url"])
        kind = "rest" if section.get("type") == "rest" else "sql"
        return StoreTarget(url=normalize_store_url(url), kind=kind, origin=str(directory / "config.yaml"), active_project=active_project)
    path = directory / DEFAULT_STORE_RELATIVE_PATH
    return StoreTarget(
        url=f"sqlite:///{path.absolute()}",
        kind="sql",
        origin=f"default store of {directory}",
        active_project=active_project,
        create_directories=True,
    )


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"Cannot read the ZenML config file {path}: {error}. Fix it, or name the target with --store.") from None
    return data if isinstance(data, dict) else {}


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
        raise UsageError(f"Store URL '{url}' has no scheme. Use sqlite:///PATH or mysql://USER@HOST/DATABASE.")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return url
    if scheme in ("mysql", "mysql+pymysql"):
        return f"mysql+pymysql://{rest}"
    if scheme in ("http", "https"):
        return url
    raise UsageError(f"Unsupported store URL scheme '{scheme}'. Use sqlite:///PATH, mysql://USER@HOST/DATABASE or https://HOST.")


@contextmanager
def open_store(target: StoreTarget | str, *, user: str = "default") -> Iterator[SqlStore]:
    """Open the target store for snapshot and apply, and close it afterwards.

    Raises `UsageError` for a target this version cannot write.
    """
    if isinstance(target, str):
        target = StoreTarget(url=normalize_store_url(target), kind=_kind_of(target), origin="argument")
    if target.kind == "rest":
        # NOTE: migrating into a ZenML server over REST is not implemented yet.
        raise UsageError(f"Migrating into a ZenML server ({target.url}) is not supported yet. Use a SQL store URL.")
    store = SqlStore(
        target.url, active_project=target.active_project, active_user=user, create_directories=target.create_directories
    )
    try:
        yield store
    finally:
        store.close()
