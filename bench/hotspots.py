"""Find where one `zenml-migrate profile migrate` run spends its time.

    .venv/bin/python bench/hotspots.py summarize STATS_FILE
    .venv/bin/python bench/hotspots.py phases PROFILE_DIR --store sqlite:////new/zenml.db

`summarize` reads a cProfile file of the CLI: time per phase and the
costliest functions. Its shares are of the total time that cProfile
recorded, which runs slower than an unprofiled run, so read them as
proportions. `phases` runs the same steps as the CLI in this process without
a profiler and prints the wall time of each as JSON.
"""

import argparse
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Phases of one `profile migrate` run: (label, file suffix, function name).
# The cumulative time of each function is the time of its phase.
PHASES = (
    ("import the CLI modules", "migrator/cli.py", "<module>"),
    ("read the legacy profile", "migrator/legacy/reader.py", "read_profiles"),
    ("read the target snapshot", "migrator/stores/sql.py", "snapshot"),
    ("plan", "migrator/plan/planner.py", "plan_migration"),
    ("  of it: convert and validate configurations", "migrator/plan/conversion.py", "convert_component"),
    ("simulate the apply (dry run)", "migrator/plan/simulate.py", "simulate_apply"),
    ("apply in one transaction", "migrator/stores/sql.py", "apply"),
    ("print the plan tables", "migrator/report/text.py", "print_plan"),
    ("print the summary", "migrator/report/text.py", "print_summary"),
)
TOP_FUNCTIONS = 15


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    for marker in ("/site-packages/", f"{ROOT}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}:{function}"


def summarize(stats_path: Path) -> dict[str, Any]:
    """Return the total profiled time, the time per phase and the top functions by own and by cumulative time."""
    stats = pstats.Stats(str(stats_path))
    total = stats.total_tt
    entries = stats.stats  # {(file, line, function): (primitive calls, calls, own time, cumulative time, callers)}

    phases = []
    for label, suffix, function in PHASES:
        matches = [value for key, value in entries.items() if key[0].endswith(suffix) and key[2] == function]
        if matches:
            cumulative = max(value[3] for value in matches)
            phases.append({"phase": label, "seconds": round(cumulative, 3), "share": round(cumulative / total, 3)})

    def top(items: list[tuple[tuple[str, int, str], tuple]], index: int) -> list[dict[str, Any]]:
        ranked = sorted(items, key=lambda item: item[1][index], reverse=True)[:TOP_FUNCTIONS]
        return [
            {
                "function": _name(key),
                "calls": value[1],
                "own_seconds": round(value[2], 3),
                "cumulative_seconds": round(value[3], 3),
                "share": round(value[index] / total, 3),
            }
            for key, value in ranked
        ]

    migrator_items = [(key, value) for key, value in entries.items() if "/migrator/" in key[0] and key[2] != "<module>"]
    return {
        "profiled_seconds": round(total, 3),
        "phases": phases,
        "functions": top(migrator_items, 3),
        "own_time_any_package": top(list(entries.items()), 2),
    }


def print_summary(summary: dict[str, Any]) -> None:
    components = summary.get("components")
    subject = f"one apply of {components:,} stack components" if components else "one run"
    print(f"cProfile of {subject}: {summary['profiled_seconds']:.2f} s profiled")
    for phase in summary["phases"]:
        print(f"  {phase['share']:>6.1%} {phase['seconds']:>7.3f} s  {phase['phase']}")
    wall = summary.get("wall_seconds_per_step")
    if wall:
        print("  wall seconds per step without a profiler (bench/hotspots.py phases, best of the repetitions):")
        for step, seconds in wall.items():
            print(f"  {seconds:>14.3f} s  {step}")
    print("  migrator functions by cumulative time:")
    for function in summary["functions"][:10]:
        print(f"  {function['share']:>6.1%} {function['cumulative_seconds']:>7.3f} s  {function['calls']:>8,} calls  {function['function']}")
    print("  any function by own time:")
    for function in summary["own_time_any_package"][:10]:
        print(f"  {function['share']:>6.1%} {function['own_seconds']:>7.3f} s  {function['calls']:>8,} calls  {function['function']}")


def time_phases(profile_dir: Path, store_url: str) -> dict[str, float]:
    """Run the steps of `profile migrate` (apply) in this process and return the wall seconds of each.

    NOTE: the steps mirror migrator/cli.py:migrate as of this writing; a
    change there is not followed here, unlike the cProfile of the CLI.
    """
    from rich.console import Console

    from migrator.cli import tune_garbage_collection
    from migrator.legacy import read_profiles
    from migrator.plan import MigrationOptions, plan_migration, simulate_apply
    from migrator.report import MigrationRecord, build_report, print_plan
    from migrator.stores import SqlStore

    tune_garbage_collection()
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[name] = round(now - started, 3)
        started = now

    profile = read_profiles(profile_dir).profiles[0]
    lap("read the legacy profile")
    store = SqlStore(store_url)
    snapshot = store.snapshot()
    lap("read the target snapshot")
    plan = plan_migration(profile, MigrationOptions(), snapshot)
    lap("plan")
    outcome = store.apply(plan, snapshot)
    lap("apply in one transaction")
    simulate_apply(plan, snapshot, outcome.ids)
    lap("simulate the apply on the snapshot")
    record = MigrationRecord(plan, "applied", f"Applied to {store.display_url}")
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        print_plan(Console(file=devnull, highlight=False, soft_wrap=False, width=120), record, dry_run=False)
    lap("print the plan tables")
    build_report([record], target=store.display_url, dry_run=False, exit_code=0)
    lap("build the JSON report")
    store.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="Find where one zenml-migrate run spends its time.")
    commands = parser.add_subparsers(dest="command", required=True)
    summarize_parser = commands.add_parser("summarize", help="summarize a cProfile file of the CLI")
    summarize_parser.add_argument("stats_file", type=Path)
    summarize_parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    phases_parser = commands.add_parser("phases", help="time the steps of one apply in this process")
    phases_parser.add_argument("profile_dir", type=Path)
    phases_parser.add_argument("--store", required=True, help="SQLite URL of a new store file")
    args = parser.parse_args()
    if args.command == "phases":
        print(json.dumps(time_phases(args.profile_dir, args.store)))
        return
    summary = summarize(args.stats_file)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary)


if __name__ == "__main__":
    main()
