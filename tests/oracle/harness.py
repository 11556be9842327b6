"""Run the real ZenML 0.20.5 (CLI, stores, server) so that tests can check what it reads.

ZenML 0.20.5 runs in its own virtual environment, which setup_oracle.sh builds
on first use and caches (see oracle_dir()). Every run gets a clean environment:
the caller's ZENML_* and PYTHON* variables are dropped, analytics is off, and
the working directory is an empty temporary directory.

This module uses only the standard library, so that the project's test
environment does not need any of ZenML's dependencies.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import urlsplit

ZENML_VERSION = "0.20.5"

ORACLE_DIRECTORY = Path(__file__).resolve().parent
SETUP_SCRIPT = ORACLE_DIRECTORY / "setup_oracle.sh"
READ_STORE_SCRIPT = ORACLE_DIRECTORY / "read_store.py"

# Where ZenML 0.20.5 puts the SQLite store of a global config directory that
# does not name a store (constants LOCAL_STORES_DIRECTORY_NAME,
# DEFAULT_STORE_DIRECTORY_NAME and ZENML_SQLITE_DB_FILENAME).
DEFAULT_STORE_RELATIVE_PATH = Path("local_stores", "default_zen_store", "zenml.db")

# The user that ZenML 0.20.5 creates in a new store, with an empty password.
DEFAULT_USERNAME = "default"
DEFAULT_PASSWORD = ""

# Upper bound for building the environment. A build took 33 to 45 s, with and
# without pip's cache, on a 2-core x86_64 machine with a fast link to PyPI.
BUILD_TIMEOUT_SECONDS = 1800
DEFAULT_TIMEOUT_SECONDS = 300
SERVER_START_TIMEOUT_SECONDS = 60
SERVER_STOP_TIMEOUT_SECONDS = 10
LOG_TAIL_LINES = 40


class OracleUnavailable(Exception):
    """The ZenML 0.20.5 environment cannot be built or run on this machine."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OracleError(RuntimeError):
    """A run of the real ZenML 0.20.5 failed."""


def oracle_dir() -> Path:
    """Return the directory of the oracle environment.

    It is $ZENML_MIGRATE_ORACLE_DIR, else
    ~/.cache/zenml-migrate/oracle-zenml-0.20.5, as in setup_oracle.sh.
    """
    configured = os.environ.get("ZENML_MIGRATE_ORACLE_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return Path.home() / ".cache" / "zenml-migrate" / f"oracle-zenml-{ZENML_VERSION}"


_build_lock = threading.Lock()
_built_python: Path | None = None
_build_failure: OracleUnavailable | None = None


def oracle_python() -> Path:
    """Return the Python of the oracle environment, building the environment first if needed.

    setup_oracle.sh runs once per process. It returns at once when the cached
    environment matches the recipe, and rebuilds it otherwise. A failed build
    is remembered, so later calls raise the same OracleUnavailable at once.
    """
    global _built_python, _build_failure

    with _build_lock:
        if _built_python is not None:
            return _built_python
        if _build_failure is not None:
            raise _build_failure

        try:
            _built_python = _build_environment(oracle_dir())
        except OracleUnavailable as error:
            _build_failure = error
            raise
        return _built_python


def _build_environment(directory: Path) -> Path:
    bash = shutil.which("bash")
    if bash is None:
        raise OracleUnavailable("bash is not installed; setup_oracle.sh needs it")

    directory.parent.mkdir(parents=True, exist_ok=True)
    log_path = directory.parent / f"{directory.name}.setup.log"
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            completed = subprocess.run(
                [bash, str(SETUP_SCRIPT), str(directory)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=BUILD_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise OracleUnavailable(
                f"building the ZenML {ZENML_VERSION} environment at {directory} timed out "
                f"after {BUILD_TIMEOUT_SECONDS} s; build log: {log_path}\n{_tail(log_path)}"
            ) from None

    if completed.returncode != 0:
        raise OracleUnavailable(
            f"building the ZenML {ZENML_VERSION} environment at {directory} failed "
            f"with exit code {completed.returncode}; build log: {log_path}\n{_tail(log_path)}"
        )

    python = directory / "bin" / "python"
    if not python.exists():
        raise OracleUnavailable(f"setup_oracle.sh succeeded but {python} does not exist")
    return python


def oracle_env(config_dir: Path | str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a ZenML 0.20.5 process that uses the global config in config_dir."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ZENML_", "PYTHON")) and name != "VIRTUAL_ENV"
    }
    env.update(
        {
            "ZENML_CONFIG_PATH": str(config_dir),
            "ZENML_ANALYTICS_OPT_IN": "false",
            "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
            "AUTO_OPEN_DASHBOARD": "false",
            "PYTHONNOUSERSITE": "1",
            # Rich wraps console output at $COLUMNS, so a wide fixed width
            # keeps each message on one line.
            "COLUMNS": "200",
        }
    )
    if extra:
        env.update(extra)
    return env


def write_global_config(config_dir: Path | str, store: Mapping[str, object] | None = None) -> Path:
    """Write a ZenML 0.20.5 config.yaml into config_dir and return its path.

    ZenML 0.20.5 fills in every missing key itself, so only these are written:
    `version` (without it ZenML logs "Initializing the ZenML global
    configuration"), `user_id` (the client id that a local SQL store reports
    as its server id), `analytics_opt_in: false`, and `store` when given. With
    no `store` ZenML creates its default SQLite store under config_dir.
    Without `active_project_name` and `active_stack_id`, ZenML selects the
    default project and the user's default stack and logs one line for each.
    The file is JSON, which the YAML parser of ZenML reads as well.
    """
    config_dir = Path(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "version": ZENML_VERSION,
        "user_id": str(uuid.uuid4()),
        "analytics_opt_in": False,
    }
    if store is not None:
        config["store"] = dict(store)
    config_path = config_dir / "config.yaml"
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return config_path


def default_store_path(config_dir: Path | str) -> Path:
    """Return the path of the SQLite store that ZenML 0.20.5 creates in a global config directory."""
    return Path(config_dir) / DEFAULT_STORE_RELATIVE_PATH


def sqlite_url(path: Path | str) -> str:
    """Return the SQLAlchemy URL of a SQLite file, in the form sqlite:////abs/path.db."""
    return f"sqlite:///{Path(path).resolve()}"


def run_zenml(
    config_dir: Path | str,
    *args: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real `zenml` CLI with the global config in config_dir and return the finished process.

    stdout and stderr are captured as text. A non-zero exit code is returned,
    not raised. env adds variables to the environment of oracle_env(). cwd is
    the working directory, by default a new empty one; ZenML uses the
    repository (`.zen/`) that contains it, if any.
    """
    zenml = oracle_python().parent / "zenml"
    with tempfile.TemporaryDirectory(prefix="zenml-oracle-cwd-") as scratch:
        return subprocess.run(
            [str(zenml), *args],
            cwd=cwd if cwd is not None else scratch,
            env=oracle_env(config_dir, env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def real_migrate(
    profile_dir: Path | str,
    *flags: str,
    config_dir: Path | str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Run the real `zenml profile migrate` into the default SQLite store of a new config directory.

    config_dir must not exist or be empty; by default it is a new temporary
    directory that the caller removes. Returns the config directory and the
    finished process. The store is at default_store_path(config_dir).
    """
    if config_dir is None:
        config_dir = Path(tempfile.mkdtemp(prefix="zenml-oracle-migrate-"))
    else:
        config_dir = Path(config_dir)
        if config_dir.exists() and any(config_dir.iterdir()):
            raise ValueError(f"config_dir {config_dir} is not empty; real_migrate needs a new config directory")
    write_global_config(config_dir)

    process = run_zenml(
        config_dir,
        "profile",
        "migrate",
        str(Path(profile_dir).resolve()),
        *flags,
        timeout=timeout,
    )
    return config_dir, process


def read_store(
    store_url: str,
    *,
    stable: bool = True,
    skip_default_registrations: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> dict:
    """Read a store with the real ZenML 0.20.5 and return the JSON document of read_store.py.

    store_url is a SQLite URL (sqlite:////abs/path.db) or a MySQL URL
    (mysql://user:password@127.0.0.1:3306/database). ZenML 0.20.5 rejects a
    MySQL URL without a password.

    A SQLite file is copied to a temporary directory first, because ZenML
    writes to every database it opens (ML-Metadata tables, missing ZenML
    tables, and the default project, user and stack unless
    skip_default_registrations is set). The caller's file is never opened.
    """
    scheme = urlsplit(store_url).scheme
    with tempfile.TemporaryDirectory(prefix="zenml-oracle-read-") as scratch:
        scratch_dir = Path(scratch)
        if scheme == "sqlite":
            store_url = sqlite_url(_copy_sqlite_database(store_url, scratch_dir / "store"))
        elif scheme.startswith("mysql"):
            # NOTE: a MySQL database is read in place, so ZenML adds its
            # ML-Metadata tables (and the default entities, see above) to it.
            # Pass a database that the test owns.
            pass
        else:
            raise ValueError(f"unsupported store URL {store_url!r}; expected sqlite:////path or mysql://...")

        config_dir = scratch_dir / "config"
        write_global_config(config_dir, {"type": "sql", "url": store_url})
        return _run_read_store(config_dir, stable, skip_default_registrations, timeout)


def _copy_sqlite_database(store_url: str, target_dir: Path) -> Path:
    """Copy a SQLite database, with its write-ahead log or rollback journal, into target_dir."""
    prefix = "sqlite:///"
    if not store_url.startswith(prefix) or not store_url[len(prefix) :].startswith("/"):
        raise ValueError(f"invalid SQLite store URL {store_url!r}; expected sqlite:////absolute/path.db")
    source = Path(store_url[len(prefix) :])
    if not source.is_file():
        raise FileNotFoundError(f"SQLite store {source} not found")

    target_dir.mkdir(parents=True)
    target = target_dir / "zenml.db"
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-journal"):
        sidecar = source.with_name(source.name + suffix)
        if sidecar.is_file():
            shutil.copyfile(sidecar, target.with_name(target.name + suffix))
    return target


def _run_read_store(
    config_dir: Path,
    stable: bool,
    skip_default_registrations: bool,
    timeout: float,
) -> dict:
    command = [str(oracle_python()), str(READ_STORE_SCRIPT)]
    if stable:
        command.append("--stable")
    if skip_default_registrations:
        command.append("--skip-default-registrations")

    with tempfile.TemporaryDirectory(prefix="zenml-oracle-cwd-") as cwd:
        process = subprocess.run(
            command,
            cwd=cwd,
            env=oracle_env(config_dir),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if process.returncode != 0:
        raise OracleError(
            f"read_store.py failed with exit code {process.returncode} for the store in "
            f"{config_dir / 'config.yaml'}; stderr:\n{_tail_text(process.stderr)}"
        )
    try:
        return json.loads(process.stdout)
    except json.JSONDecodeError as error:
        raise OracleError(
            f"read_store.py wrote invalid JSON ({error}); stdout:\n{_tail_text(process.stdout)}"
        ) from None


# Servers started by this process and not stopped yet; stopped at interpreter exit.
_running_servers: set[ServerHandle] = set()


class ServerHandle:
    """A real ZenML 0.20.5 server running in the foreground on 127.0.0.1.

    Use it as a context manager: leaving the block stops the server.
    """

    username = DEFAULT_USERNAME
    password = DEFAULT_PASSWORD

    def __init__(
        self,
        process: subprocess.Popen,
        port: int,
        config_dir: Path,
        server_config_dir: Path,
        store_url: str,
        log_path: Path,
    ) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.config_dir = config_dir
        self.server_config_dir = server_config_dir
        self.store_url = store_url
        self.log_path = log_path

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        """Return the server's output so far (uvicorn access log and ZenML logging)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after SERVER_STOP_TIMEOUT_SECONDS."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _running_servers.discard(self)


@atexit.register
def _stop_running_servers() -> None:
    for server in list(_running_servers):
        server.stop()


def start_server(
    config_dir: Path | str,
    *,
    store_url: str | None = None,
    timeout: float = SERVER_START_TIMEOUT_SECONDS,
) -> ServerHandle:
    """Start the real ZenML 0.20.5 server on a free port of 127.0.0.1 and wait until /health returns 200.

    The server runs the FastAPI app zenml.zen_server.zen_server_api:app under
    uvicorn in the foreground, as `zenml up --blocking` does. Its store is
    store_url, by default the SQLite store default_store_path(config_dir),
    which ZenML creates and fills with the default project, user and stack
    when it is missing. The server's own global config and its log
    (server.log) are in config_dir/oracle_server.
    """
    config_dir = Path(config_dir).resolve()
    if store_url is None:
        store_path = default_store_path(config_dir)
        store_path.parent.mkdir(parents=True, exist_ok=True)
        store_url = sqlite_url(store_path)

    server_config_dir = config_dir / "oracle_server"
    write_global_config(server_config_dir, {"type": "sql", "url": store_url})
    log_path = server_config_dir / "server.log"
    python = oracle_python()

    # Another process can take the free port between the check and uvicorn's
    # bind, so a start that fails on the port is tried again on a new one.
    attempts = 3
    for attempt in range(1, attempts + 1):
        port = _free_port()
        server = _launch_server(python, port, config_dir, server_config_dir, store_url, log_path)
        try:
            _wait_until_healthy(server, timeout)
        except OracleError:
            server.stop()
            if attempt < attempts and "address already in use" in server.log_text().lower():
                continue
            raise
        return server
    raise AssertionError("unreachable")


def _launch_server(
    python: Path,
    port: int,
    config_dir: Path,
    server_config_dir: Path,
    store_url: str,
    log_path: Path,
) -> ServerHandle:
    # The same variables that ZenML's LocalZenServer sets for the daemon that
    # `zenml up` starts.
    env = oracle_env(
        server_config_dir,
        {
            "ZENML_SERVER_DEPLOYMENT_TYPE": "local",
            "ZENML_LOCAL_STORES_PATH": str(config_dir / "local_stores"),
        },
    )
    command = [
        str(python),
        "-m",
        "uvicorn",
        "zenml.zen_server.zen_server_api:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            cwd=server_config_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ServerHandle(process, port, config_dir, server_config_dir, store_url, log_path)
    _running_servers.add(server)
    return server


def _wait_until_healthy(server: ServerHandle, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running:
            raise OracleError(
                f"the ZenML server exited with code {server.process.returncode} before "
                f"answering /health; log {server.log_path}:\n{_tail(server.log_path)}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise OracleError(
        f"the ZenML server at {server.url} did not answer /health within {timeout} s; "
        f"log {server.log_path}:\n{_tail(server.log_path)}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def client_config(server: ServerHandle, config_dir: Path | str | None = None) -> Path:
    """Write a ZenML 0.20.5 global config that is connected to server, as `zenml connect` does.

    Returns the config directory: config_dir, or a new temporary directory
    that the caller removes. The config logs in as the default user.
    """
    if config_dir is None:
        config_dir = Path(tempfile.mkdtemp(prefix="zenml-oracle-client-"))
    config_dir = Path(config_dir)
    write_global_config(
        config_dir,
        {
            "type": "rest",
            "url": server.url,
            "username": server.username,
            "password": server.password,
            "verify_ssl": True,
        },
    )
    return config_dir


def read_store_over_rest(
    server: ServerHandle,
    *,
    stable: bool = True,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> dict:
    """Read the store of a running server over REST with the real ZenML 0.20.5 client.

    Returns the same JSON document as read_store(), with store type "rest".
    """
    with tempfile.TemporaryDirectory(prefix="zenml-oracle-read-") as scratch:
        config_dir = client_config(server, Path(scratch) / "config")
        return _run_read_store(config_dir, stable, False, timeout)


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return _tail_text(path.read_text(encoding="utf-8", errors="replace"), lines)
    except OSError as error:
        return f"(cannot read {path}: {error})"


def _tail_text(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "OracleError",
    "OracleUnavailable",
    "ServerHandle",
    "ZENML_VERSION",
    "client_config",
    "default_store_path",
    "oracle_dir",
    "oracle_env",
    "oracle_python",
    "read_store",
    "read_store_over_rest",
    "real_migrate",
    "run_zenml",
    "sqlite_url",
    "start_server",
    "write_global_config",
]
