"""Build legacy trees for the reliability tests: SQL-store copies of YAML profiles, tree fingerprints, CLI runs.

Run `python tests/fixtures_builders.py` to rebuild
fixtures/hostile/credentials/profiles/creds_sql/zenml.db from the YAML
profile next to it.
"""

import base64
import hashlib
import os
import signal
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "real-0.13.2"
HOSTILE = ROOT / "fixtures" / "hostile"
CREDENTIALS = HOSTILE / "credentials"
# A genuine ZenML 0.13.2 SQL store; its tables (emptied) are the template of every built store.
TEMPLATE_SQL_STORE = FIXTURES / "sql-store" / "profiles" / "team_sql" / "zenml.db"
COMPONENT_DIRECTORIES = {
    "container_registry": "container_registries",
}
# Markers inside every credential value of fixtures/hostile/credentials: none of them may appear in any output.
SECRET_MARKER = "HOSTILE"


def tree_fingerprint(root: Path) -> dict[str, tuple]:
    """Return, per path under `root`, its type, mode, size, mtime and content hash (or link target).

    Access times are left out, because reading a file may change them.
    Compare two fingerprints to prove that nothing under `root` was written,
    created, removed, renamed or re-permissioned.
    """
    found: dict[str, tuple] = {}
    for directory, subdirs, files in os.walk(root, followlinks=False):
        for name in sorted(subdirs + files):
            path = Path(directory) / name
            info = path.lstat()
            relative = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                found[relative] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[relative] = ("file", stat.S_IMODE(info.st_mode), info.st_size, info.st_mtime_ns, digest)
            else:
                found[relative] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_mtime_ns)
    info = root.lstat()
    found["."] = ("root", stat.S_IMODE(info.st_mode), info.st_mtime_ns)
    return found


@pytest.fixture(autouse=True)
def repository_fixtures_unchanged():
    """Fail a test after which any file under fixtures/ differs in content, mode, mtime, type or link target.

    Import it into a test module to make it apply to every test there.
    """
    before = tree_fingerprint(ROOT / "fixtures")
    yield
    assert tree_fingerprint(ROOT / "fixtures") == before, "a test changed the legacy fixtures"


def component_file(profile_dir: Path, component_type: str, name: str) -> Path:
    directory = COMPONENT_DIRECTORIES.get(component_type, f"{component_type}s")
    return profile_dir / directory / f"{name}.yaml"


def build_sql_store(profile_dir: Path, db: Path, *, prefix: str = "") -> None:
    """Write a ZenML 0.13 SQL store (`zenml.db`) holding what the YAML profile at `profile_dir` holds.

    Component configurations are stored as ZenML 0.13 stores them: base64 of
    the same YAML document as the component file. `prefix` is prepended to
    every stack and stack component name except `default`.
    """
    stacks_yaml = yaml.safe_load((profile_dir / "stacks.yaml").read_text(encoding="utf-8"))
    db.parent.mkdir(parents=True, exist_ok=True)
    if db.exists():
        db.unlink()
    shutil.copyfile(TEMPLATE_SQL_STORE, db)
    connection = sqlite3.connect(db)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            connection.execute(f'DELETE FROM "{table}"')

        def renamed(name: str) -> str:
            return name if name == "default" else prefix + name

        ids: dict[tuple[str, str], str] = {}
        for component_type, entries in (stacks_yaml.get("stack_components") or {}).items():
            for name, flavor in (entries or {}).items():
                document = yaml.safe_load(component_file(profile_dir, component_type, name).read_text(encoding="utf-8"))
                document["name"] = renamed(name)
                component_id = uuid.UUID(str(document["uuid"])).hex
                ids[(component_type, name)] = component_id
                blob = base64.b64encode(yaml.safe_dump(document, sort_keys=True).encode("utf-8"))
                connection.execute(
                    "INSERT INTO zenstackcomponent (id, type, name, flavor, configuration) VALUES (?, ?, ?, ?, ?)",
                    (component_id, component_type, renamed(name), flavor, blob),
                )
        for stack_name, members in (stacks_yaml.get("stacks") or {}).items():
            connection.execute(
                "INSERT INTO zenstack (name, created_by, create_time) VALUES (?, 1, '2026-12-04 20:00:51.369146')",
                (renamed(stack_name),),
            )
            for component_type, name in members.items():
                connection.execute(
                    "INSERT INTO zenstackdefinition (stack_name, component_id) VALUES (?, ?)",
                    (renamed(stack_name), ids[(component_type, name)]),
                )
        for flavor in stacks_yaml.get("stack_component_flavors") or []:
            connection.execute(
                "INSERT INTO zenflavor (type, name, source, integration) VALUES (?, ?, ?, ?)",
                (flavor["type"], flavor["name"], flavor["source"], flavor.get("integration")),
            )
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()


def credential_values(root: Path = CREDENTIALS) -> list[str]:
    """Return every distinct `HOSTILE<n>` marker of the credential fixture; each appears in exactly one secret value."""
    import re

    markers: set[str] = set()
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "zenml.db":
                continue
            markers.update(re.findall(rb"HOSTILE\d+", data))
    return sorted(marker.decode() for marker in markers)


# -- store dumps ---------------------------------------------------------------


def sqlite_rows(db: Path) -> dict[str, list[dict]]:
    """Return every row of every table of a SQLite file, as dicts, sorted.

    The file is opened for writing on purpose: a process killed inside a
    transaction leaves a hot journal, which SQLite rolls back when the next
    connection opens the file, as the next zenml-migrate run would.
    """
    if not db.exists():
        return {}
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted((dict(row) for row in connection.execute(f'SELECT * FROM "{name}"')), key=repr) for name in names}
    finally:
        connection.close()


def mysql_rows(database: str) -> dict[str, list[dict]]:
    """Return every row of every table of a MySQL database on the test server, as dicts, sorted."""
    import pymysql

    connection = pymysql.connect(
        host="127.0.0.1", port=3306, user="root", password="", database=database, charset="utf8mb4", cursorclass=pymysql.cursors.DictCursor
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            names = sorted(next(iter(row.values())) for row in cursor.fetchall())
            dump = {}
            for name in names:
                cursor.execute(f"SELECT * FROM `{name}`")
                dump[name] = sorted(cursor.fetchall(), key=repr)
            return dump
    finally:
        connection.close()


def require_mysql() -> None:
    """Skip the calling test without a MySQL server at 127.0.0.1:3306 that accepts root without a password.

    With ZENML_MIGRATE_REQUIRE_MYSQL=1 (CI) the test fails instead.
    """
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=5).close()
    except pymysql.MySQLError as error:
        problem = f"no MySQL server accepts root without a password at 127.0.0.1:3306: {error}"
        if os.environ.get("ZENML_MIGRATE_REQUIRE_MYSQL") == "1":
            pytest.fail(f"{problem} (ZENML_MIGRATE_REQUIRE_MYSQL=1 requires the server)", pytrace=False)
        pytest.skip(problem)


def logical_dump(rows: dict[str, list[dict]]) -> dict[str, object]:
    """Return what a ZenML 0.20 store holds, without the ids and timestamps that differ between runs.

    Projects and users appear by name, stack components and flavors with
    their owners' names and decoded configuration, stacks with the (type,
    name) of each member. Row counts cover every table.
    """
    import json

    def by_id(table: str) -> dict[str, dict]:
        return {row["id"]: row for row in rows.get(table, [])}

    projects, users = by_id("projectschema"), by_id("userschema")
    components, stacks = by_id("stackcomponentschema"), by_id("stackschema")

    def owner(row: dict) -> tuple:
        project = projects.get(row.get("project_id"), {}).get("name")
        user = users.get(row.get("user_id"), {}).get("name")
        return (project, user)

    def configuration(blob: object) -> str:
        raw = blob.encode() if isinstance(blob, str) else bytes(blob)
        return json.dumps(json.loads(base64.b64decode(raw)), sort_keys=True)

    members: dict[str, list[tuple]] = {}
    for link in rows.get("stackcompositionschema", []):
        component = components.get(link["component_id"], {})
        members.setdefault(link["stack_id"], []).append((component.get("type"), component.get("name")))
    return {
        "counts": {table: len(table_rows) for table, table_rows in rows.items()},
        "projects": sorted((row["name"], row["description"]) for row in projects.values()),
        "users": sorted(row["name"] for row in users.values()),
        "flavors": sorted(
            (*owner(row), row["type"], row["name"], row["source"], str(row["integration"]), str(row["config_schema"]))
            for row in rows.get("flavorschema", [])
        ),
        "components": sorted(
            (*owner(row), row["type"], row["name"], row["flavor"], configuration(row["configuration"]), bool(row["is_shared"]))
            for row in components.values()
        ),
        "stacks": sorted(
            (*owner(row), row["name"], bool(row["is_shared"]), tuple(sorted(members.get(row["id"], []))))
            for row in stacks.values()
        ),
    }


@dataclass
class ProcessResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli_process(*args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None) -> ProcessResult:
    """Run `python -m migrator` in a subprocess, with COLUMNS=200; return its exit code and output."""
    environment = {**os.environ, "COLUMNS": "200", **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        cwd=cwd or ROOT,
    )
    return ProcessResult(completed.returncode, completed.stdout, completed.stderr)


# -- the command line in child processes that start fast -------------------------

_FORK_CONTEXT = None


def _fork_context():
    """Return a forkserver context whose server has imported the command line once.

    Each child forks from that server, so it runs the real command line in a
    process of its own without spending a second on imports.
    """
    global _FORK_CONTEXT
    if _FORK_CONTEXT is None:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["migrator.cli", "fixtures_builders"])
        _FORK_CONTEXT = context
    return _FORK_CONTEXT


def _run_cli_child(args: list[str], environment: dict[str, str], output: str) -> None:
    os.environ.update(environment)
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    sys.stdout = sys.stderr = open(descriptor, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives until the child exits
    from migrator.cli import main

    try:
        main(args)
    finally:  # reached unless the process is killed; see run_cli_forked
        Path(f"{output}.exited").write_text("exited\n")


def run_cli_forked(*args: str, env: dict[str, str] | None = None, output: Path, timeout: float = 120) -> ProcessResult:
    """Run the command line in a child process forked from a preloaded server; return its exit code and output.

    A child killed by a signal has a negative exit code (-9 for SIGKILL). The
    child's stdout and stderr both go to `output`.
    """
    context = _fork_context()
    child = context.Process(target=_run_cli_child, args=(list(args), {"COLUMNS": "200", **(env or {})}, str(output)))
    child.start()
    child.join(timeout)
    if child.exitcode is None:
        child.kill()
        child.join()
        raise TimeoutError(f"zenml-migrate {' '.join(args)} did not finish within {timeout} seconds")
    text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
    exit_code = child.exitcode
    # NOTE: Python 3.11's forkserver can lose the status of a killed child and
    # report 255 instead (seen once, at one kill point of a full test run). A
    # child that ran to its end recorded that in OUTPUT.exited, so 255 without
    # that record is the SIGKILL of the kill switch, the only early end here.
    if exit_code == 255 and not Path(f"{output}.exited").exists():
        exit_code = -signal.SIGKILL
    return ProcessResult(exit_code, text, "")


if __name__ == "__main__":
    target = CREDENTIALS / "profiles" / "creds_sql" / "zenml.db"
    build_sql_store(CREDENTIALS / "profiles" / "creds", target, prefix="sql_")
    print(f"wrote {target}")
