"""Run the fuzz property of tests/test_fuzz.py on many generated legacy trees, outside CI.

    .venv/bin/python bench/fuzz_campaign.py --cases 5000 --seed 1 --output /tmp/fuzz-campaign.json

Each batch is one Hypothesis run with its own seed. A batch that finds a
property violation shrinks it, records it and the campaign goes on with the
next batch, so one bug does not hide the others. Failures listed in
tests/legacy_strategies.py KNOWN_BUGS are counted, and the rest of the
property is still checked on their trees. The
summary gives the number of generated cases, the duration, the exit status
counts of `profile migrate` and every violation with its smallest tree.
"""

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from legacy_strategies import PropertyViolation, check_tree, legacy_trees  # noqa: E402


def run_batch(batch_seed: int, cases: int, statistics: dict) -> dict | None:
    """Run one batch of `cases` examples; return the violation it found (shrunk), or None."""
    found: dict = {}

    @seed(batch_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(tree=legacy_trees())
    def property_holds(tree) -> None:
        statistics["calls"] += 1
        outcome = check_tree(tree)
        for bug in outcome.known_bugs:
            statistics["known_bugs"][bug] += 1
        statistics["migrate_exit_codes"][outcome.codes["migrate"]] += 1
        statistics["list_exit_codes"][outcome.codes["list-json"]] += 1

    try:
        property_holds()
    except PropertyViolation as violation:
        found = {"seed": batch_seed, "violation": str(violation)[:4000]}
    except Exception as error:  # noqa: BLE001 - a crash of the harness itself is a finding too
        found = {"seed": batch_seed, "violation": f"{type(error).__name__}: {error}"[:4000]}
    return found or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000, help="generated trees to check in all (default 5000)")
    parser.add_argument("--batch", type=int, default=250, help="trees per Hypothesis run (default 250)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first batch; batch i uses seed + i (default 1)")
    parser.add_argument("--output", type=Path, default=None, help="also write the JSON summary to this file")
    arguments = parser.parse_args()

    statistics: dict = {"calls": 0, "known_bugs": Counter(), "migrate_exit_codes": Counter(), "list_exit_codes": Counter()}
    violations = []
    started = time.monotonic()
    batches = (arguments.cases + arguments.batch - 1) // arguments.batch
    for index in range(batches):
        cases = min(arguments.batch, arguments.cases - index * arguments.batch)
        violation = run_batch(arguments.seed + index, cases, statistics)
        if violation is not None:
            violations.append(violation)
            print(f"batch {index + 1}/{batches}: VIOLATION\n{violation['violation'][:1500]}", file=sys.stderr)
        else:
            print(f"batch {index + 1}/{batches}: {statistics['calls']} trees checked so far", file=sys.stderr)
    summary = {
        "requested_cases": arguments.cases,
        "trees_checked": statistics["calls"],  # includes the re-runs of shrinking, if a violation was found
        "first_seed": arguments.seed,
        "batches": batches,
        "duration_seconds": round(time.monotonic() - started, 1),
        "migrate_exit_codes": dict(sorted(statistics["migrate_exit_codes"].items())),
        "list_exit_codes": dict(sorted(statistics["list_exit_codes"].items())),
        "known_bugs": dict(statistics["known_bugs"]),
        "violations": violations,
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if arguments.output is not None:
        arguments.output.write_text(text + "\n")
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
