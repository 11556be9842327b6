"""Benchmark zenml-migrate against the real ZenML 0.20.5 on synthetic ZenML 0.13 profiles.

Run it through `bench/run`, which uses the project's virtual environment:

    bench/run                       # full run: every size, the real ZenML 0.20.5, REST counts, profile
    bench/run --quick --no-oracle   # smallest size of each, without ZenML 0.20.5 (CI smoke test)

Every timed command runs in a subprocess of its own, the repetitions of the
tools interleaved, and the best (smallest) wall time of the repetitions is
reported. Memory is the peak resident set size (ru_maxrss of os.wait4) of
the largest process of the command's process tree. The record of the run,
with the machine, is written as JSON into --output, and a table is printed.
"""

import argparse
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT / "tests"))

import generate  # noqa: E402
import hotspots  # noqa: E402

VENV_BIN = Path(sys.executable).parent
ZENML_MIGRATE = VENV_BIN / "zenml-migrate"
DEFAULT_DATA_DIR = Path.home() / ".cache" / "zenml-migrate" / "bench-data"
DEFAULT_OUTPUT_DIR = ROOT / "docs" / "benchmarks"
DEFAULT_REPEAT = 3
# ZenML 0.20.5 lists the existing entities of a name before it creates each
# entity: one run took 7.6 s at 500 stack components and 63 to 66 s at 5,000
# on the 2-core machine of docs/benchmarks.md. Larger sizes are left out by
# default so that a full run stays under half an hour.
DEFAULT_ORACLE_MAX_COMPONENTS = 5_000
# Every write over REST is one request to the ZenML 0.20.5 server. Larger
# sizes are left out by default for the same reason.
DEFAULT_REST_MAX_COMPONENTS = 5_000

# Targets, as docs/benchmarks.md states them.
TARGET_SPEEDUP_AT_500 = 50.0
TARGET_LARGE_COMPONENTS = 10_000
TARGET_LARGE_SECONDS = 2.0
TARGET_LARGE_MIB = 300.0
TARGET_FLEET_HOSTS = 1_000
TARGET_FLEET_SECONDS = 60.0
# Cost counts as linear when, between the two largest sizes, time grows as
# size^k with k at most this.
TARGET_LINEAR_EXPONENT = 1.15


@dataclass
class Run:
    """One timed command: wall time in seconds, peak RSS in KiB and exit code."""

    seconds: float
    max_rss_kib: int
    exit_code: int

    @property
    def max_rss_mib(self) -> float:
        return self.max_rss_kib / 1024


@dataclass
class Series:
    """The repetitions of one measurement, and what was checked about its result."""

    label: str
    runs: list[Run] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    not_run: str | None = None

    @property
    def best(self) -> Run | None:
        succeeded = [run for run in self.runs if run.exit_code == 0]
        return min(succeeded, key=lambda run: run.seconds) if succeeded else None

    @property
    def peak_mib(self) -> float | None:
        return max(run.max_rss_mib for run in self.runs) if self.runs else None

    def to_json(self) -> dict[str, Any]:
        best = self.best
        return {
            "label": self.label,
            "best_seconds": round(best.seconds, 3) if best else None,
            "peak_rss_mib": round(self.peak_mib, 1) if self.peak_mib is not None else None,
            "runs": [asdict(run) | {"seconds": round(run.seconds, 3)} for run in self.runs],
            "checks": self.checks,
            "not_run": self.not_run,
        }


def measure(command: list[str], log_path: Path, env: dict[str, str] | None = None) -> Run:
    """Run `command` with stdout and stderr into `log_path`; return its wall time, peak RSS and exit code."""
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds=seconds, max_rss_kib=usage.ru_maxrss, exit_code=process.returncode)


def measure_real(arguments: list[str], log_path: Path) -> tuple[Run, dict[str, Any]]:
    """Run bench/real_zenml.py, which times the real ZenML 0.20.5 inside; return its figures."""
    command = [sys.executable, str(BENCH_DIR / "real_zenml.py"), *arguments]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT)
    log_path.write_text(completed.stdout + completed.stderr, encoding="utf-8")
    if completed.returncode != 0:
        raise RuntimeError(f"bench/real_zenml.py {' '.join(arguments)} failed with exit code {completed.returncode}; log: {log_path}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return Run(seconds=result["seconds"], max_rss_kib=result["max_rss_kib"], exit_code=result["exit_code"]), result


def cli_environment(scratch: Path) -> dict[str, str]:
    """Return the environment of zenml-migrate runs: no ZenML config of the user, a fixed console width."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ZENML_")}
    env["ZENML_CONFIG_PATH"] = str(scratch / "zenml-config")
    env["COLUMNS"] = "120"
    return env


def count_rows(db: Path, table: str) -> int:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    finally:
        connection.close()


def growth_per_tenfold(small_size: int, small_seconds: float, large_size: int, large_seconds: float) -> float:
    """Return the time ratio per 10x size between two sizes: (t2/t1) ** (1 / log10(n2/n1))."""
    return (large_seconds / small_seconds) ** (1 / math.log10(large_size / small_size))


def exponent(small_size: int, small_seconds: float, large_size: int, large_seconds: float) -> float:
    """Return k where time grows as size^k between two sizes."""
    return math.log(large_seconds / small_seconds) / math.log(large_size / small_size)


# -- machine -------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu_model = None
    memory_kib = None
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
                break
    except OSError:
        pass
    return {
        "cpu_model": cpu_model or platform.processor() or None,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1) if memory_kib else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "git_commit": _git("rev-parse", "HEAD"),
        "migrator_changed_since_commit": bool(_git("status", "--porcelain", "--", "migrator")),
    }


def _git(*args: str) -> str | None:
    try:
        completed = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


# -- benchmark parts -----------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.env = cli_environment(scratch)
        self.record: dict[str, Any] = {}

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def log_path(self, name: str) -> Path:
        return self.scratch / f"{name}.log"

    # Start-up costs: the import of the CLI dominates the smallest size.
    def startup(self) -> dict[str, Series]:
        ours = Series("zenml-migrate --version")
        real = Series("zenml version (0.20.5)")
        for repetition in range(self.args.repeat):
            ours.runs.append(measure([str(ZENML_MIGRATE), "--version"], self.log_path(f"startup-ours-{repetition}"), self.env))
            if self.args.oracle:
                run, _ = measure_real(["version"], self.log_path(f"startup-real-{repetition}"))
                real.runs.append(run)
        if not self.args.oracle:
            real.not_run = "--no-oracle"
        return {"ours": ours, "real": real}

    def profile_sizes(self) -> list[dict[str, Any]]:
        results = []
        for components in self.args.sizes:
            directory = self.args.data / f"profile-{components}"
            self.log(f"Generating {components} stack components in {directory}")
            marker = generate.generate_profile(directory, components, self.args.seed)
            results.append(self.profile_size(components, marker))
        return results

    def profile_size(self, components: int, marker: dict[str, Any]) -> dict[str, Any]:
        spec = marker["profile"]
        profile_dir = Path(spec["path"])
        dry = Series("zenml-migrate dry run")
        apply = Series("zenml-migrate apply (new SQLite file)")
        real = Series("zenml profile migrate (0.20.5)")
        run_real = self.args.oracle and components <= self.args.oracle_max_components
        if not self.args.oracle:
            real.not_run = "--no-oracle"
        elif not run_real:
            real.not_run = (
                f"above --oracle-max-components {self.args.oracle_max_components}: ZenML 0.20.5 lists and creates "
                "entities one at a time, so one run takes minutes at this size"
            )
        for repetition in range(self.args.repeat):
            self.log(f"  {components} components, repetition {repetition + 1} of {self.args.repeat}")
            dry_db = self.scratch / f"dry-{components}-{repetition}.db"
            dry.runs.append(
                measure(
                    [str(ZENML_MIGRATE), "profile", "migrate", str(profile_dir), "--store", f"sqlite:///{dry_db}", "--dry-run"],
                    self.log_path(f"dry-{components}-{repetition}"),
                    self.env,
                )
            )
            dry.checks["store_created"] = dry_db.exists()
            apply_db = self.scratch / f"apply-{components}-{repetition}.db"
            apply.runs.append(
                measure(
                    [str(ZENML_MIGRATE), "profile", "migrate", str(profile_dir), "--store", f"sqlite:///{apply_db}"],
                    self.log_path(f"apply-{components}-{repetition}"),
                    self.env,
                )
            )
            if apply.runs[-1].exit_code == 0:
                # The project's default orchestrator and artifact store, and its default stack, come on top.
                apply.checks["stored_components"] = count_rows(apply_db, "stackcomponentschema")
                apply.checks["stored_stacks"] = count_rows(apply_db, "stackschema")
                apply.checks["expected_components"] = spec["migrated_components"] + 2
                apply.checks["expected_stacks"] = spec["stacks"] + 1
                apply.checks["complete"] = (
                    apply.checks["stored_components"] == apply.checks["expected_components"]
                    and apply.checks["stored_stacks"] == apply.checks["expected_stacks"]
                )
            apply_db.unlink(missing_ok=True)
            if run_real:
                run, result = measure_real(["migrate", str(profile_dir)], self.log_path(f"real-{components}-{repetition}"))
                real.runs.append(run)
                real.checks = {
                    "created_components": result["created_components"],
                    "created_stacks": result["created_stacks"],
                    "expected_components": spec["migrated_components"],
                    "expected_stacks": spec["stacks"],
                    "complete": result["created_components"] == spec["migrated_components"] and result["created_stacks"] == spec["stacks"],
                }
        return {
            "components": components,
            "stacks": spec["stacks"],
            "migrated_components": spec["migrated_components"],
            "components_by_type": spec["components_by_type"],
            "ours_dry_run": dry,
            "ours_apply": apply,
            "zenml_0_20_5": real,
        }

    def fleets(self) -> list[dict[str, Any]]:
        results = []
        for hosts in self.args.fleet_sizes:
            directory = self.args.data / f"fleet-{hosts}"
            self.log(f"Generating a fleet of {hosts} config dirs in {directory}")
            marker = generate.generate_fleet(directory, hosts, self.args.seed)
            series = Series("zenml-migrate fleet plan")
            for repetition in range(self.args.repeat):
                self.log(f"  fleet of {hosts}, repetition {repetition + 1} of {self.args.repeat}")
                series.runs.append(
                    measure(
                        [str(ZENML_MIGRATE), "fleet", "plan", marker["manifest"]],
                        self.log_path(f"fleet-{hosts}-{repetition}"),
                        self.env,
                    )
                )
            series.checks["target_created"] = (directory / "target.db").exists()
            results.append({"hosts": hosts, "profiles": hosts, **marker["totals"], "fleet_plan": series})
        return results

    def rest_counts(self) -> list[dict[str, Any]]:
        from oracle.count_requests import count_ours, count_real

        results = []
        smallest = min(self.args.sizes)
        for components in self.args.sizes:
            if components > self.args.rest_max_components:
                results.append(
                    {
                        "components": components,
                        "not_run": f"above --rest-max-components {self.args.rest_max_components}: every write is one request to the server",
                    }
                )
                continue
            profile_dir = Path(generate.generate_profile(self.args.data / f"profile-{components}", components, self.args.seed)["profile"]["path"])
            self.log(f"  REST requests for {components} components (zenml-migrate RestStore)")
            entry: dict[str, Any] = {"components": components, "zenml_migrate": _rest_summary(count_ours(profile_dir))}
            if components == smallest:
                self.log(f"  REST requests for {components} components (zenml profile migrate 0.20.5)")
                entry["zenml_0_20_5"] = _rest_summary(count_real(profile_dir, []))
            else:
                entry["zenml_0_20_5"] = {"not_run": "the real client is counted at the smallest size only"}
            results.append(entry)
        return results

    def profile_hotspots(self) -> dict[str, Any]:
        components = max(self.args.sizes)
        profile_dir = Path(generate.generate_profile(self.args.data / f"profile-{components}", components, self.args.seed)["profile"]["path"])
        stats_path = self.scratch / f"apply-{components}.prof"
        db = self.scratch / f"profiled-{components}.db"
        self.log(f"Profiling the apply of {components} components with cProfile")
        command = [
            sys.executable, "-m", "cProfile", "-o", str(stats_path),
            "-m", "migrator", "profile", "migrate", str(profile_dir), "--store", f"sqlite:///{db}",
        ]
        run = measure(command, self.log_path(f"profile-{components}"), self.env)

        if run.exit_code != 0:
            return {"components": components, "error": f"the profiled run exited with {run.exit_code}"}
        summary = hotspots.summarize(stats_path)

        self.log(f"Timing the steps of the apply of {components} components without a profiler")
        phase_runs = []
        for repetition in range(self.args.repeat):
            db = self.scratch / f"phases-{components}-{repetition}.db"
            completed = subprocess.run(
                [sys.executable, str(BENCH_DIR / "hotspots.py"), "phases", str(profile_dir), "--store", f"sqlite:///{db}"],
                capture_output=True, text=True, env=self.env, cwd=ROOT, check=True,
            )
            phase_runs.append(json.loads(completed.stdout))
            db.unlink(missing_ok=True)

        # Per step, the best of the repetitions.
        wall = {step: min(run[step] for run in phase_runs) for step in phase_runs[0]}
        return {
            "components": components,
            "command": "python -m cProfile -m migrator profile migrate DIR --store sqlite:///NEW.db",
            **summary,
            "wall_seconds_per_step": wall,
        }


def _rest_summary(summary: dict[str, Any]) -> dict[str, Any]:
    keep = ("requests", "write_requests", "client_request_count", "seconds", "exit_code", "applied", "by_endpoint")
    return {key: summary[key] for key in keep if key in summary}


# -- evaluation and output -----------------------------------------------


def evaluate_targets(sizes: list[dict[str, Any]], fleets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_size = {entry["components"]: entry for entry in sizes}
    targets = []

    entry = by_size.get(500)
    ours = entry["ours_apply"].best if entry else None
    real = entry["zenml_0_20_5"].best if entry else None
    if ours and real:
        ratio = real.seconds / ours.seconds
        targets.append(_target(f"at least {TARGET_SPEEDUP_AT_500:g}x faster than ZenML 0.20.5 at 500 components", ratio >= TARGET_SPEEDUP_AT_500, f"{ratio:.1f}x"))
    else:
        targets.append(_target(f"at least {TARGET_SPEEDUP_AT_500:g}x faster than ZenML 0.20.5 at 500 components", None, "not measured"))

    entry = by_size.get(TARGET_LARGE_COMPONENTS)
    best = entry["ours_apply"].best if entry else None
    name = f"{TARGET_LARGE_COMPONENTS:,} components planned and applied into SQLite in under {TARGET_LARGE_SECONDS:g} s and {TARGET_LARGE_MIB:g} MB"
    if best:
        met = best.seconds < TARGET_LARGE_SECONDS and best.max_rss_mib < TARGET_LARGE_MIB
        targets.append(_target(name, met, f"{best.seconds:.2f} s, {best.max_rss_mib:.0f} MiB"))
    else:
        targets.append(_target(name, None, "not measured"))

    fleet = next((f for f in fleets if f["hosts"] == TARGET_FLEET_HOSTS), None)
    name = f"{TARGET_FLEET_HOSTS:,}-profile fleet dry run in under {TARGET_FLEET_SECONDS:g} s"
    best = fleet["fleet_plan"].best if fleet else None
    if best:
        targets.append(_target(name, best.seconds < TARGET_FLEET_SECONDS, f"{best.seconds:.1f} s"))
    else:
        targets.append(_target(name, None, "not measured"))

    name = f"cost grows linearly (time ~ size^k with k <= {TARGET_LINEAR_EXPONENT} between the two largest sizes)"
    exponents = []
    measured = sorted((e["components"], e["ours_apply"].best) for e in sizes if e["ours_apply"].best)
    if len(measured) >= 2:
        (n1, run1), (n2, run2) = measured[-2], measured[-1]
        exponents.append((exponent(n1, run1.seconds, n2, run2.seconds), f"apply from {n1:,} to {n2:,} components"))
    measured = sorted((f["hosts"], f["fleet_plan"].best) for f in fleets if f["fleet_plan"].best)
    if len(measured) >= 2:
        (n1, run1), (n2, run2) = measured[-2], measured[-1]
        exponents.append((exponent(n1, run1.seconds, n2, run2.seconds), f"fleet plan from {n1:,} to {n2:,} profiles"))
    if exponents:
        met = all(k <= TARGET_LINEAR_EXPONENT for k, _ in exponents)
        targets.append(_target(name, met, ", ".join(f"k = {k:.2f} for the {what}" for k, what in exponents)))
    else:
        targets.append(_target(name, None, "needs two sizes"))
    return targets


def _target(name: str, met: bool | None, value: str) -> dict[str, Any]:
    return {"target": name, "met": met, "value": value}


def _seconds(run: Run | None) -> str:
    return f"{run.seconds:.2f}" if run else "-"


def _mib(run: Run | None, series: Series) -> str:
    return f"{series.peak_mib:.0f}" if run and series.peak_mib is not None else "-"


def print_tables(record: dict[str, Any], sizes: list[dict[str, Any]], fleets: list[dict[str, Any]], startup: dict[str, Series]) -> None:
    machine = record["machine"]
    print(f"zenml-migrate benchmarks, {machine['date']}: {machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gib']} GiB, Python {machine['python']}")
    print(f"Wall times in seconds, best of {record['repeat']} interleaved runs; memory is the peak RSS in MiB of the largest process.")
    print()
    ours_start, real_start = startup["ours"].best, startup["real"].best
    real_text = f"{real_start.seconds:.2f} s" if real_start else "not run"
    print(f"Start-up: zenml-migrate --version {_seconds(ours_start)} s, zenml version (0.20.5) {real_text}")

    print()
    _print_sizes(sizes)

    print()
    _print_fleets(fleets)

    if record.get("rest_requests"):
        print()
        _print_rest(record["rest_requests"])

    print()
    for target in record["targets"]:
        status = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        print(f"{status:>12}: {target['target']}: {target['value']}")

    if record.get("hotspots") and "functions" in record["hotspots"]:
        print()
        hotspots.print_summary(record["hotspots"])


def _growth(previous: dict[str, Any], entry: dict[str, Any], key: str) -> str:
    before, after = previous[key].best, entry[key].best
    if not before or not after:
        return "-"
    return f"{growth_per_tenfold(previous['components'], before.seconds, entry['components'], after.seconds):.2f}x"


def _print_sizes(sizes: list[dict[str, Any]]) -> None:
    header = (
        f"{'components':>10} {'stacks':>6} | {'dry run':>7} {'MiB':>4} | {'apply':>6} {'MiB':>4} | "
        f"{'0.20.5':>7} {'MiB':>4} | {'ratio':>6} | {'growth/10x apply':>16} {'0.20.5':>7}"
    )
    print(header)
    print("-" * len(header))
    previous: dict[str, Any] | None = None
    for entry in sizes:
        dry, apply, real = entry["ours_dry_run"], entry["ours_apply"], entry["zenml_0_20_5"]
        ratio = f"{real.best.seconds / apply.best.seconds:.1f}x" if real.best and apply.best else "-"
        growth_ours = _growth(previous, entry, "ours_apply") if previous else "-"
        growth_real = _growth(previous, entry, "zenml_0_20_5") if previous else "-"
        real_seconds = _seconds(real.best) if real.runs else "not run"
        print(
            f"{entry['components']:>10,} {entry['stacks']:>6,} | {_seconds(dry.best):>7} {_mib(dry.best, dry):>4} | "
            f"{_seconds(apply.best):>6} {_mib(apply.best, apply):>4} | {real_seconds:>7} {_mib(real.best, real):>4} | "
            f"{ratio:>6} | {growth_ours:>16} {growth_real:>7}"
        )
        previous = entry
    for entry in sizes:
        if entry["zenml_0_20_5"].not_run and entry["zenml_0_20_5"].not_run != "--no-oracle":
            print(f"ZenML 0.20.5 not run at {entry['components']:,} components: {entry['zenml_0_20_5'].not_run}")


def _print_fleets(fleets: list[dict[str, Any]]) -> None:
    header = f"{'fleet profiles':>14} {'components':>10} {'stacks':>6} | {'fleet plan':>10} {'MiB':>4}"
    print(header)
    print("-" * len(header))
    for fleet in fleets:
        series = fleet["fleet_plan"]
        print(f"{fleet['hosts']:>14,} {fleet['components']:>10,} {fleet['stacks']:>6,} | {_seconds(series.best):>10} {_mib(series.best, series):>4}")


def _print_rest(rest: list[dict[str, Any]]) -> None:
    header = f"{'components':>10} | {'RestStore requests':>18} {'writes':>6} {'s':>6} | {'0.20.5 requests':>15} {'writes':>6} {'s':>6}"
    print(header)
    print("-" * len(header))
    for entry in rest:
        if "not_run" in entry:
            print(f"{entry['components']:>10,} | not run: {entry['not_run']}")
            continue
        ours, real = entry["zenml_migrate"], entry["zenml_0_20_5"]
        if "requests" in real:
            real_text = f"{real['requests']:>15,} {real['write_requests']:>6,} {real['seconds']:>6.1f}"
        else:
            real_text = f"{'not run':>15} {'':>6} {'':>6}"
        print(f"{entry['components']:>10,} | {ours['requests']:>18,} {ours['write_requests']:>6,} {ours['seconds']:>6.1f} | {real_text}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description="Benchmark zenml-migrate against the real ZenML 0.20.5.")
    parser.add_argument("--quick", action="store_true", help="run only the smallest size of each part, once unless --repeat is given")
    parser.add_argument("--no-oracle", dest="oracle", action="store_false", help="leave out the real ZenML 0.20.5 (CLI and server)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT_DIR, help=f"directory of the JSON record (default: {DEFAULT_OUTPUT_DIR.relative_to(ROOT)})")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help=f"directory of the generated profiles, reused across runs (default: {DEFAULT_DATA_DIR})")
    parser.add_argument("--repeat", type=int, default=None, help=f"repetitions of each timing (default: {DEFAULT_REPEAT}, 1 with --quick)")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help=f"stack components per profile (default: {' '.join(map(str, generate.COMPONENT_SIZES))})")
    parser.add_argument("--fleet-sizes", type=int, nargs="*", default=None, help=f"profiles per fleet (default: {' '.join(map(str, generate.FLEET_SIZES))})")
    parser.add_argument("--oracle-max-components", type=int, default=DEFAULT_ORACLE_MAX_COMPONENTS, help=f"largest size run with ZenML 0.20.5 (default: {DEFAULT_ORACLE_MAX_COMPONENTS})")
    parser.add_argument("--rest-max-components", type=int, default=DEFAULT_REST_MAX_COMPONENTS, help=f"largest size migrated over REST (default: {DEFAULT_REST_MAX_COMPONENTS})")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="skip the cProfile run of the largest size")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED, help=f"seed of the generator (default: {generate.DEFAULT_SEED})")
    parser.add_argument("--keep-scratch", action="store_true", help="keep the logs and SQLite files of the runs and print where")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [min(generate.COMPONENT_SIZES)] if args.quick else list(generate.COMPONENT_SIZES)
    if args.fleet_sizes is None:
        args.fleet_sizes = [min(generate.FLEET_SIZES)] if args.quick else list(generate.FLEET_SIZES)
    if args.repeat is None:
        args.repeat = 1 if args.quick else DEFAULT_REPEAT
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.quick:
        args.profile = False
    args.sizes = sorted(set(args.sizes))
    args.fleet_sizes = sorted(set(args.fleet_sizes))
    return args


def _as_json(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value.to_json() if isinstance(value, Series) else value for key, value in entry.items()} for entry in entries]


def _failed_runs(sizes: list[dict[str, Any]], fleets: list[dict[str, Any]]) -> list[str]:
    """List the measurements with a run that exited non-zero or did not migrate every stack and stack component."""
    failures = [
        f"{entry['components']} components: {series.label}"
        for entry in sizes
        for series in (entry["ours_dry_run"], entry["ours_apply"], entry["zenml_0_20_5"])
        if any(run.exit_code != 0 for run in series.runs) or series.checks.get("complete") is False
    ]
    failures += [f"fleet of {fleet['hosts']}" for fleet in fleets if any(run.exit_code != 0 for run in fleet["fleet_plan"].runs)]
    return failures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not ZENML_MIGRATE.exists():
        print(f"error: {ZENML_MIGRATE} not found; install the project first (see README.md)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="zenml-migrate-bench-"))
    started = time.perf_counter()
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%MZ")
    record_path = args.output / f"{stamp}{'-quick' if args.quick else ''}.json"
    record: dict[str, Any] = {
        "command": " ".join(["bench/run", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine_info(),
        "repeat": args.repeat,
        "seed": args.seed,
        "generator_version": generate.GENERATOR_VERSION,
        "part_errors": {},
    }
    startup: dict[str, Series] = {}
    sizes: list[dict[str, Any]] = []
    fleets: list[dict[str, Any]] = []

    def save() -> None:
        # Written after every part, so that a failure later keeps what was measured.
        record["startup"] = {key: series.to_json() for key, series in startup.items()}
        record["profiles"] = _as_json(sizes)
        record["fleets"] = _as_json(fleets)
        record["targets"] = evaluate_targets(sizes, fleets)
        record["failed_runs"] = _failed_runs(sizes, fleets)
        record["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
        record["total_seconds"] = round(time.perf_counter() - started, 1)
        record_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    bench = Bench(args, scratch)
    parts = [
        ("startup", lambda: startup.update(bench.startup())),
        ("profiles", lambda: sizes.extend(bench.profile_sizes())),
        ("fleets", lambda: fleets.extend(bench.fleets())),
    ]
    if args.oracle:
        parts.append(("rest_requests", lambda: record.__setitem__("rest_requests", bench.rest_counts())))
    if args.profile:
        parts.append(("hotspots", lambda: record.__setitem__("hotspots", bench.profile_hotspots())))
    try:
        for name, part in parts:
            try:
                part()
            except Exception as error:  # noqa: BLE001 - keep the other parts and report this one
                record["part_errors"][name] = f"{type(error).__name__}: {error}"
                print(f"error: the {name} part failed: {type(error).__name__}: {error}", file=sys.stderr)
            save()
        if "startup" in record["part_errors"]:
            startup = {"ours": Series("zenml-migrate --version"), "real": Series("zenml version (0.20.5)")}
        print_tables(record, sizes, fleets, startup)
        print()
        print(f"Record: {record_path}")
        failures = record["failed_runs"]
        if failures or record["part_errors"]:
            print(f"error: failed runs: {'; '.join(failures) or 'none'}; failed parts: {', '.join(record['part_errors']) or 'none'}; logs in {scratch}", file=sys.stderr)
            args.keep_scratch = True
            return 1
        return 0
    finally:
        if args.keep_scratch:
            print(f"Logs and SQLite files: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
