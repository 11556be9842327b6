#!/usr/bin/env bash
# Build a virtual environment that runs the real ZenML 0.20.5 (CLI, SQLite and
# MySQL stores, server) on Python 3.11, for tests that read our output back.
#
#   tests/oracle/setup_oracle.sh [DIR]
#
# DIR defaults to $ZENML_MIGRATE_ORACLE_DIR, else
# $HOME/.cache/zenml-migrate/oracle-zenml-0.20.5. The interpreter is
# $ZENML_MIGRATE_ORACLE_PYTHON (default: python3.11). Needs PyPI through pip.
#
# The build is cached: DIR/.oracle-stamp contains the sha256 of this script and
# constraints.txt, and a run whose stamp matches does nothing. Any other state
# (no stamp, another stamp, a build that stopped halfway) is removed and built
# again from scratch. A lock file next to DIR serialises concurrent runs.
#
# ZenML 0.20.5 declares Python <3.10, so its own dependency pins cannot be
# resolved on 3.11. The steps below install it without dependencies and then
# install, pinned by constraints.txt, the dependencies its CLI, stores and
# server import.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-${ZENML_MIGRATE_ORACLE_DIR:-$HOME/.cache/zenml-migrate/oracle-zenml-0.20.5}}"
python="${ZENML_MIGRATE_ORACLE_PYTHON:-python3.11}"
constraints="$here/constraints.txt"
stamp_name=".oracle-stamp"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found; install Python 3.11 or set ZENML_MIGRATE_ORACLE_PYTHON" >&2
  exit 2
fi

mkdir -p "$(dirname "$dir")"
dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"

# Serialise builds of the same DIR (for example parallel pytest workers).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dir.lock"
  flock 9
fi

expected_stamp="$(cat "$here/setup_oracle.sh" "$constraints" | sha256sum | cut -d' ' -f1)"
if [ -f "$dir/$stamp_name" ] \
   && [ "$(cat "$dir/$stamp_name")" = "$expected_stamp" ] \
   && "$dir/bin/python" -c 'pass' >/dev/null 2>&1; then
  echo "ZenML 0.20.5 oracle environment is up to date: $dir"
  exit 0
fi

# Remove only what this script built: a directory with a stamp or a venv
# marker, or an empty one. Anything else at DIR is left alone.
if [ -e "$dir" ]; then
  if [ -f "$dir/$stamp_name" ] || [ -f "$dir/pyvenv.cfg" ] || [ -z "$(ls -A "$dir")" ]; then
    echo "Removing the outdated oracle environment at $dir"
    rm -rf "$dir"
  else
    echo "error: $dir exists and is not an oracle environment; remove it or choose another DIR" >&2
    exit 2
  fi
fi

echo "Building the ZenML 0.20.5 oracle environment at $dir with $("$python" --version)"
"$python" -m venv "$dir"
pip=("$dir/bin/python" -m pip --disable-pip-version-check --no-input)

# 1. ZenML and the light TFX SDK without their dependency pins. ZenML 0.20.5
#    pins ml-pipelines-sdk 1.8.0, but releases 1.8 to 1.12 import
#    google.protobuf.pyext._message at module level. Protobuf 4 does not have
#    that module, and protobuf 3 has no Python 3.11 build of it. Release
#    1.14.0 guards the import.
"${pip[@]}" install --no-deps --ignore-requires-python \
  "zenml==0.20.5" "ml-pipelines-sdk==1.14.0"

# 2. ZenML requires PyYAML<6. PyYAML 5.4.1 has no Python 3.11 wheel, and its
#    sdist only builds with Cython<3 and without build isolation.
"${pip[@]}" install -c "$constraints" "cython<3" wheel
"${pip[@]}" install --no-build-isolation "pyyaml==5.4.1"

# 3. The runtime dependencies that ZenML's CLI and SQL stores import.
#    ml-metadata 1.15.0 is the first release with Python 3.11 wheels.
"${pip[@]}" install -c "$constraints" \
  "ml-metadata==1.15.0" "protobuf==4.25.9" absl-py portpicker \
  "google-api-python-client>=1.8,<2" "analytics-python>=1.4,<2" \
  "click==8.1.3" "click-params>=0.3,<0.4" "distro>=1.6,<2" \
  "gitpython>=3.1.18,<4" "httplib2>=0.19.1,<0.20" \
  "passlib[bcrypt]>=1.7.4,<1.8" "bcrypt==4.0.1" "pydantic==1.10.2" \
  "pyparsing>=2.4,<3" "python-dateutil>=2.8.1,<3" "rich>=12,<13" \
  "sqlmodel==0.0.8" "SQLAlchemy==1.4.41" "python-terraform>=0.10.1,<0.11" \
  "packaging==20.9" "docker>=4,<7" psutil "numpy<1.27" "pandas==1.5.3" \
  "pyarrow>=10,<11" "jinja2>=3,<3.2" "markupsafe>=2.1,<3"

# 4. The dependencies of ZenML's `server` extra (FastAPI app, MySQL driver).
"${pip[@]}" install -c "$constraints" \
  "fastapi>=0.75.0,<0.76.0" "fastapi-utils>=0.2.1,<0.3.0" \
  "pymysql>=1.0.2,<1.1.0" "python-jose[cryptography]>=3.3.0,<3.4.0" \
  "python-multipart==0.0.5" "uvicorn[standard]>=0.17.5,<0.18.0" \
  "websockets>=10,<11"

# 5. Smoke test: import the CLI, the SQL store and the server app.
smoke_config="$(mktemp -d)"
trap 'rm -rf "$smoke_config"' EXIT
(
  cd "$smoke_config"
  ZENML_CONFIG_PATH="$smoke_config" ZENML_ANALYTICS_OPT_IN=false \
    ZENML_ENABLE_REPO_INIT_WARNINGS=false "$dir/bin/python" -c '
import zenml, zenml.cli.cli, zenml.zen_stores.sql_zen_store, zenml.zen_server.zen_server_api
assert zenml.__version__ == "0.20.5", zenml.__version__
print("zenml", zenml.__version__, "imports ok")
'
)

echo "$expected_stamp" >"$dir/$stamp_name"
echo "ZenML 0.20.5 oracle environment is ready: $dir"
