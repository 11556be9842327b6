"""Time one run of the real ZenML 0.20.5 CLI for the benchmarks, in a process of its own.

    .venv/bin/python bench/real_zenml.py migrate PROFILE_DIR
    .venv/bin/python bench/real_zenml.py version

`migrate` runs `zenml profile migrate PROFILE_DIR` through the test
harness (`real_migrate`), into the default SQLite store of a new config dir
that is removed afterwards. `version` runs `zenml version`, which measures
the start-up cost of the CLI. Prints one JSON object: the wall time of the
run, the peak resident set size of the ZenML process in KiB, the exit code,
and for `migrate` the stack components and stacks that ZenML reported as
created. Building the ZenML environment, when needed, is not timed.
"""

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from oracle.harness import oracle_python, real_migrate, run_zenml  # noqa: E402

# Output lines of `zenml profile migrate` 0.20.5 for each entity it creates.
CREATED_COMPONENT_PREFIX = "Created "
CREATED_STACK_PREFIX = "Created stack '"


def _children_peak_rss_kib() -> int:
    # On Linux ru_maxrss is in KiB and covers the largest child process waited for.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def time_migrate(profile_dir: Path) -> dict:
    oracle_python()
    started = time.perf_counter()
    config_dir, process = real_migrate(profile_dir)
    seconds = time.perf_counter() - started
    shutil.rmtree(config_dir, ignore_errors=True)
    lines = (process.stdout + process.stderr).splitlines()
    stacks = sum(1 for line in lines if line.startswith(CREATED_STACK_PREFIX))
    created = sum(1 for line in lines if line.startswith(CREATED_COMPONENT_PREFIX))
    result = {
        "seconds": seconds,
        "max_rss_kib": _children_peak_rss_kib(),
        "exit_code": process.returncode,
        "created_components": created - stacks,
        "created_stacks": stacks,
    }
    if process.returncode != 0:
        result["output_tail"] = lines[-5:]
    return result


def time_version() -> dict:
    oracle_python()
    with tempfile.TemporaryDirectory(prefix="bench-zenml-version-") as config_dir:
        started = time.perf_counter()
        process = run_zenml(config_dir, "version")
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "max_rss_kib": _children_peak_rss_kib(), "exit_code": process.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description="Time one run of the real ZenML 0.20.5 CLI.")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="time `zenml profile migrate PROFILE_DIR` into a new SQLite store")
    migrate.add_argument("profile_dir", type=Path)
    commands.add_parser("version", help="time `zenml version` (start-up cost)")
    args = parser.parse_args()
    result = time_migrate(args.profile_dir) if args.command == "migrate" else time_version()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
