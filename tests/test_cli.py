"""The zenml-migrate command line, run in-process on the genuine fixtures."""

import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, tree_digest

from migrator.secrets import secret_values

ROOT = Path(__file__).resolve().parents[1]
REPORT_SCHEMA = json.loads((ROOT / "schema" / "migration-report.schema.json").read_text())
LISTING_SCHEMA = json.loads((ROOT / "schema" / "profile-listing.schema.json").read_text())


@pytest.fixture(autouse=True)
def legacy_files_unchanged():
    """Every command must leave every legacy file as it was."""
    before = tree_digest(FIXTURES)
    yield
    assert tree_digest(FIXTURES) == before


def test_list_shows_true_counts(run_cli) -> None:
    result = run_cli("profile", "list", "--path", str(FIXTURES / "multi-stack"), "--json")
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    jsonschema.validate(listing, LISTING_SCHEMA)
    production = next(p for p in listing["profiles"] if p["name"] == "production")
    assert production["counts"] == {"stacks": 9, "stack_components": 32, "flavors": 0}
    assert production["active_stack"] == "aws_prod"
    default = next(p for p in listing["profiles"] if p["name"] == "default")
    assert default["only_defaults"] is True


def test_list_text_marks_defaults_and_rest(run_cli) -> None:
    result = run_cli("profile", "list", "--path", str(FIXTURES / "rest-store"))
    assert result.exit_code == 0
    assert "(defaults only)" in result.stdout
    assert "rest: http://127.0.0.1:8080" in result.stdout
    assert "(activated)" in result.stdout
    assert "rest: http://localhost:8237" in result.stdout


def test_list_uses_zenml_config_path(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(FIXTURES / "custom-flavor"))
    result = run_cli("profile", "list", "--json")
    assert {p["name"] for p in json.loads(result.stdout)["profiles"]} == {"custom", "default"}


def test_migrate_then_rerun(run_cli, store_url) -> None:
    url, db = store_url
    profile = str(FIXTURES / "multi-stack")
    first = run_cli("profile", "migrate", profile, "--store", url)
    assert first.exit_code == 0, first.output
    assert "37 created" in first.stdout
    second = run_cli("profile", "migrate", profile, "--store", url, "--json")
    assert second.exit_code == 0
    report = json.loads(second.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert {a["operation"] for a in report["profiles"][0]["actions"]} == {"unchanged"}


def test_dry_run_writes_nothing(run_cli, store_url, tmp_path: Path) -> None:
    url, db = store_url
    report_file = tmp_path / "plan.json"
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", url, "--dry-run", "--report", str(report_file))
    assert result.exit_code == 0
    assert not db.exists()
    report = json.loads(report_file.read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["dry_run"] is True
    assert report["summary"]["create"] == 37
    expected_line = f"Target store: {url} (dry run: nothing is written)"
    assert "".join(expected_line.split()) in "".join(result.stdout.split())  # the console wraps long lines


def test_dry_run_json_is_stable(run_cli, store_url) -> None:
    url, _ = store_url
    args = ("profile", "migrate", str(FIXTURES / "odd-names"), "--all", "--store", url, "--dry-run", "--json")
    assert run_cli(*args).stdout == run_cli(*args).stdout


def test_several_profiles_need_all(run_cli, store_url) -> None:
    url, db = store_url
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-profile"), "--store", url)
    assert result.exit_code == 2
    assert "Found 3 profiles to migrate" in result.stderr
    assert "--all" in result.stderr
    assert not db.exists()


def test_all_profiles_of_a_config_dir(run_cli, store_url) -> None:
    url, db = store_url
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-profile"), "--all", "--store", url, "--json")
    report = json.loads(result.stdout)
    by_name = {p["profile"]: p for p in report["profiles"]}
    assert by_name["prod"]["status"] == "applied"
    assert by_name["shared_sql"]["status"] == "applied"
    assert by_name["shared_sql"]["summary"]["errors"] == 0
    assert by_name["empty_sql"]["status"] == "nothing-to-do"
    assert result.exit_code == 0


def test_nothing_to_migrate_writes_nothing(run_cli, store_url) -> None:
    url, db = store_url
    result = run_cli("profile", "migrate", str(FIXTURES / "rest-store"), "--store", url)
    assert result.exit_code == 0
    assert "Nothing to migrate" in result.output
    assert "http://localhost:8237" in result.output
    assert not db.exists()


def test_prefix_and_project(run_cli, store_url) -> None:
    url, db = store_url
    result = run_cli("profile", "migrate", str(FIXTURES / "custom-flavor"), "--store", url, "--prefix", "old_", "--project", "legacy")
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT name, description FROM projectschema ORDER BY created").fetchall() == [
        ("default", ""),
        ("legacy", "Legacy profile migration for profile custom"),
    ]
    flavors = connection.execute("SELECT name FROM flavorschema ORDER BY name").fetchall()
    assert flavors == [("old_my_orchestrator",), ("old_my_tracker",)]
    stacks = connection.execute(
        "SELECT s.name FROM stackschema s JOIN projectschema p ON s.project_id = p.id WHERE p.name = 'legacy' ORDER BY s.name"
    ).fetchall()
    assert stacks == [("default",), ("old_inhouse_stack",)]


def test_conflict_exit_code_and_nothing_written(run_cli, store_url, legacy_copy) -> None:
    url, db = store_url
    root = legacy_copy("multi-stack")
    assert run_cli("profile", "migrate", str(root), "--store", url).exit_code == 0
    (root / "profiles/production/alerters/slack_alerts.yaml").write_text(
        "default_slack_channel_id: C999\nname: slack_alerts\nslack_token: '{{slack.token}}'\nuuid: e3c1db91-7b5f-4ea7-bedc-513f7fd2d113\n"
    )
    rows_before = sqlite3.connect(db).execute("SELECT count(*), max(updated) FROM stackcomponentschema").fetchone()
    result = run_cli("profile", "migrate", str(root), "--store", url)
    assert result.exit_code == 1
    assert "--overwrite" in result.stdout
    assert sqlite3.connect(db).execute("SELECT count(*), max(updated) FROM stackcomponentschema").fetchone() == rows_before
    ignored = run_cli("profile", "migrate", str(root), "--store", url, "--ignore-errors")
    assert ignored.exit_code == 0
    assert "1 skipped" in ignored.stdout


def test_bad_usage_exit_codes(run_cli, tmp_path: Path) -> None:
    assert run_cli("profile", "migrate", str(tmp_path / "missing")).exit_code == 2
    assert run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", "ftp://x").exit_code == 2
    assert run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--no-such-flag").exit_code == 2
    no_dir = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", f"sqlite:///{tmp_path}/no/such/dir.db")
    assert no_dir.exit_code == 2
    assert "does not exist" in no_dir.stderr
    assert "Traceback" not in no_dir.output


def test_default_target_is_zenml_default_store(run_cli, tmp_path: Path) -> None:
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "zenml-config" / "local_stores" / "default_zen_store" / "zenml.db").is_file()


def test_target_from_zenml_config(run_cli, tmp_path: Path) -> None:
    config_dir = tmp_path / "zenml-config"
    config_dir.mkdir()
    db = tmp_path / "elsewhere.db"
    (config_dir / "config.yaml").write_text(f"version: 0.20.5\nactive_project_name: default\nstore:\n  type: sql\n  url: sqlite:///{db}\n")
    assert run_cli("profile", "migrate", str(FIXTURES / "multi-stack")).exit_code == 0
    assert db.is_file()


def all_fixture_secrets() -> list[str]:
    from migrator.legacy import read_profiles

    values: list[str] = []
    for case in sorted(FIXTURES.iterdir()):
        if case.is_dir():
            for profile in read_profiles(case).profiles:
                for component in profile.components:
                    values.extend(secret_values(component.configuration))
    return values


def all_fixture_names() -> set[str]:
    """Every profile, stack and component name: a secret value that is part of a name cannot be distinguished from it."""
    from migrator.legacy import read_profiles

    names: set[str] = set()
    for case in sorted(FIXTURES.iterdir()):
        if case.is_dir():
            for profile in read_profiles(case).profiles:
                names.add(profile.name)
                names.update(c.name for c in profile.components)
                names.update(s.name for s in profile.stacks)
    return names


def test_secrets_never_printed(run_cli, store_url, tmp_path: Path) -> None:
    secrets = all_fixture_secrets()
    assert "hunter2" in secrets
    assert "minio_creds" in secrets
    url, _ = store_url
    outputs = []
    for case in ("multi-stack", "custom-flavor", "odd-names", "multi-profile"):
        report_file = tmp_path / f"{case}.json"
        for extra in ((), ("--json",), ("--dry-run",)):
            result = run_cli("-vv", "profile", "migrate", str(FIXTURES / case), "--all", "--store", url, "--report", str(report_file), *extra)
            outputs.extend([result.output, report_file.read_text()])
        outputs.append(run_cli("profile", "list", "--path", str(FIXTURES / case), "--json").output)
    text = "\n".join(outputs)
    names = all_fixture_names()
    checked = [value for value in secrets if not any(value in name for name in names)]
    assert "hunter2" in checked
    for value in checked:
        assert value not in text


def test_report_never_overwrites_store_or_legacy(run_cli, store_url, legacy_copy) -> None:
    url, db = store_url
    root = legacy_copy("multi-stack")
    assert run_cli("profile", "migrate", str(root), "--store", url).exit_code == 0
    before = db.read_bytes()
    onto_store = run_cli("profile", "migrate", str(root), "--store", url, "--report", str(db))
    assert onto_store.exit_code == 2
    assert "would overwrite the target store" in onto_store.stderr
    assert db.read_bytes() == before
    config = root / "config.yaml"
    original = config.read_bytes()
    onto_legacy = run_cli("profile", "migrate", str(root), "--store", url, "--report", str(config))
    assert onto_legacy.exit_code == 2
    assert config.read_bytes() == original


def test_empty_store_option_is_usage_error(run_cli) -> None:
    result = run_cli("profile", "migrate", str(FIXTURES / "multi-stack"), "--store", "")
    assert result.exit_code == 2
    assert "--store needs a store URL" in result.stderr


def test_many_notes_of_one_kind_are_folded() -> None:
    from rich.console import Console

    from migrator.legacy import read_profile_dir
    from migrator.plan import MigrationOptions, TargetSnapshot, plan_migration
    from migrator.plan.models import PlanNote
    from migrator.report import MigrationRecord, print_plan
    from migrator.report.text import MAX_NOTES_PER_CODE, NOTES_SHOWN_WHEN_FOLDED

    plan = plan_migration(read_profile_dir(FIXTURES / "multi-stack" / "profiles" / "production"), MigrationOptions(), TargetSnapshot(initialized=False))
    many = [PlanNote(code="many", message=f"note {i}") for i in range(MAX_NOTES_PER_CODE + 3)]
    few = [PlanNote(code="few", message=f"other {i}") for i in range(MAX_NOTES_PER_CODE)]
    console = Console(record=True, width=200)
    print_plan(console, MigrationRecord(plan.model_copy(update={"notes": tuple(many + few)}), "dry-run", "Dry run"), dry_run=True)
    text = console.export_text()
    assert f"note {NOTES_SHOWN_WHEN_FOLDED - 1}\n" in text
    assert f"note {NOTES_SHOWN_WHEN_FOLDED}\n" not in text
    assert f"... and {MAX_NOTES_PER_CODE + 3 - NOTES_SHOWN_WHEN_FOLDED} more notes of the kind 'many'" in text
    assert f"other {MAX_NOTES_PER_CODE - 1}\n" in text  # a kind at the limit is printed whole
