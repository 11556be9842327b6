"""Count the HTTP requests of migrating one legacy profile into a new ZenML 0.20.5 server.

Run with the project's Python; the ZenML 0.20.5 environment is built on first
use (see harness.py):

    .venv/bin/python tests/oracle/count_requests.py [PROFILE_DIR]

The default profile is the largest fixture,
fixtures/real-0.13.2/many-stacks/profiles/default (50 stacks). Each
migration runs against its own new server on 127.0.0.1: first zenml-migrate's
RestStore in this process, then the real `zenml profile migrate` of ZenML
0.20.5, connected to the server as `zenml connect` would be. The real command
gets --ignore-errors by default, because without it ZenML 0.20.5 stops at the
first stack component that fails its validation (in many-stacks, after 51 of
them).

Both clients are counted the same way, from the server's uvicorn access log.
For zenml-migrate, the count of its own httpx event hook is printed beside
it. The result is one JSON document on stdout.
"""

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from oracle.harness import ServerHandle, client_config, run_zenml, start_server  # noqa: E402

from migrator.legacy import read_profile_dir  # noqa: E402
from migrator.plan import MigrationOptions, plan_migration  # noqa: E402
from migrator.stores.rest import RestStore  # noqa: E402

DEFAULT_PROFILE = ROOT / "fixtures" / "real-0.13.2" / "many-stacks" / "profiles" / "default"
# One uvicorn access log line, such as:
# INFO:     127.0.0.1:35718 - "POST /api/v1/projects/<id>/components HTTP/1.1" 200 OK
ACCESS_LINE = re.compile(r'^INFO:\s+\S+ - "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3})', re.MULTILINE)


def access_lines(server: ServerHandle, start: int) -> list[re.Match[str]]:
    """Return the access log lines the server wrote after character offset `start` of its log."""
    return list(ACCESS_LINE.finditer(server.log_text()[start:]))


def summarize(lines: list[re.Match[str]]) -> dict:
    methods = Counter(line["method"] for line in lines)
    endpoints = Counter(f"{line['method']} {_endpoint(line['path'])}" for line in lines)
    writes = sum(1 for line in lines if line["method"] in ("POST", "PUT", "DELETE") and line["path"] != "/api/v1/login")
    return {
        "requests": len(lines),
        "write_requests": writes,
        "by_method": dict(sorted(methods.items())),
        "by_endpoint": dict(endpoints.most_common()),
        "statuses": dict(sorted(Counter(line["status"] for line in lines).items())),
    }


def _endpoint(path: str) -> str:
    """Replace ids and the query string of a request path with placeholders."""
    path = path.split("?", 1)[0]
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}", path)


def count_ours(profile_dir: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="count-ours-") as scratch, start_server(scratch) as server:
        start = len(server.log_text())
        began = time.monotonic()
        store = RestStore(server.url, username=server.username, password=server.password)
        try:
            snapshot = store.snapshot()
            plan = plan_migration(read_profile_dir(profile_dir), MigrationOptions(), snapshot)
            outcome = store.apply(plan, snapshot)
        finally:
            store.close()
        seconds = time.monotonic() - began
        time.sleep(0.5)  # let uvicorn flush its last access lines
        summary = summarize(access_lines(server, start))
        summary.update(
            seconds=round(seconds, 1),
            applied=outcome.applied,
            client_request_count=store.request_count,
            client_write_request_count=store.write_request_count,
            planned_writes=sum(1 for action in plan.actions if action.writes),
        )
        return summary


def count_real(profile_dir: Path, flags: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="count-real-") as scratch, start_server(Path(scratch) / "server") as server:
        config_dir = client_config(server, Path(scratch) / "client")
        start = len(server.log_text())
        began = time.monotonic()
        process = run_zenml(config_dir, "profile", "migrate", *flags, str(profile_dir.resolve()))
        seconds = time.monotonic() - began
        time.sleep(0.5)
        summary = summarize(access_lines(server, start))
        summary.update(seconds=round(seconds, 1), flags=flags, exit_code=process.returncode)
        if process.returncode != 0:
            summary["stderr_tail"] = process.stderr.splitlines()[-5:]
        shutil.rmtree(config_dir, ignore_errors=True)
        return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile_dir", nargs="?", type=Path, default=DEFAULT_PROFILE, help="legacy ZenML 0.13 profile dir")
    parser.add_argument(
        "--real-flags",
        default="--ignore-errors",
        help="flags for the real `zenml profile migrate`, separated by spaces (default: --ignore-errors)",
    )
    args = parser.parse_args()
    result = {
        "profile": str(args.profile_dir.resolve().relative_to(ROOT) if args.profile_dir.resolve().is_relative_to(ROOT) else args.profile_dir),
        "zenml_migrate": count_ours(args.profile_dir),
        "zenml_0.20.5": count_real(args.profile_dir, args.real_flags.split()),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
