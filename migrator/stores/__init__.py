"""Writers that apply a plan to a ZenML 0.20 store."""

from migrator.stores.sql import ApplyOutcome, SqlStore
from migrator.stores.target import StoreTarget, open_store, resolve_target

__all__ = ["ApplyOutcome", "SqlStore", "StoreTarget", "open_store", "resolve_target"]
