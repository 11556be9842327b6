"""Fleet upgrades: manifests, cross-source conflicts, resume after a kill, hostile archives."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, dump_tables
from fleet_helpers import build_fleet

from migrator.fleet.archives import ArchiveError, extract_archive

ROOT = Path(__file__).resolve().parents[1]
REPORT_SCHEMA = json.loads((ROOT / "schema" / "fleet-report.schema.json").read_text())
MANIFEST_SCHEMA = json.loads((ROOT / "schema" / "fleet-manifest.schema.json").read_text())


def write_manifest(path: Path, target: str, sources: list[str], defaults: str = "") -> Path:
    lines = [f"target: {target}", "defaults:", *(f"  {line}" for line in defaults.splitlines() if line), "sources:"]
    lines += [f"  - path: {json.dumps(source)}" for source in sources]
    if not defaults:
        lines.remove("defaults:")
    path.write_text("\n".join(lines) + "\n")
    return path


def stack_names(db: Path) -> list[tuple[str, str]]:
    connection = sqlite3.connect(db)
    return sorted(connection.execute("SELECT p.name, s.name FROM stackschema s JOIN projectschema p ON s.project_id = p.id").fetchall())


def test_cross_source_conflict_found_at_plan_time(run_cli, tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    manifest = write_manifest(
        tmp_path / "fleet.yaml", f"sqlite:///{db}", [str(FIXTURES / "multi-stack"), str(FIXTURES / "multi-stack")]
    )
    result = run_cli("fleet", "plan", str(manifest), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    first, second = report["sources"]
    assert first["summary"]["errors"] == 0
    assert second["summary"]["errors"] > 0
    reasons = [a["reason"] for p in second["profiles"] for a in p["actions"] if a["operation"] == "error"]
    assert any(str(FIXTURES / "multi-stack") in reason and "also migrates stack 'aws_prod'" in reason for reason in reasons)
    assert not db.exists()


def test_failed_apply_is_reported_per_profile(run_cli, tmp_path: Path, monkeypatch) -> None:
    """A profile whose apply raises is reported as failed; the fleet goes on with the next source."""
    from migrator.errors import ApplyError
    from migrator.stores.sql import SqlStore

    original_apply = SqlStore.apply

    def apply_failing_for_custom(store, plan, expected):  # type: ignore[no-untyped-def]
        if plan.profile == "custom":
            raise ApplyError("injected: the store rejected the write")
        return original_apply(store, plan, expected)

    monkeypatch.setattr(SqlStore, "apply", apply_failing_for_custom)
    db = tmp_path / "zenml.db"
    manifest = write_manifest(
        tmp_path / "fleet.yaml", f"sqlite:///{db}", [str(FIXTURES / "custom-flavor"), str(FIXTURES / "multi-stack")], defaults='prefix: "{host}_"'
    )
    result = run_cli("fleet", "apply", str(manifest), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    failed, applied = report["sources"]
    assert failed["status"] == "failed"
    assert [p["status"] for p in failed["profiles"]] == ["failed"]
    assert "injected: the store rejected the write" in failed["profiles"][0]["message"]
    assert applied["status"] == "applied"


def test_templated_prefix_and_project(run_cli, tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    for host in ("alpha", "beta"):
        (tmp_path / host).symlink_to(FIXTURES / "custom-flavor")
    manifest = write_manifest(
        tmp_path / "fleet.yaml",
        f"sqlite:///{db}",
        ["alpha", "beta"],
        defaults='prefix: "{host}_"\nproject: "team-{host}"',
    )
    result = run_cli("fleet", "apply", str(manifest))
    assert result.exit_code == 0, result.output
    names = stack_names(db)
    assert ("team-alpha", "alpha_inhouse_stack") in names
    assert ("team-beta", "beta_inhouse_stack") in names
    flavors = sorted(r[0] for r in sqlite3.connect(db).execute("SELECT name FROM flavorschema"))
    assert flavors == ["alpha_my_orchestrator", "alpha_my_tracker", "beta_my_orchestrator", "beta_my_tracker"]


def test_bad_manifest_exit_2(run_cli, tmp_path: Path) -> None:
    manifest = tmp_path / "fleet.yaml"
    manifest.write_text("target: sqlite:////tmp/x.db\nsources:\n  - path: a\n    prefx: typo\n")
    result = run_cli("fleet", "plan", str(manifest))
    assert result.exit_code == 2
    assert "prefx" in result.stderr
    manifest.write_text("sources:\n  - path: a\n    prefix: '{hostname}_'\n")
    result = run_cli("fleet", "plan", str(manifest))
    assert result.exit_code == 2
    assert "{hostname}" in result.stderr


def test_init_lists_sources_and_keeps_comments(run_cli, tmp_path: Path) -> None:
    build_fleet(tmp_path / "collected", 4)
    result = run_cli("fleet", "init", str(tmp_path / "collected"), "--target", f"sqlite:///{tmp_path}/z.db")
    assert result.exit_code == 0, result.output
    manifest = tmp_path / "collected" / "fleet.yaml"
    text = manifest.read_text()
    assert text.count("- path:") == 4
    edited = text.replace("defaults:", "# reviewed by ops\ndefaults:")
    manifest.write_text(edited)
    (late,) = build_fleet(tmp_path / "more", 1)
    late.rename(tmp_path / "collected" / "late-host")
    assert run_cli("fleet", "init", str(tmp_path / "collected")).exit_code == 0
    again = manifest.read_text()
    assert again.startswith(edited.rstrip("\n"))
    assert "late-host" in again
    import yaml

    jsonschema.validate(yaml.safe_load(again), MANIFEST_SCHEMA)


def test_fleet_of_200_sources(run_cli, tmp_path: Path) -> None:
    sources = build_fleet(tmp_path / "collected", 200)
    db = tmp_path / "zenml.db"
    manifest = write_manifest(
        tmp_path / "fleet.yaml", f"sqlite:///{db}", [str(p) for p in sources], defaults='prefix: "{host}_"'
    )
    planned = run_cli("fleet", "plan", str(manifest), "--report", str(tmp_path / "plan.json"), "--report", str(tmp_path / "plan.md"))
    assert not db.exists()
    plan = json.loads((tmp_path / "plan.json").read_text())
    jsonschema.validate(plan, REPORT_SCHEMA)
    assert len(plan["sources"]) == 200
    assert "| source | host |" in (tmp_path / "plan.md").read_text()
    applied = run_cli("fleet", "apply", str(manifest), "--json")
    assert applied.exit_code == planned.exit_code
    report = json.loads(applied.stdout)
    written = sum(p["summary"]["create"] for s in report["sources"] for p in s["profiles"] if p["status"] == "applied")
    assert report["summary"]["create"] == written
    assert written <= plan["summary"]["create"]
    created_stacks = sum(
        1
        for source in report["sources"]
        for profile in source["profiles"]
        if profile["status"] == "applied"
        for action in profile["actions"]
        if action["kind"] == "stack" and action["operation"] == "create" and action["legacy_name"]
    )
    migrated = [name for _, name in stack_names(db) if name != "default"]
    assert len(migrated) == created_stacks
    assert len(set(migrated)) == len(migrated)
    again = json.loads(run_cli("fleet", "apply", str(manifest), "--json").stdout)
    statuses = {profile["status"] for source in again["sources"] for profile in source["profiles"]}
    assert "applied" not in statuses
    assert dump_tables(db) == dump_tables(db)


def test_apply_resumes_after_kill(tmp_path: Path) -> None:
    sources = build_fleet(tmp_path / "collected", 12, cases=("multi-stack", "custom-flavor"))
    db = tmp_path / "zenml.db"
    manifest = write_manifest(tmp_path / "fleet.yaml", f"sqlite:///{db}", [str(p) for p in sources], defaults='prefix: "{host}_"')
    command = [sys.executable, "-m", "migrator", "fleet", "apply", str(manifest)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = Path(str(manifest) + ".journal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 3):
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = len(journal.read_text().splitlines())
    assert 3 <= finished
    completed = subprocess.run([*command, "--json"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    names = [name for _, name in stack_names(db) if name != "default"]
    assert len(names) == len(set(names))
    expected = sum(1 if "custom-flavor" in str(p) else 8 for p in sources)
    assert len(names) == expected
    finished_sources = set()
    for line in journal.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut off by the kill
        assert entry["status"] in ("applied", "nothing-to-do")
        finished_sources.add(entry["source"])
    assert finished_sources == {str(p) for p in sources}
    assert report["exit_code"] == 0


def hostile_tar(path: Path, name: str, *, kind: bytes = tarfile.REGTYPE, linkname: str = "", size: int = 4) -> Path:
    with tarfile.open(path, "w:gz") as bundle:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        info.size = size if kind == tarfile.REGTYPE else 0
        bundle.addfile(info, BytesIO(b"x" * info.size) if kind == tarfile.REGTYPE else None)
    return path


@pytest.mark.parametrize(
    "name,kind,linkname,message",
    [
        ("../../x", tarfile.REGTYPE, "", "outside the extraction dir"),
        ("/etc/evil", tarfile.REGTYPE, "", "absolute path"),
        ("etc", tarfile.SYMTYPE, "/etc", "is a link"),
        ("dev", tarfile.CHRTYPE, "", "device or special file"),
    ],
)
def test_hostile_tar_rejected(tmp_path: Path, name: str, kind: bytes, linkname: str, message: str) -> None:
    archive = hostile_tar(tmp_path / "evil.tar.gz", name, kind=kind, linkname=linkname)
    with pytest.raises(ArchiveError, match=message) as caught:
        extract_archive(archive, tmp_path / "out")
    assert name in str(caught.value)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path.parent / "x").exists()


def test_huge_member_rejected(tmp_path: Path, monkeypatch) -> None:
    from migrator.fleet import archives

    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 1000)
    archive = hostile_tar(tmp_path / "big.tar.gz", "profiles/big.yaml", size=5000)
    with pytest.raises(ArchiveError, match="profiles/big.yaml"):
        extract_archive(archive, tmp_path / "out")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("config.yaml", b"0" * 5000)
    with pytest.raises(ArchiveError, match="config.yaml"):
        extract_archive(bomb, tmp_path / "out2")


def test_zip_with_parent_path_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../escape.yaml", "x")
    with pytest.raises(ArchiveError, match=r"\.\./\.\./escape.yaml"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path.parent / "escape.yaml").exists()


def test_hostile_archive_source_fails_alone(run_cli, tmp_path: Path) -> None:
    db = tmp_path / "zenml.db"
    evil = hostile_tar(tmp_path / "evil.tar.gz", "../../x")
    manifest = write_manifest(tmp_path / "fleet.yaml", f"sqlite:///{db}", [str(evil), str(FIXTURES / "multi-stack")])
    result = run_cli("fleet", "apply", str(manifest), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["sources"][0]["status"] == "failed"
    assert "../../x" in report["sources"][0]["message"]
    assert report["sources"][1]["status"] == "applied"
    before = dump_tables(db)
    assert run_cli("fleet", "apply", str(manifest), "--fail-fast").exit_code == 1
    assert dump_tables(db) == before


# Over REST every stack component costs one request, and each apply re-reads the project's lists, so
# the 200-source fleet took 13 min 39 s against ZenML 0.20.5 on a 2-core machine (other tests running).
# CI runs a smaller fleet; ZENML_MIGRATE_REST_FLEET_SIZE=200 runs the full one.
REST_FLEET_SIZE = int(os.environ.get("ZENML_MIGRATE_REST_FLEET_SIZE", "25"))


@contextmanager
def fleet_on_server(tmp_path: Path, monkeypatch, sources: list[Path], defaults: str):  # type: ignore[no-untyped-def]
    """Start a real ZenML 0.20.5 server, put its credentials in the environment, and write a manifest that targets it."""
    from oracle.harness import start_server

    with start_server(tmp_path / "server") as server:
        monkeypatch.setenv("ZENML_STORE_USERNAME", server.username)
        monkeypatch.setenv("ZENML_STORE_PASSWORD", server.password)
        yield server, write_manifest(tmp_path / "fleet.yaml", server.url, [str(p) for p in sources], defaults=defaults)


@pytest.mark.oracle
@pytest.mark.timeout(3600)
def test_fleet_into_zenml_server(oracle_python_path, run_cli, tmp_path: Path, monkeypatch) -> None:
    from oracle.harness import read_store_over_rest

    sources = build_fleet(tmp_path / "collected", REST_FLEET_SIZE)
    with fleet_on_server(tmp_path, monkeypatch, sources, defaults='prefix: "{host}_"') as (server, manifest):
        applied = run_cli("fleet", "apply", str(manifest), "--json")
        report = json.loads(applied.stdout)
        jsonschema.validate(report, REPORT_SCHEMA)
        created_stacks = {
            action["name"]
            for source in report["sources"]
            for profile in source["profiles"]
            if profile["status"] == "applied"
            for action in profile["actions"]
            if action["kind"] == "stack" and action["operation"] == "create" and action["legacy_name"]
        }
        assert len(created_stacks) > 10 * REST_FLEET_SIZE
        stored = read_store_over_rest(server)
        names = [stack["name"] for stack in stored["stacks"] if stack["name"] != "default"]
        assert len(names) == len(set(names))
        assert set(names) == created_stacks


def test_large_fleet_summary_lists_only_problems() -> None:
    from rich.console import Console

    from migrator.fleet.runner import SourceResult
    from migrator.report.fleet import print_fleet_summary
    from migrator.report.text import MAX_TABLE_ROWS

    results = [SourceResult(index=i, path=f"/collected/host-{i:04d}", host=f"host-{i:04d}", status="planned") for i in range(MAX_TABLE_ROWS + 50)]
    results[7] = SourceResult(index=7, path="/collected/host-0007", host="host-0007", status="failed", message="unreadable source")
    console = Console(record=True, width=100)
    print_fleet_summary(console, results, title="Plan", applied=False)
    text = console.export_text()
    assert f"{MAX_TABLE_ROWS + 50} sources in all; the table lists the 1 that failed" in text
    assert "/collected/host-0007" in text
    assert "/collected/host-0008" not in text
    assert "1 failed" in text


def test_report_protects_store_and_sources(run_cli, tmp_path: Path, legacy_copy) -> None:
    db = tmp_path / "zenml.db"
    source = legacy_copy("custom-flavor")
    manifest = write_manifest(tmp_path / "fleet.yaml", f"sqlite:///{db}", [str(source)])
    migrated = run_cli("fleet", "apply", str(manifest))
    assert migrated.exit_code == 0, migrated.output
    store_before = db.read_bytes()
    manifest_before = manifest.read_text()
    for report, problem in (
        (db, "would overwrite the target store"),
        (manifest, "would overwrite the manifest or its journal"),
        (source / "config.yaml", "is inside the source"),
        (source / "new-report.json", "is inside the source"),
    ):
        result = run_cli("fleet", "plan", str(manifest), "--report", str(report))
        assert result.exit_code == 2, (report, result.output)
        assert problem in result.stderr
        assert "Traceback" not in result.output
    assert db.read_bytes() == store_before
    assert manifest.read_text() == manifest_before
    assert not (source / "new-report.json").exists()


def test_archive_problems_name_the_archive(run_cli, tmp_path: Path, legacy_copy) -> None:
    """Diagnostics of an archived source name ARCHIVE!/MEMBER, never the scratch dir that is removed after the run."""
    root = legacy_copy("multi-stack")
    (root / "profiles" / "production" / "artifact_stores" / "s3_artifacts.yaml").write_text("name: [unclosed\n")
    archive = tmp_path / "host-a.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(root, arcname="host-a")
    manifest = write_manifest(tmp_path / "fleet.yaml", f"sqlite:///{tmp_path / 'zenml.db'}", [str(archive)])
    result = run_cli("fleet", "plan", str(manifest), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    messages = [d["message"] for s in report["sources"] for p in s["profiles"] for d in p["diagnostics"]]
    assert any(f"{archive}!/host-a/profiles/production/artifact_stores/s3_artifacts.yaml" in m for m in messages), messages
    assert "zenml-migrate-fleet-" not in result.stdout


@pytest.mark.oracle
def test_fleet_into_server_projects_per_host(oracle_python_path, run_cli, tmp_path: Path, monkeypatch) -> None:
    """Each source goes into a project named after its host, on one ZenML server, and a second run writes nothing."""
    from oracle.harness import read_store_over_rest

    # Without odd-names, whose 134-character component name is an error by design.
    sources = build_fleet(tmp_path / "collected", 4, cases=("multi-stack", "custom-flavor", "multi-profile"))
    with fleet_on_server(tmp_path, monkeypatch, sources, defaults='project: "{host}"') as (server, manifest):
        applied = run_cli("fleet", "apply", str(manifest), "--json")
        report = json.loads(applied.stdout)
        jsonschema.validate(report, REPORT_SCHEMA)
        assert [s["status"] for s in report["sources"]] == ["applied"] * 4, applied.output
        hosts = {source["host"] for source in report["sources"]}
        stored = read_store_over_rest(server)
        for host in hosts:
            planned = {
                action["name"]
                for source in report["sources"]
                if source["host"] == host
                for profile in source["profiles"]
                for action in profile["actions"]
                if action["kind"] == "stack" and action["operation"] == "create"
            }
            assert planned
            assert planned <= {stack["name"] for stack in stored["stacks"] if stack["project"] == host}

        (tmp_path / "fleet.yaml.journal").unlink()
        again = json.loads(run_cli("fleet", "apply", str(manifest), "--json").stdout)
        operations = {a["operation"] for s in again["sources"] for p in s["profiles"] for a in p["actions"]}
        assert operations <= {"unchanged"}


def test_zip_without_file_type_bits_is_read(run_cli, tmp_path: Path) -> None:
    """Zip writers such as zipfile.writestr store 0o600 without a file type; those members are plain files."""
    source = FIXTURES / "custom-flavor"
    archive = tmp_path / "host-z.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"host-z/{path.relative_to(source).as_posix()}")
            info.external_attr = 0o600 << 16
            bundle.writestr(info, path.read_bytes())
    manifest = write_manifest(tmp_path / "fleet.yaml", f"sqlite:///{tmp_path / 'zenml.db'}", [str(archive)])
    result = run_cli("fleet", "plan", str(manifest), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"][0]["status"] == "planned"


@pytest.mark.parametrize("template", ["{host:>300000000}_", "{host!r}_", "{host:x}"])
def test_template_format_spec_rejected(run_cli, tmp_path: Path, template: str) -> None:
    manifest = write_manifest(
        tmp_path / "fleet.yaml", f"sqlite:///{tmp_path / 'zenml.db'}", [str(FIXTURES / "multi-stack")], defaults=f"prefix: {json.dumps(template)}"
    )
    result = run_cli("fleet", "plan", str(manifest))
    assert result.exit_code == 2
    assert "has a conversion or format spec" in result.stderr


def test_missing_profile_name_fails_the_source(run_cli, tmp_path: Path) -> None:
    manifest = tmp_path / "fleet.yaml"
    manifest.write_text(
        f"target: sqlite:///{tmp_path / 'zenml.db'}\nsources:\n  - path: {FIXTURES / 'multi-stack'}\n    profiles: [nope]\n"
    )
    result = run_cli("fleet", "plan", str(manifest), "--json")
    assert result.exit_code == 1
    (source,) = json.loads(result.stdout)["sources"]
    assert source["status"] == "failed"
    assert "profiles not found in the source: nope (it has: default, production)" in source["message"]


def test_directory_report_path_rejected(run_cli, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "fleet.yaml", f"sqlite:///{tmp_path / 'zenml.db'}", [str(FIXTURES / "multi-stack")])
    result = run_cli("fleet", "apply", str(manifest), "--report", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    assert not (tmp_path / "zenml.db").exists()
    single = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", f"sqlite:///{tmp_path / 'one.db'}", "--report", str(tmp_path))
    assert single.exit_code == 2
    assert not (tmp_path / "one.db").exists()


def test_summary_shows_why_a_source_failed() -> None:
    from rich.console import Console

    from migrator.fleet.runner import SourceResult
    from migrator.legacy import read_profiles
    from migrator.plan import MigrationOptions, TargetSnapshot, plan_migration
    from migrator.report.fleet import print_fleet_summary
    from migrator.report.json_report import MigrationRecord

    profile = next(p for p in read_profiles(FIXTURES / "odd-names").profiles if p.name == "default")
    plan = plan_migration(profile, MigrationOptions(), TargetSnapshot(initialized=False))
    result = SourceResult(index=0, path="/collected/odd", host="odd", status="planned", records=[MigrationRecord(plan, "dry-run", "")])
    console = Console(record=True, width=200)
    print_fleet_summary(console, [result], title="Plan", applied=False)
    assert "first error:" in console.export_text()
