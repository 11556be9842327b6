"""Test hook that SIGKILLs this process at one point of its applies, to prove crash safety.

It is read only when ZENML_MIGRATE_TEST_KILL_AT is set. Its value is a
number N, "after-N", "commit" or "after-commit". N kills the process right
before its Nth write, and "after-N" right after the Nth write returned.
Writes are counted over all applies of the process. For a SQL store each
INSERT, UPDATE, DELETE and DDL statement counts (a bulk insert is one
statement). For a REST store each POST or PUT request other than the login
counts, so "after-N" kills it between the server's response and recording the
id it assigned. "commit" kills a SQL apply right before its first commit,
"after-commit" right after it.
"""

import os
import re
import signal
import sys
from typing import Any

from sqlalchemy import Connection, event

from migrator.errors import UsageError

KILL_VARIABLE = "ZENML_MIGRATE_TEST_KILL_AT"


class KillSwitch:
    """The kill point of this process, as set in ZENML_MIGRATE_TEST_KILL_AT, and the writes counted so far."""

    _WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
    _instance: "KillSwitch | None" = None

    def __init__(self, point: str) -> None:
        self.point = point
        self.statements = 0

    @classmethod
    def from_environment(cls) -> "KillSwitch | None":
        """Return the process's kill switch, or None when ZENML_MIGRATE_TEST_KILL_AT is not set."""
        point = os.environ.get(KILL_VARIABLE)
        if not point:
            return None
        number = point.removeprefix("after-")
        if not (number.isdigit() and int(number) > 0) and point not in ("commit", "after-commit"):
            raise UsageError(f"{KILL_VARIABLE} must be N or after-N for a positive number N, 'commit' or 'after-commit', not {point!r}.")
        if cls._instance is None or cls._instance.point != point:
            cls._instance = cls(point)
        return cls._instance

    def attach(self, connection: Connection) -> None:
        """Count the write statements of a SQL connection."""
        event.listen(connection, "before_cursor_execute", self._before_statement)
        event.listen(connection, "after_cursor_execute", self._after_statement)

    def _before_statement(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._WRITE_STATEMENT.match(statement):
            self.count_write()

    def _after_statement(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._WRITE_STATEMENT.match(statement):
            self.written()

    def count_write(self) -> None:
        """Count one write, and kill the process if ZENML_MIGRATE_TEST_KILL_AT names this write."""
        self.statements += 1
        self.reached(str(self.statements))

    def written(self) -> None:
        """Kill the process if ZENML_MIGRATE_TEST_KILL_AT is after-N for the write just counted."""
        self.reached(f"after-{self.statements}")

    def reached(self, point: str) -> None:
        if point == self.point:
            sys.stdout.flush()
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
