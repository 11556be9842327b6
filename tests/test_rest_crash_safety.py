"""SIGKILL of `profile migrate --store http://...` in the middle of its writes to a real ZenML 0.20.5 server.

A REST apply cannot be rolled back: every entity is its own request. What
must hold is that running the same command again completes the migration,
with no entity created twice and the same result as an uninterrupted run.

Two ways of killing are used. ZENML_MIGRATE_TEST_KILL_AT makes the client
SIGKILL itself right before its Nth write request, or right after the Nth
response arrived and before the client recorded the id the server assigned.
The timed kills send SIGKILL from outside once the server contains a number of
the new stack components, which can hit the client in the middle of a request.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from fixtures_builders import ROOT, run_cli_forked
from oracle.harness import ServerHandle, read_store_over_rest, start_server

from migrator.legacy import read_profile_dir
from migrator.stores.kill_switch import KILL_VARIABLE
from migrator.stores.rest import RestStore

pytestmark = pytest.mark.oracle

PRODUCTION = FIXTURES / "multi-stack" / "profiles" / "production"
MANY_STACKS = FIXTURES / "many-stacks" / "profiles" / "default"
SIGKILLED = -signal.SIGKILL
# The 36 writes of PRODUCTION into a new project: 1 project, 2 default stack
# components, the default stack, then flavors, stack components and stacks.
# Point 4 kills between the last default stack component and the default stack.
KILL_POINTS = ["1", "2", "after-2", "4", "after-4", "5", "12", "after-20", "30", "36", "after-36"]
TIMED_KILL_THRESHOLDS = [3, 25, 50]


@pytest.fixture(scope="module")
def server(oracle_python_path, tmp_path_factory: pytest.TempPathFactory):
    with start_server(tmp_path_factory.mktemp("zenml-server")) as handle:
        yield handle


def credentials(server: ServerHandle, tmp_path: Path) -> dict[str, str]:
    return {
        "ZENML_STORE_USERNAME": server.username,
        "ZENML_STORE_PASSWORD": server.password,
        "ZENML_CONFIG_PATH": str(tmp_path / "zenml-config"),
    }


def migrate_args(server: ServerHandle, source: Path, project: str) -> list[str]:
    return ["profile", "migrate", str(source), "--store", server.url, "--project", project]


def operations(output: str) -> set[str]:
    report = json.loads(output[output.index("{") :])
    return {action["operation"] for profile in report["profiles"] for action in profile["actions"]}


def complete_and_check(server: ServerHandle, source: Path, project: str, tmp_path: Path) -> None:
    """Run the migration again, then once more: that last run must find it complete and write nothing."""
    environment = credentials(server, tmp_path)
    rerun = run_cli_forked(*migrate_args(server, source, project), env=environment, output=tmp_path / f"{project}-rerun.txt")
    assert rerun.exit_code == 0, rerun.output
    again = run_cli_forked(*migrate_args(server, source, project), "--json", env=environment, output=tmp_path / f"{project}-again.txt")
    assert again.exit_code == 0, again.output
    assert operations(again.output) == {"unchanged"}


def project_contents(document: dict, project: str) -> dict[str, list]:
    """Return the flavors, stack components and stacks of one project, without the project's name."""
    contents = {}
    for section in ("flavors", "components", "stacks"):
        rows = [{key: value for key, value in row.items() if key != "project"} for row in document[section] if row["project"] == project]
        contents[section] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
    return contents


def test_kill_between_writes_then_rerun(server: ServerHandle, tmp_path: Path) -> None:
    environment = credentials(server, tmp_path)
    reference = run_cli_forked(*migrate_args(server, PRODUCTION, "kill-reference"), env=environment, output=tmp_path / "reference.txt")
    assert reference.exit_code == 0, reference.output

    for point in KILL_POINTS:
        project = f"kill-{point}"
        killed = run_cli_forked(
            *migrate_args(server, PRODUCTION, project), env={**environment, KILL_VARIABLE: point}, output=tmp_path / f"{project}.txt"
        )
        assert killed.exit_code == SIGKILLED, f"{point}: {killed.output}"
        complete_and_check(server, PRODUCTION, project, tmp_path)

    stored = read_store_over_rest(server)
    expected = project_contents(stored, "kill-reference")
    # The legacy default stack is not copied over the default stack of the new project.
    assert {stack["name"] for stack in expected["stacks"]} == {stack.name for stack in read_profile_dir(PRODUCTION).stacks} | {"default"}
    for point in KILL_POINTS:
        assert project_contents(stored, f"kill-{point}") == expected, point


def entities_on_server(server: ServerHandle, project: str) -> tuple[int, int]:
    """Return how many stack components and stacks the project has on the server."""
    store = RestStore(server.url, username=server.username, password=server.password, active_project=project, backoff_seconds=0)
    try:
        snapshot = store.snapshot()
    finally:
        store.close()
    project_ids = {p.id for p in snapshot.projects if p.name == project}
    components = sum(1 for component in snapshot.components if component.project_id in project_ids)
    stacks = sum(1 for stack in snapshot.stacks if stack.project_id in project_ids)
    return components, stacks


def test_timed_kill_then_rerun(server: ServerHandle, tmp_path: Path) -> None:
    """Kill the client from outside once the server contains `threshold` of the project's stack components."""
    environment = {**os.environ, **credentials(server, tmp_path)}
    environment.pop(KILL_VARIABLE, None)
    reference = run_cli_forked(*migrate_args(server, MANY_STACKS, "timed-reference"), env=environment, output=tmp_path / "reference.txt")
    assert reference.exit_code == 0, reference.output
    total_components, total_stacks = entities_on_server(server, "timed-reference")
    assert total_components > max(TIMED_KILL_THRESHOLDS)

    for threshold in TIMED_KILL_THRESHOLDS:
        project = f"timed-{threshold}"
        client = subprocess.Popen(
            [sys.executable, "-m", "migrator", *migrate_args(server, MANY_STACKS, project)],
            env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while entities_on_server(server, project)[0] < threshold:
                assert client.poll() is None, f"the client ended before {threshold} components were written"
                assert time.monotonic() < deadline, f"{threshold} components were not written within 120 s"
                time.sleep(0.02)
            client.send_signal(signal.SIGKILL)
        finally:
            client.kill()
            client.wait()
        assert client.returncode == SIGKILLED
        components, stacks = entities_on_server(server, project)
        assert components >= threshold
        assert components + stacks < total_components + total_stacks  # the kill cut the apply short
        complete_and_check(server, MANY_STACKS, project, tmp_path)

    stored = read_store_over_rest(server)
    expected = project_contents(stored, "timed-reference")
    for threshold in TIMED_KILL_THRESHOLDS:
        assert project_contents(stored, f"timed-{threshold}") == expected, threshold
