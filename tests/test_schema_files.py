"""The files in schema/: the Alembic environment and the JSON Schemas of our formats."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema
from conftest import FIXTURES
from test_sql_store import REFERENCE_SCHEMA, zenml_tables

from migrator.legacy import read_profiles

ROOT = Path(__file__).resolve().parents[1]
ALEMBIC = [sys.executable, "-m", "alembic", "-c", str(ROOT / "schema" / "alembic.ini")]


def test_alembic_creates_zenml_0205_tables(tmp_path: Path) -> None:
    db = tmp_path / "alembic.db"
    subprocess.run([*ALEMBIC, "-x", f"url=sqlite:///{db}", "upgrade", "head"], check=True, capture_output=True)
    tables = dict(sqlite3.connect(db).execute("SELECT name, sql FROM sqlite_master WHERE type='table'").fetchall())
    assert tables.pop("alembic_version")
    assert tables == zenml_tables(REFERENCE_SCHEMA.read_text())
    subprocess.run([*ALEMBIC, "-x", f"url=sqlite:///{db}", "downgrade", "base"], check=True, capture_output=True)
    remaining = [row[0] for row in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert remaining == ["alembic_version"]


def test_alembic_offline_renders_sql(tmp_path: Path) -> None:
    result = subprocess.run(
        [*ALEMBIC, "-x", f"url=sqlite:///{tmp_path}/x.db", "upgrade", "head", "--sql"], check=True, capture_output=True, text=True
    )
    assert "CREATE TABLE stackcomponentschema" in result.stdout
    assert not (tmp_path / "x.db").exists()


def test_legacy_model_schema_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "schema" / "generate_model_schemas.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_legacy_models_match_their_schema() -> None:
    schema = json.loads((ROOT / "schema" / "legacy-profiles.schema.json").read_text())
    for case in sorted(FIXTURES.iterdir()):
        if case.is_dir():
            jsonschema.validate(read_profiles(case).model_dump(mode="json"), schema)
