"""Hostile legacy trees: each gets a diagnostic or exit status 2 that names the file and the fix, never a traceback.

Every case also checks that the legacy tree is left exactly as it was
(content, modes, mtimes, links and special files), that `profile migrate`
of a broken profile writes nothing, and that nothing outside the profile dir
is read.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from fixtures_builders import repository_fixtures_unchanged, tree_fingerprint  # noqa: F401 - autouse: fixtures/ stays unchanged

from migrator.legacy import read_profiles
from migrator.legacy.yaml_files import MAX_DEPTH, MAX_EXPANDED_CHARACTERS, MAX_FILE_BYTES

PRODUCTION = Path("profiles") / "production"
# A value that only files outside the profile dir contain, so it must never appear in any output.
OUTSIDE_SECRET = "outside-value-that-must-not-be-read"


@pytest.fixture
def hostile(tmp_path: Path):
    """Return a scratch copy of the multi-stack config dir, and check afterwards that no command changed it."""
    root = tmp_path / "legacy"
    shutil.copytree(FIXTURES / "multi-stack", root, symlinks=True)
    fingerprints: list[dict] = []

    def freeze() -> Path:
        fingerprints.append(tree_fingerprint(root))
        return root

    yield root, freeze
    for before in fingerprints:
        assert tree_fingerprint(root) == before, "a command changed the legacy tree"


def listing(run_cli, path: Path) -> dict:
    """Return the JSON listing of `path`; the exit status must be 1 exactly when a problem is an error."""
    result = run_cli("profile", "list", "--path", str(path), "--json")
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)
    severities = [d["severity"] for d in document["diagnostics"]] + [d["severity"] for p in document["profiles"] for d in p["diagnostics"]]
    assert result.exit_code == (1 if "error" in severities else 0), result.output
    return document


def diagnostics_of(listing_json: dict, profile: str | None = "production") -> list[dict]:
    if profile is None:
        return listing_json["diagnostics"]
    return next(p for p in listing_json["profiles"] if p["name"] == profile)["diagnostics"]


def only(diagnostics: list[dict], code: str) -> dict:
    found = [d for d in diagnostics if d["code"] == code]
    assert len(found) == 1, diagnostics
    return found[0]


def assert_migrate_writes_nothing(run_cli, profile_dir: Path, tmp_path: Path) -> str:
    """Dry run and real run of one broken profile: exit status 1, a message, and no store file."""
    db = tmp_path / "target.db"
    outputs = []
    for extra in (["--dry-run"], []):
        result = run_cli("profile", "migrate", str(profile_dir), "--store", f"sqlite:///{db}", *extra)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "Internal error" not in result.output
        outputs.append(result.output)
    assert not db.exists()
    return "\n".join(outputs)


def set_stacks_yaml(root: Path, text: str | bytes) -> Path:
    file = root / PRODUCTION / "stacks.yaml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text)
    return file


def add_component(root: Path, component_type: str, name: str, flavor: str) -> None:
    file = root / PRODUCTION / "stacks.yaml"
    text = file.read_text().replace(f"  {component_type}:\n", f"  {component_type}:\n    {json.dumps(name)}: {flavor}\n", 1)
    file.write_text(text)


# -- YAML bombs and limits -----------------------------------------------------------


def test_billion_laughs_rejected_quickly(run_cli, hostile, tmp_path: Path) -> None:
    root, freeze = hostile
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    set_stacks_yaml(root, "\n".join(lines) + "\nstacks: *a11\n")
    freeze()
    started = time.monotonic()
    diagnostic = only(diagnostics_of(listing(run_cli, root)), "too-many-nodes")
    assert time.monotonic() - started < 10
    assert "stacks.yaml" in diagnostic["message"]
    assert "through aliases" in diagnostic["message"]
    assert "anchors and aliases" in diagnostic["hint"]
    assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)


def test_alias_string_bomb_in_component_file(run_cli, hostile, tmp_path: Path) -> None:
    """A 1 MB string referenced 20,000 times is small on disk but 20 GB once printed or stored."""
    root, freeze = hostile
    file = root / PRODUCTION / "alerters" / "slack_alerts.yaml"
    aliases = ",".join(["*s"] * 20_000)
    file.write_text(f"uuid: e3c1db91-7b5f-4ea7-bedc-513f7fd2d113\nname: slack_alerts\nbig: &s \"{'x' * 1_000_000}\"\nmany: [{aliases}]\n")
    freeze()
    started = time.monotonic()
    diagnostics = diagnostics_of(listing(run_cli, root))
    diagnostic = only(diagnostics, "too-many-nodes")
    assert f"{MAX_EXPANDED_CHARACTERS} characters" in diagnostic["message"]
    assert "slack_alerts.yaml" in diagnostic["location"]["file"]
    assert not [d for d in diagnostics if d["code"] == "orphan-file"]  # the file is listed, and its failure was reported already
    output = assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)
    assert "through aliases" in output
    assert time.monotonic() - started < 30


def test_config_yaml_bomb(run_cli, hostile) -> None:
    root, freeze = hostile
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    (root / "config.yaml").write_text("\n".join(lines) + "\n")
    freeze()
    found = listing(run_cli, root)
    assert only(diagnostics_of(found, None), "too-many-nodes")["location"]["file"].endswith("config.yaml")
    unusable = only(diagnostics_of(found), "config-unusable")
    assert unusable["severity"] == "warning"
    assert "config.yaml" in unusable["message"]


def test_file_too_large(run_cli, hostile, tmp_path: Path) -> None:
    root, freeze = hostile
    file = set_stacks_yaml(root, "stacks: {}\n")
    with file.open("r+b") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 16 MB written to disk
    freeze()
    diagnostic = only(diagnostics_of(listing(run_cli, root)), "file-too-large")
    assert f"{MAX_FILE_BYTES + 1} bytes" in diagnostic["message"]
    assert "stacks.yaml" in diagnostic["message"]
    assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)


def test_nesting_too_deep(run_cli, hostile, tmp_path: Path) -> None:
    root, freeze = hostile
    set_stacks_yaml(root, "stacks: " + "[" * 200 + "]" * 200 + "\n")
    freeze()
    diagnostic = only(diagnostics_of(listing(run_cli, root)), "too-deep")
    assert f"deeper than {MAX_DEPTH} levels" in diagnostic["message"]
    assert "stacks.yaml:1" in diagnostic["message"]
    assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)


# -- duplicates, encodings, names ------------------------------------------------------


def test_duplicate_keys_everywhere(run_cli, hostile) -> None:
    root, freeze = hostile
    stacks = root / PRODUCTION / "stacks.yaml"
    stacks.write_text(stacks.read_text().replace("  aws_dev:\n", "  aws_dev:\n    orchestrator: default\n", 1))
    component = root / PRODUCTION / "alerters" / "slack_alerts.yaml"
    component.write_text(component.read_text() + "slack_token: second\n")
    config = root / "config.yaml"
    config.write_text(config.read_text() + "activated_profile: default\n")
    freeze()
    found = listing(run_cli, root)
    messages = {d["location"]["file"].rsplit("/", 1)[-1]: d["message"] for d in diagnostics_of(found) if d["code"] == "duplicate-key"}
    assert "key 'orchestrator' (in 'stacks' > 'aws_dev') appears more than once" in messages["stacks.yaml"]
    assert "key 'slack_token' appears more than once" in messages["slack_alerts.yaml"]
    assert "slack_alerts.yaml:5" in messages["slack_alerts.yaml"]
    config_duplicate = only(diagnostics_of(found, None), "duplicate-key")
    assert "config.yaml" in config_duplicate["message"]
    assert "'activated_profile'" in config_duplicate["message"]


@pytest.mark.parametrize("target", ["stacks.yaml", "alerters/slack_alerts.yaml", "../../config.yaml"])
def test_non_utf8_names_byte_offset(run_cli, hostile, target: str) -> None:
    root, freeze = hostile
    file = (root / PRODUCTION / target).resolve()
    data = file.read_bytes()
    file.write_bytes(data[:20] + b"\xff\xfe" + data[20:])
    freeze()
    found = listing(run_cli, root)
    diagnostic = only(diagnostics_of(found, None if target.startswith("..") else "production"), "not-utf8")
    assert f"{file} is not valid UTF-8 (invalid byte 0xff at byte offset 20)" == diagnostic["message"]
    assert diagnostic["hint"] == "Save the file as UTF-8."


def test_control_characters_in_names_rejected(run_cli, hostile, tmp_path: Path) -> None:
    root, freeze = hostile
    add_component(root, "alerter", "bell\x07name", "slack")
    add_component(root, "alerter", "esc\x1b[31mred", "slack")
    add_component(root, "alerter", "right\u202eto-left", "slack")
    stacks = root / PRODUCTION / "stacks.yaml"
    stacks.write_text(stacks.read_text().replace("stacks:\n", 'stacks:\n  "tab\\tstack": {orchestrator: default}\n', 1))
    stacks.write_text(
        stacks.read_text().replace(
            "stack_component_flavors: []\n", 'stack_component_flavors:\n- {name: "nul\\0flavor", type: orchestrator, source: a.B}\n', 1
        )
    )
    freeze()
    found = listing(run_cli, root)
    invalid = sorted(d["entity"] for d in diagnostics_of(found) if d["code"] == "invalid-name")
    assert invalid == ["bell\\x07name", "esc\\x1b[31mred", "nul\\x00flavor", "right\\u202eto-left", "tab\\tstack"]
    output = assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)
    for raw in ("\x07", "\x1b", "\u202e", "\x00"):
        assert raw not in output
        assert raw not in json.dumps(found, ensure_ascii=False)


def test_names_never_leave_profile_dir(run_cli, hostile, tmp_path: Path) -> None:
    root, freeze = hostile
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_file = f"uuid: 00000000-0000-4000-8000-000000000000\nname: x\nslack_token: {OUTSIDE_SECRET}\nnote: {OUTSIDE_SECRET}\n"
    (outside / "outside.yaml").write_text(secret_file)
    (outside / "slack_alerts.yaml").write_text(secret_file.replace("name: x", "name: slack_alerts"))
    (outside / "ecr.yaml").write_text(secret_file.replace("name: x", "name: ecr"))
    relative = os.path.relpath(outside / "outside", root / PRODUCTION / "alerters")
    for name in (relative, str(outside / "outside"), f"sub/../{relative}"):
        add_component(root, "alerter", name, "slack")
    # A component file that is a link out, and a whole <type>s/ dir that is a link out.
    (root / PRODUCTION / "alerters" / "linked.yaml").symlink_to(outside / "outside.yaml")
    add_component(root, "alerter", "linked", "slack")
    shutil.rmtree(root / PRODUCTION / "container_registries")
    (root / PRODUCTION / "container_registries").symlink_to(outside)
    freeze()
    found = listing(run_cli, root)
    unsafe = [d for d in diagnostics_of(found) if d["code"] == "unsafe-name"]
    # Three names, one linked file, and ecr, the only registry whose file exists behind the linked dir.
    assert len(unsafe) == 5
    assert all("outside the profile dir" in d["message"] for d in unsafe)
    linked_dir = [d for d in unsafe if "ecr" == d["entity"]]
    assert "symbolic link" in linked_dir[0]["message"]
    output = assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)
    assert OUTSIDE_SECRET not in output + json.dumps(found)


def test_name_too_long_for_file_system(run_cli, hostile) -> None:
    root, freeze = hostile
    add_component(root, "alerter", "a" * 300, "slack")
    freeze()
    diagnostic = only(diagnostics_of(listing(run_cli, root)), "unreadable-file")
    assert "File name too long" in diagnostic["message"]


def test_profile_names_in_config_stay_in_profiles(run_cli, hostile, tmp_path: Path) -> None:
    root, freeze = hostile
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(root / PRODUCTION, elsewhere)
    config = root / "config.yaml"
    entries = {"../../elsewhere": "local", str(elsewhere): "local", "bell\x07": "local", "..": "local", "": "local"}
    text = config.read_text().replace("profiles:\n", "profiles:\n" + "".join(f"  {json.dumps(n)}: {{store_type: {t}}}\n" for n, t in entries.items()), 1)
    config.write_text(text)
    freeze()
    found = listing(run_cli, root)
    rejected = {p["name"]: p["diagnostics"][0] for p in found["profiles"] if p["diagnostics"] and p["counts"]["stacks"] == 0}
    assert set(rejected) == {"../../elsewhere", str(elsewhere), "bell\\x07", "..", ""}
    assert rejected["../../elsewhere"]["code"] == "unsafe-name"
    assert rejected["bell\\x07"]["code"] == "invalid-name"
    assert all("config.yaml" in d["message"] for d in rejected.values())
    assert all(p["path"].startswith(str(root)) for p in found["profiles"])


# -- files that are not regular files ----------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["directory", "fifo", "broken-link", "link-loop"])
def test_stacks_yaml_not_a_file(run_cli, hostile, tmp_path: Path, kind: str) -> None:
    root, freeze = hostile
    file = root / PRODUCTION / "stacks.yaml"
    file.unlink()
    if kind == "directory":
        file.mkdir()
    elif kind == "fifo":
        os.mkfifo(file)
    elif kind == "broken-link":
        file.symlink_to(root / "nowhere.yaml")
    else:
        file.symlink_to(file)
    freeze()
    started = time.monotonic()
    for path in (root, root / PRODUCTION):  # as part of a config dir and given directly
        diagnostics = diagnostics_of(listing(run_cli, path))
        assert len(diagnostics) == 1, diagnostics
        (diagnostic,) = diagnostics
        assert str(file) in diagnostic["message"]
        expected = {
            "directory": ("not-a-file", "is a directory, not a regular file"),
            "fifo": ("not-a-file", "is a FIFO (named pipe), not a regular file"),
            "broken-link": ("missing-file", "is a symbolic link to"),
            "link-loop": ("unreadable-file", "cannot be read"),
        }[kind]
        assert diagnostic["code"] == expected[0]
        assert expected[1] in diagnostic["message"]
    assert_migrate_writes_nothing(run_cli, root / PRODUCTION, tmp_path)
    assert time.monotonic() - started < 20


@pytest.mark.timeout(30)
def test_component_file_fifo(run_cli, hostile) -> None:
    root, freeze = hostile
    file = root / PRODUCTION / "alerters" / "slack_alerts.yaml"
    file.unlink()
    os.mkfifo(file)
    freeze()
    diagnostic = only(diagnostics_of(listing(run_cli, root)), "not-a-file")
    assert f"{file} is a FIFO (named pipe), not a regular file" == diagnostic["message"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["list", "directory", "fifo"])
def test_config_yaml_unusable(run_cli, hostile, kind: str) -> None:
    root, freeze = hostile
    config = root / "config.yaml"
    config.unlink()
    if kind == "list":
        config.write_text("- a\n- b\n")
    elif kind == "directory":
        config.mkdir()
    else:
        os.mkfifo(config)
    freeze()
    found = listing(run_cli, root)
    (problem,) = diagnostics_of(found, None)
    assert problem["location"]["file"] == str(config)
    assert {"list": "contains a list, not a mapping", "directory": "is a directory", "fifo": "is a FIFO"}[kind] in problem["message"]
    assert sorted(p["name"] for p in found["profiles"]) == ["default", "production"]  # still read from profiles/
    assert only(diagnostics_of(found), "config-unusable")["hint"].startswith(f"Fix {config}")


@pytest.mark.parametrize("kind", ["loop", "file"])
def test_profiles_dir_unusable(run_cli, hostile, kind: str) -> None:
    root, freeze = hostile
    shutil.rmtree(root / "profiles")
    if kind == "loop":
        (root / "profiles").symlink_to("profiles")
    else:
        (root / "profiles").write_text("not a dir\n")
    freeze()
    found = listing(run_cli, root)
    problem = only(diagnostics_of(found, None), "unreadable-profiles-dir")
    assert {"loop": "is a loop of symbolic links", "file": "is a regular file, not a directory"}[kind] in problem["message"]
    for profile in found["profiles"]:
        assert profile["diagnostics"][0]["code"] == "missing-profile-dir"
        assert "profiles" in profile["diagnostics"][0]["message"]


def test_path_argument_is_link_loop(run_cli, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for args in (("profile", "list", "--path", str(loop)), ("profile", "migrate", str(loop), "--store", f"sqlite:///{tmp_path}/x.db")):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert "is a loop of symbolic links" in result.stderr
        assert "Traceback" not in result.output


def test_unreadable_file(hostile, tmp_path: Path) -> None:
    """A file without read permission. Root reads any file, so as root a forked child drops to the user nobody (uid 65534) first."""
    root, _ = hostile
    shared = Path(tempfile.mkdtemp(prefix="zenml-migrate-permissions-"))  # pytest's tmp_path is private to root
    try:
        shared.chmod(0o755)
        tree = shared / "legacy"
        shutil.copytree(root, tree, symlinks=True)
        for path in [tree, *tree.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        target = tree / PRODUCTION / "alerters" / "slack_alerts.yaml"
        target.chmod(0o000)
        found = json.loads(listing_as_other_user(tree))
        diagnostic = only(diagnostics_of(found), "unreadable-file")
        assert diagnostic["message"] == f"{target} cannot be read: Permission denied"
        assert "chmod u+r" in diagnostic["hint"]
    finally:
        shutil.rmtree(shared)


def listing_as_other_user(tree: Path) -> str:
    """Return the JSON listing of `tree`, read by a forked child that runs as user nobody when this process is root."""
    from migrator.report import profile_listing_json

    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            payload = json.dumps(profile_listing_json(read_profiles(tree))).encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return payload.decode()


# -- SQL-store profiles ------------------------------------------------------------------


def sql_profile_copy(tmp_path: Path) -> Path:
    root = tmp_path / "sql-store"
    shutil.copytree(FIXTURES / "sql-store", root)
    return root


def test_sqlite_wal_mode_read_without_writing(run_cli, tmp_path: Path) -> None:
    root = sql_profile_copy(tmp_path)
    db = root / "profiles" / "team_sql" / "zenml.db"
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    connection.close()
    before = tree_fingerprint(root)
    found = listing(run_cli, root)
    team = next(p for p in found["profiles"] if p["name"] == "team_sql")
    assert team["counts"] == {"stacks": 4, "stack_components": 10, "flavors": 1}
    assert team["diagnostics"] == []
    assert tree_fingerprint(root) == before  # no zenml.db-wal or zenml.db-shm next to it


def test_sqlite_hot_journal_read_as_committed(run_cli, tmp_path: Path) -> None:
    """A writer killed mid-transaction leaves zenml.db-journal; the committed state is read, and nothing next to it changes."""
    root = sql_profile_copy(tmp_path)
    db = root / "profiles" / "team_sql" / "zenml.db"
    writer = (
        "import os, signal, sqlite3, sys\n"
        "connection = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "connection.execute('PRAGMA cache_size=1')\n"
        "connection.execute('BEGIN IMMEDIATE')\n"
        "connection.execute('DELETE FROM zenstackdefinition')\n"
        "connection.execute('DELETE FROM zenstack')\n"
        "for i in range(3000): connection.execute(\"INSERT INTO zenflavor (type, name, source) VALUES ('orchestrator', ?, 'x')\", (str(i),))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", writer, str(db)], check=False, timeout=60)
    assert (db.parent / "zenml.db-journal").exists()
    before = tree_fingerprint(root)
    found = listing(run_cli, root)
    team = next(p for p in found["profiles"] if p["name"] == "team_sql")
    assert team["counts"] == {"stacks": 4, "stack_components": 10, "flavors": 1}
    assert tree_fingerprint(root) == before


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["fifo", "not-a-database", "empty"])
def test_sqlite_store_file_broken(run_cli, tmp_path: Path, kind: str) -> None:
    root = sql_profile_copy(tmp_path)
    db = root / "profiles" / "team_sql" / "zenml.db"
    db.unlink()
    if kind == "fifo":
        os.mkfifo(db)
    elif kind == "not-a-database":
        db.write_text("stacks: {}\n")
    else:
        db.write_bytes(b"")
    before = tree_fingerprint(root)
    found = listing(run_cli, root)
    (diagnostic,) = next(p for p in found["profiles"] if p["name"] == "team_sql")["diagnostics"]
    assert diagnostic["code"] == {"fifo": "not-a-file", "not-a-database": "not-a-database", "empty": "not-a-database"}[kind]
    assert str(db) in diagnostic["message"]
    assert tree_fingerprint(root) == before


def test_read_profiles_of_every_hostile_case_is_fast(hostile) -> None:
    """The library entry point on a tree with many problems at once returns diagnostics, never raises."""
    root, freeze = hostile
    add_component(root, "alerter", "../escape", "slack")
    add_component(root, "alerter", "ctl\x01", "slack")
    (root / PRODUCTION / "orchestrators" / "kubeflow_eks.yaml").write_bytes(b"\xff")
    (root / PRODUCTION / "artifact_stores" / "s3_minio.yaml").write_text("- a list\n")
    freeze()
    started = time.monotonic()
    found = read_profiles(root)
    assert time.monotonic() - started < 5
    codes = {d.code for p in found.profiles for d in p.diagnostics}
    assert {"unsafe-name", "invalid-name", "not-utf8", "wrong-type", "dangling-reference"} <= codes


# -- secrets -----------------------------------------------------------------------------


def secret_markers(text: str) -> set[str]:
    import re

    return set(re.findall(r"HOSTILE\d+", text))


def test_credentials_never_printed(run_cli, tmp_path: Path) -> None:
    """Every command, output format and report on fixtures/hostile/credentials, at debug log level: no secret value appears.

    Each credential value of the fixture contains a marker HOSTILE<n>. The
    outputs are searched for the markers, so a value is found however it was
    quoted or escaped.
    """
    from fixtures_builders import CREDENTIALS, credential_values

    markers = credential_values()
    assert len(markers) >= 25
    source = tmp_path / "credentials"
    shutil.copytree(CREDENTIALS, source)
    before = tree_fingerprint(source)
    # An earlier migration of other secret values, so that --overwrite prints changes of secret fields.
    older = tmp_path / "older"
    shutil.copytree(CREDENTIALS, older)
    for file in older.rglob("*.yaml"):
        file.write_text(file.read_text().replace("HOSTILE", "HOSTILE9"))
    db = tmp_path / "zenml.db"
    outputs: list[str] = []

    def run(*args: str, allowed: tuple[int, ...] = (0, 1)) -> None:
        result = run_cli("-vv", *args)
        assert result.exit_code in allowed, result.output
        assert "Traceback" not in result.output, result.output
        assert "Internal error" not in result.output, result.output
        outputs.append(result.output)

    run("profile", "list", "--path", str(source))
    run("profile", "list", "--path", str(source), "--json")
    run("profile", "migrate", str(older), "--all", "--ignore-errors", "--skip-validation", "--store", f"sqlite:///{db}")
    for extra in ([], ["--json"], ["--dry-run"], ["--dry-run", "--json"], ["--overwrite"], ["--overwrite", "--json"], ["--skip-validation"]):
        report = tmp_path / f"report-{len(outputs)}.json"
        run("profile", "migrate", str(source), "--all", "--ignore-errors", "--store", f"sqlite:///{db}", "--report", str(report), *extra)
        outputs.append(report.read_text())
    run("profile", "migrate", str(source / "profiles" / "creds"), "--store", f"sqlite:///{tmp_path / 'plain.db'}")
    run("profile", "migrate", str(source / "profiles" / "creds_sql"), "--store", f"sqlite:///{tmp_path / 'plain.db'}", "--json")
    # Target URLs with passwords, which fail: the messages show the URL without its password.
    run("profile", "migrate", str(source), "--all", "--store", "mysql://root:HOSTILE40-target-pw@127.0.0.1:1/zenml", allowed=(2,))
    run("profile", "migrate", str(source), "--all", "--store", "mysql://nobody:HOSTILE41-target-pw@127.0.0.1:3306/zenml", allowed=(2,))
    manifest = tmp_path / "fleet.yaml"
    manifest.write_text(f"target: sqlite:///{tmp_path / 'fleet.db'}\ndefaults:\n  ignore_errors: true\nsources:\n  - path: {source}\n")
    for command in ("plan", "apply"):
        reports = [tmp_path / f"fleet-{command}.md", tmp_path / f"fleet-{command}.json"]
        run("fleet", command, str(manifest), "--report", str(reports[0]), "--report", str(reports[1]))
        outputs.extend(report.read_text() for report in reports)
        run("fleet", command, str(manifest), "--json")
    outputs.extend(path.read_text(errors="replace") for path in tmp_path.glob("fleet.yaml*") if path.is_file())

    text = "\n".join(outputs)
    assert "********" in text
    assert secret_markers(text) == set()
    assert tree_fingerprint(source) == before
    # The store itself contains the values, because only the output is masked.
    assert {"HOSTILE01", "HOSTILE02", "HOSTILE23"} <= secret_markers(stored_configurations(db))


def stored_configurations(db: Path) -> str:
    """Return the decoded stack component configurations of a ZenML 0.20 SQLite store, joined."""
    import base64

    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT configuration FROM stackcomponentschema").fetchall()
        return "\n".join(base64.b64decode(row[0]).decode() for row in rows)
    finally:
        connection.close()


def test_escape_sequences_never_reach_the_terminal(run_cli, legacy_copy) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    stacks = root / "stacks.yaml"
    stacks.write_text(stacks.read_text().replace("alerter: slack_alerts", 'alerter: "slack\\e[2J\\e]0;PWNED\\aalerts"', 1))
    result = run_cli("profile", "migrate", str(root), "--store", f"sqlite:///{root.parent.parent / 'out.db'}", "--dry-run")
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "\\x1b" in result.output


def test_control_characters_in_prefix_rejected(run_cli, tmp_path: Path) -> None:
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", f"sqlite:///{tmp_path / 'z.db'}", "--prefix", "a\n\x1b[31m_")
    assert result.exit_code == 2
    assert "contains control characters" in result.stderr
    assert "\x1b" not in result.output
    assert not (tmp_path / "z.db").exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_store_rejected(run_cli, url: str) -> None:
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", url)
    assert result.exit_code == 2
    assert "in-memory SQLite database" in result.stderr


def test_store_path_that_is_not_a_database(run_cli, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("not a database\n")
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", f"sqlite:///{other}")
    assert result.exit_code == 2
    assert "is not a SQLite database" in result.stderr
    assert other.read_text() == "not a database\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no lock file next to it


def test_unreadable_component_directory_gets_chmod_advice(monkeypatch, legacy_copy) -> None:
    """Root reads any directory, so the permission error is simulated where the reader checks the file."""
    import errno
    import os as os_module

    root = legacy_copy("multi-stack") / "profiles" / "production"
    real_lstat, real_stat = os_module.lstat, os_module.stat

    def refuse(path) -> None:  # type: ignore[no-untyped-def]
        if "/alerters/" in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def lstat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        refuse(path)
        return real_lstat(path, *args, **kwargs)

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("follow_symlinks") is False:
            refuse(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os_module, "lstat", lstat)
    monkeypatch.setattr(os_module, "stat", stat)
    (profile,) = read_profiles(root).profiles
    (diagnostic,) = [d for d in profile.diagnostics if d.code == "unreadable-file"]
    assert "Permission denied" in diagnostic.message
    assert "chmod u+rx" in diagnostic.hint


def test_stacks_file_linked_outside_is_not_read(run_cli, legacy_copy, tmp_path: Path) -> None:
    root = legacy_copy("multi-stack") / "profiles" / "production"
    outside = tmp_path / "elsewhere.yaml"
    outside.write_bytes((root / "stacks.yaml").read_bytes())
    (root / "stacks.yaml").unlink()
    (root / "stacks.yaml").symlink_to(outside)
    (profile,) = read_profiles(root).profiles
    assert [d.code for d in profile.diagnostics if d.severity.value == "error"] == ["unsafe-name"]
    assert profile.stacks == []
    assert profile.components == []
