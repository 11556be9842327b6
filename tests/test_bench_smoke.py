"""Smoke test of the benchmark script: the smallest sizes, without ZenML 0.20.5, and no timing checks."""

import json
import subprocess
from pathlib import Path

from conftest import ROOT

BENCH_RUN = ROOT / "bench" / "run"


def test_bench_run_quick(tmp_path: Path) -> None:
    output = tmp_path / "records"
    completed = subprocess.run(
        [str(BENCH_RUN), "--quick", "--no-oracle", "--output", str(output), "--data", str(tmp_path / "data")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "components stacks | dry run" in completed.stdout
    assert "fleet profiles components stacks | fleet plan" in completed.stdout
    records = list(output.glob("*-quick.json"))
    assert len(records) == 1, sorted(output.iterdir())
    record = json.loads(records[0].read_text(encoding="utf-8"))
    assert record["failed_runs"] == []
    assert record["machine"]["cores"] >= 1
    (size,) = record["profiles"]
    assert size["components"] == 50
    assert size["stacks"] == 10
    assert size["ours_apply"]["checks"]["complete"] is True
    assert size["zenml_0_20_5"]["not_run"] == "--no-oracle"
    (fleet,) = record["fleets"]
    assert fleet["hosts"] == 10
    assert fleet["fleet_plan"]["checks"]["target_created"] is False
