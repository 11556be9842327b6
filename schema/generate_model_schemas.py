"""Write the JSON Schemas that derive from code or from other schemas in schema/.

    python schema/generate_model_schemas.py          # rewrite the files
    python schema/generate_model_schemas.py --check  # exit 1 if a file is out of date

- legacy-profiles.schema.json: the normalized legacy models (pydantic).
- fleet-manifest.schema.json: the fleet manifest (pydantic).
- fleet-report.schema.json: the fleet report, whose per-profile entries are
  those of migration-report.schema.json.
"""

import json
import sys
from pathlib import Path
from typing import Any

from migrator.fleet.manifest import Manifest
from migrator.legacy.models import LegacyConfigDir

SCHEMA_DIR = Path(__file__).resolve().parent


def _with_header(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"zenml-migrate/{name}", **schema}


def fleet_report_schema() -> dict[str, Any]:
    migration = json.loads((SCHEMA_DIR / "migration-report.schema.json").read_text(encoding="utf-8"))
    definitions = dict(migration["$defs"])
    profile = json.loads(json.dumps(migration["properties"]["profiles"]["items"]))
    # A fleet apply goes on after a profile whose apply failed, and reports it as failed.
    profile["properties"]["status"] = {
        "description": "What became of the profile; failed: its apply raised the error given in message.",
        "enum": [*profile["properties"]["status"]["enum"], "failed"],
    }
    definitions["profile"] = profile
    source = {
        "type": "object",
        "additionalProperties": False,
        "required": ["source", "host", "status", "message", "summary", "profiles"],
        "properties": {
            "source": {"type": "string", "description": "The source's path as the manifest gives it."},
            "host": {"type": "string", "description": "Value of {host} for this source."},
            "status": {"enum": ["planned", "applied", "failed", "skipped", "nothing-to-do"]},
            "message": {"type": "string"},
            "summary": {"$ref": "#/$defs/counts"},
            "profiles": {"type": "array", "items": {"$ref": "#/$defs/profile"}},
        },
    }
    return {
        "title": "zenml-migrate fleet plan / fleet apply report",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "format_version", "tool_version", "manifest", "target", "dry_run", "exit_code", "summary", "sources"],
        "properties": {
            "format": {"const": "zenml-migrate/fleet-report"},
            "format_version": {"const": 1},
            "tool_version": {"type": "string"},
            "manifest": {"type": "string"},
            "target": {"type": "string"},
            "dry_run": {"type": "boolean"},
            "exit_code": {"enum": [0, 1, 2]},
            "summary": {"$ref": "#/$defs/counts"},
            "sources": {"type": "array", "items": source},
        },
        "$defs": definitions,
    }


def render() -> dict[str, str]:
    documents = {
        "legacy-profiles.schema.json": LegacyConfigDir.model_json_schema(),
        "fleet-manifest.schema.json": Manifest.model_json_schema(),
        "fleet-report.schema.json": fleet_report_schema(),
    }
    return {name: json.dumps(_with_header(schema, name), indent=2, ensure_ascii=False) + "\n" for name, schema in documents.items()}


def main() -> int:
    stale = []
    for name, text in render().items():
        path = SCHEMA_DIR / name
        if "--check" in sys.argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"Out of date: {', '.join(stale)}; run python schema/generate_model_schemas.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
