#!/usr/bin/env bash
# Build a Python 3.11 virtual environment that runs zenml 0.13.2, so that
# generate.py can read the fields of its flavor classes.
#
# Usage: bash schema/flavors/setup_zenml_0_13_2.sh [VENV_DIR]
#   VENV_DIR defaults to $HOME/.cache/zenml-migrate/zenml-0.13.2.
# Needs python3.11 and PyPI through pip. Takes about two minutes.
#
# zenml 0.13.2 declares Python < 3.10, and some of its pins have no Python
# 3.11 wheels, so pip's resolver cannot install it. This script installs
# zenml and every dependency with --no-deps at the versions listed in
# zenml-0.13.2-pins.txt, which are known to import on Python 3.11.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$HOME/.cache/zenml-migrate/zenml-0.13.2}"
pins="$here/zenml-0.13.2-pins.txt"
python="${PYTHON:-python3.11}"

"$python" -m venv "$venv"
pip="$venv/bin/pip"
"$pip" install --quiet --upgrade "pip<25"

# zenml, ml-pipelines-sdk (tfx) and sagemaker declare Python < 3.10 or
# dependency ranges without Python 3.11 wheels, so they go in without their
# declared requirements.
"$pip" install --quiet --no-deps --ignore-requires-python \
    zenml==0.13.2 ml-pipelines-sdk==1.8.0 sagemaker==2.82.2

# zenml 0.13.2 requires PyYAML < 6. PyYAML 5.4.1 builds on Python 3.11 only
# with Cython < 3 and without build isolation.
"$pip" install --quiet 'Cython<3' wheel
"$pip" install --quiet --no-build-isolation PyYAML==5.4.1

"$pip" install --quiet --no-deps -r "$pins"

# tfx 1.8 ships *_pb2 modules that protobuf 4's default backend rejects, so
# every zenml 0.13.2 process needs the pure-Python protobuf backend.
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python \
ZENML_ANALYTICS_OPT_IN=false \
ZENML_CONFIG_PATH="$(mktemp -d)" \
    "$venv/bin/python" -c "import zenml; print('zenml', zenml.__version__, 'in', '$venv')"
