"""Write the JSON Schema of the normalized legacy models to schema/legacy-profiles.schema.json.

    python schema/generate_model_schemas.py          # rewrite the file
    python schema/generate_model_schemas.py --check  # exit 1 if the file is out of date
"""

import json
import sys
from pathlib import Path

from migrator.legacy.models import LegacyConfigDir

TARGET = Path(__file__).resolve().parent / "legacy-profiles.schema.json"


def render() -> str:
    schema = LegacyConfigDir.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "zenml-migrate/legacy-profiles.schema.json"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is out of date; run python schema/generate_model_schemas.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
