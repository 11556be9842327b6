#!/usr/bin/env bash
# Regenerate the flavor schemas and the expected ZenML 0.20.5 configurations.
#
# Usage: bash schema/flavors/regenerate.sh PYTHON_0_20_5 [PYTHON_0_13_2]
#   PYTHON_0_20_5  python of an environment with zenml 0.20.5 installed
#                  (for example the one tests/oracle/setup_oracle.sh builds)
#   PYTHON_0_13_2  python of an environment with zenml 0.13.2 installed
#                  (setup_zenml_0_13_2.sh builds one); without it,
#                  zenml-0.13.2.json is left as it is.
# Writes schema/flavors/zenml-0.20.5.json, schema/flavors/zenml-0.13.2.json
# and tests/data/expected-0.20.5-configs.json.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 PYTHON_0_20_5 [PYTHON_0_13_2]" >&2
    exit 2
fi
python_020="$1"
python_013="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

"$python_020" "$here/generate.py" --zenml-version 0.20.5 --out "$here/zenml-0.20.5.json"
if [ -n "$python_013" ]; then
    "$python_013" "$here/generate.py" --zenml-version 0.13.2 --out "$here/zenml-0.13.2.json"
fi
"$python_020" "$here/expected_configs.py" \
    --fixtures "$root/fixtures/real-0.13.2" \
    --rules "$root/schema/conversion-rules.yaml" \
    --out "$root/tests/data/expected-0.20.5-configs.json"
