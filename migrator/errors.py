"""Exceptions raised by zenml-migrate.

    MigratorError
    ├── UsageError             bad options or arguments (exit status 2)
    ├── InputError             an unreadable legacy directory or file (exit status 2)
    └── StoreError             the target store failed or refused a request
        ├── StoreUnavailable   the store could not be reached or opened (exit status 2)
        ├── StoreSchemaError   the database is not a ZenML 0.20 store we can write (exit status 2)
        ├── StoreLocked        another zenml-migrate run holds the store's lock, and --no-wait was given (exit status 2)
        └── ApplyError         applying a plan failed; the transaction was rolled back (exit status 1)

Problems inside a legacy profile (malformed YAML, a missing component file, a
dangling reference) are not exceptions: readers collect them as
`migrator.legacy.Diagnostic` values so that the sound part of a profile still
migrates. Messages never contain a secret value.
"""


class MigratorError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = 2


class UsageError(MigratorError):
    """Raised for options or arguments that cannot work together."""


class InputError(MigratorError):
    """Raised when a legacy directory cannot be read at all."""


class StoreError(MigratorError):
    """Raised when the target store fails or refuses a request."""


class StoreUnavailable(StoreError):
    """Raised when the target store cannot be reached or opened."""


class StoreSchemaError(StoreError):
    """Raised when a database lacks the ZenML 0.20 tables or columns we write."""


class StoreLocked(StoreError):
    """Raised when another zenml-migrate run holds the lock of a SQLite store and the caller would not wait."""


class ApplyError(StoreError):
    """Raised when applying a plan fails; the store is left as it was."""

    exit_code = 1
