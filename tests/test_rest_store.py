"""The REST store against a real ZenML 0.20.5 server on 127.0.0.1.

One server runs for the whole module. Each test migrates into a project of its
own (only the largest fixture goes into the server's `default` project), so the
tests do not see each other's entities. What the server contains is read back
with the real ZenML 0.20.5 client over REST and compared with a local SQLite
migration of the same profiles, read by ZenML 0.20.5 too.
"""

import logging
import re
import socket
from collections import Counter
from pathlib import Path

import httpx
import pytest
from conftest import EXPECTED_ERRORS, FIXTURES, LOCAL_PROFILES
from oracle.harness import ServerHandle, read_store, read_store_over_rest, start_server

from migrator.errors import ApplyError, StoreUnavailable, UsageError
from migrator.legacy import LegacyProfile, read_profile_dir, read_profiles
from migrator.plan import EntityKind, MigrationOptions, Operation, Plan, plan_migration, simulate_apply
from migrator.stores import SqlStore
from migrator.stores.rest import RestStore

pytestmark = pytest.mark.oracle

PRODUCTION = FIXTURES / "multi-stack" / "profiles" / "production"
MANY_STACKS = FIXTURES / "many-stacks" / "profiles" / "default"


@pytest.fixture(scope="module")
def server(oracle_python_path, tmp_path_factory: pytest.TempPathFactory):
    with start_server(tmp_path_factory.mktemp("zenml-server")) as handle:
        yield handle


def rest_store(server: ServerHandle, project: str = "default", **kwargs) -> RestStore:
    kwargs.setdefault("backoff_seconds", 0)
    return RestStore(server.url, username=server.username, password=server.password, active_project=project, **kwargs)


def case_profiles(case: str) -> list[LegacyProfile]:
    return [profile for profile in read_profiles(FIXTURES / case).profiles if profile.name in LOCAL_PROFILES[case]]


def options_for(case: str, profile: LegacyProfile, project: str | None) -> MigrationOptions:
    return MigrationOptions(project=project, ignore_errors=bool(EXPECTED_ERRORS.get((case, profile.name))))


def migrate(store: RestStore | SqlStore, profile: LegacyProfile, options: MigrationOptions) -> Plan:
    snapshot = store.snapshot()
    plan = plan_migration(profile, options, snapshot)
    outcome = store.apply(plan, snapshot)
    assert outcome.applied, outcome.message
    return plan


def project_view(document: dict, project: str) -> dict:
    """Return the flavors, stack components and stacks of one project in a stable read_store document."""
    view = {section: [r for r in document[section] if r["project"] == project] for section in ("flavors", "components", "stacks")}
    view["projects"] = [p for p in document["projects"] if p["name"] == project]
    for flavor in view["flavors"]:
        # ZenML 0.20.5 servers store a null flavor integration as "", while SQL stores keep NULL.
        flavor["integration"] = flavor["integration"] or None
    return view


def write_counting_transport(allowed_writes: int, failure: type[httpx.TransportError] = httpx.ConnectError):
    """Return a transport that forwards requests until `allowed_writes` POST/PUT requests went through, then fails."""

    class Transport(httpx.HTTPTransport):
        writes = 0
        failing = False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            is_write = request.method in ("POST", "PUT") and not request.url.path.endswith("/login")
            if self.failing or (is_write and self.writes >= allowed_writes):
                self.failing = True
                raise failure("injected: connection lost", request=request)
            if is_write:
                self.writes += 1
            return super().handle_request(request)

    return Transport()


def names_are_unique(document: dict, project: str) -> None:
    components = Counter((c["type"], c["name"]) for c in document["components"] if c["project"] == project)
    stacks = Counter(s["name"] for s in document["stacks"] if s["project"] == project)
    assert [key for key, count in components.items() if count > 1] == []
    assert [key for key, count in stacks.items() if count > 1] == []


# -- migrations compared with SQLite -----------------------------------------


@pytest.mark.parametrize("case", sorted(LOCAL_PROFILES))
def test_server_matches_sqlite_migration(server: ServerHandle, tmp_path: Path, case: str) -> None:
    project = f"rest-{case}"
    for profile in case_profiles(case):
        store = rest_store(server, project)
        plan = migrate(store, profile, options_for(case, profile, project))
        store.close()
        errors = {a.legacy_name for a in plan.actions if a.operation is Operation.ERROR}
        assert errors == EXPECTED_ERRORS.get((case, profile.name), set())

    db = tmp_path / "zenml.db"
    sql_store = SqlStore(f"sqlite:///{db}")
    for profile in case_profiles(case):
        migrate(sql_store, profile, options_for(case, profile, project))
    sql_store.close()

    over_rest = project_view(read_store_over_rest(server), project)
    local = project_view(read_store(f"sqlite:///{db}"), project)
    assert over_rest["stacks"] == local["stacks"]
    assert over_rest["components"] == local["components"]
    assert over_rest["flavors"] == local["flavors"]
    assert over_rest["projects"] == local["projects"]
    names_are_unique(read_store_over_rest(server), project)


@pytest.mark.parametrize("case", sorted(LOCAL_PROFILES))
def test_rerun_is_unchanged_without_writes(server: ServerHandle, case: str) -> None:
    project = f"rerun-{case}"
    for profile in case_profiles(case):
        store = rest_store(server, project)
        migrate(store, profile, options_for(case, profile, project))
        store.close()
    for profile in case_profiles(case):
        store = rest_store(server, project)
        plan = migrate(store, profile, options_for(case, profile, project))
        store.close()
        expected = {"unchanged", "error"} if EXPECTED_ERRORS.get((case, profile.name)) else {"unchanged"}
        assert {a.operation.value for a in plan.actions} == expected
        assert store.write_request_count == 0
        # Login, server info, current user and the 4 lists of the snapshot.
        assert store.request_count == 7


def test_largest_fixture_into_default_project(server: ServerHandle, tmp_path: Path) -> None:
    profile = read_profile_dir(MANY_STACKS)
    store = rest_store(server)
    plan = migrate(store, profile, MigrationOptions())
    store.close()
    writes = sum(1 for action in plan.actions if action.writes)
    assert sum(1 for a in plan.actions if a.kind is EntityKind.STACK and a.writes) == 50
    assert store.write_request_count == writes
    # Login, server info, current user, 4 lists for the snapshot, 4 lists to re-read it, one request per write.
    assert store.request_count == 3 + 4 + 4 + writes

    db = tmp_path / "zenml.db"
    sql_store = SqlStore(f"sqlite:///{db}")
    migrate(sql_store, profile, MigrationOptions())
    sql_store.close()
    over_rest = project_view(read_store_over_rest(server), "default")
    local = project_view(read_store(f"sqlite:///{db}"), "default")
    assert over_rest["stacks"] == local["stacks"]
    assert over_rest["components"] == local["components"]


# -- interrupted and retried writes ------------------------------------------


@pytest.mark.parametrize("allowed_writes", [0, 1, 20, 35])
def test_interrupted_apply_completes_on_rerun(server: ServerHandle, allowed_writes: int) -> None:
    project = f"interrupted-{allowed_writes}"
    options = MigrationOptions(project=project)
    profile = read_profile_dir(PRODUCTION)
    transport = write_counting_transport(allowed_writes)
    store = rest_store(server, project, transport=transport, max_attempts=2)
    snapshot = store.snapshot()
    plan = plan_migration(profile, options, snapshot)
    planned_writes = sum(1 for action in plan.actions if action.writes)
    assert planned_writes == 36
    with pytest.raises(StoreUnavailable) as raised:
        store.apply(plan, snapshot)
    store.close()
    assert transport.writes == allowed_writes
    if allowed_writes:
        assert f"{allowed_writes} of {planned_writes} writes were made" in str(raised.value)
        assert "run the command again" in str(raised.value)
    else:
        assert "Nothing was written" in str(raised.value)

    store = rest_store(server, project)
    plan = migrate(store, profile, options)
    store.close()
    assert sum(1 for action in plan.actions if action.writes) == planned_writes - allowed_writes
    assert store.write_request_count == planned_writes - allowed_writes

    stored = read_store_over_rest(server)
    names_are_unique(stored, project)
    migrated_stacks = {a.name for a in plan.actions if a.kind is EntityKind.STACK}
    assert migrated_stacks <= {s["name"] for s in stored["stacks"] if s["project"] == project}

    store = rest_store(server, project)
    again = migrate(store, profile, options)
    store.close()
    assert {a.operation.value for a in again.actions} == {"unchanged"}


def test_lost_response_to_create_is_not_duplicated(server: ServerHandle) -> None:
    """A POST that the server carried out but whose response was lost is retried, and its 409 resolved."""
    project = "lost-response"

    class LoseOneResponse(httpx.HTTPTransport):
        writes = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.method == "POST" and "/components" in request.url.path:
                self.writes += 1
                if self.writes == 3:
                    response.read()
                    raise httpx.ReadTimeout("injected: response lost", request=request)
            return response

    store = rest_store(server, project, transport=LoseOneResponse())
    plan = migrate(store, read_profile_dir(PRODUCTION), MigrationOptions(project=project))
    store.close()
    created = [a.key for a in plan.actions if a.operation is Operation.CREATE]
    assert store.write_request_count == len(created) + 1
    names_are_unique(read_store_over_rest(server), project)

    store = rest_store(server, project)
    again = migrate(store, read_profile_dir(PRODUCTION), MigrationOptions(project=project))
    store.close()
    assert {a.operation.value for a in again.actions} == {"unchanged"}


def test_server_errors_are_retried(server: ServerHandle) -> None:
    class FailTwice(httpx.HTTPTransport):
        failures = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/v1/projects" and self.failures < 2:
                self.failures += 1
                return httpx.Response(503, json={"detail": "injected: unavailable"}, request=request)
            return super().handle_request(request)

    store = rest_store(server, transport=FailTwice())
    snapshot = store.snapshot()
    store.close()
    assert [p.name for p in snapshot.projects if p.name == "default"] == ["default"]
    # Login, info, current user, projects three times, flavors, components, stacks.
    assert store.request_count == 9


def test_persistent_server_error_is_unavailable(server: ServerHandle) -> None:
    class AlwaysFail(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(502, text="Bad Gateway", request=request)

    store = rest_store(server, transport=AlwaysFail(), max_attempts=3)
    with pytest.raises(StoreUnavailable, match="returned HTTP 502 for POST /api/v1/login 3 times"):
        store.snapshot()
    store.close()
    assert store.request_count == 3


def test_connection_refused_names_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = RestStore(f"http://127.0.0.1:{port}", username="default", password="", max_attempts=2, backoff_seconds=0)
    with pytest.raises(StoreUnavailable, match=re.escape(f"Cannot connect to the ZenML server at http://127.0.0.1:{port}")):
        store.snapshot()
    store.close()
    assert store.request_count == 2


# -- credentials and secrets -------------------------------------------------


def test_wrong_password_is_rejected(server: ServerHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    password = "wrong-password-4711"
    store = RestStore(server.url, username=server.username, password=password)
    with pytest.raises(StoreUnavailable, match="credentials were rejected") as raised:
        store.snapshot()
    store.close()
    assert password not in str(raised.value)
    assert password not in repr(store)
    assert password not in caplog.text
    assert store.request_count == 1


def test_token_never_logged(server: ServerHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    project = "token-check"
    store = rest_store(server, project)
    migrate(store, read_profile_dir(PRODUCTION), MigrationOptions(project=project))
    token = store._token
    store.close()
    assert token
    assert token not in caplog.text
    assert token not in repr(store)
    assert "Authorization" not in caplog.text


def test_other_user_than_login_is_rejected(server: ServerHandle) -> None:
    store = rest_store(server, active_user="alice")
    with pytest.raises(UsageError, match="log in as 'alice'"):
        store.snapshot()
    store.close()


# -- plans the server must not apply ------------------------------------------


def test_store_changed_after_planning(server: ServerHandle) -> None:
    project = "changed"
    store = rest_store(server, project)
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(project=project), snapshot)

    other = rest_store(server, project)
    migrate(other, read_profile_dir(FIXTURES / "multi-profile" / "profiles" / "prod"), MigrationOptions(project=project))
    other.close()

    requests_before = store.request_count
    with pytest.raises(ApplyError, match="changed after the plan was made; nothing was written"):
        store.apply(plan, snapshot)
    store.close()
    assert store.write_request_count == 0
    assert store.request_count - requests_before == 4


def test_plans_for_two_projects_apply_to_one_store(server: ServerHandle) -> None:
    """The snapshot covers every project, so one store applies plans for several, as a fleet with per-host projects does."""
    store = rest_store(server, "default")
    snapshot = store.snapshot()
    for project in ("two-a", "two-b"):
        plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(project=project), snapshot)
        outcome = store.apply(plan, snapshot)
        assert outcome.applied, outcome.message
        snapshot = simulate_apply(plan, snapshot, outcome.ids)
    again = rest_store(server, "two-b")
    plan = plan_migration(read_profile_dir(PRODUCTION), MigrationOptions(project="two-b"), again.snapshot())
    again.close()
    store.close()
    assert {a.operation for a in plan.actions} == {Operation.UNCHANGED}
    stored = read_store_over_rest(server)
    assert project_view(stored, "two-a")["stacks"]
    assert len(project_view(stored, "two-a")["stacks"]) == len(project_view(stored, "two-b")["stacks"])


def test_overwrite_updates_component_and_stack(server: ServerHandle, legacy_copy) -> None:
    project = "overwrite"
    root = legacy_copy("multi-stack") / "profiles" / "production"
    store = rest_store(server, project)
    migrate(store, read_profile_dir(root), MigrationOptions(project=project))
    store.close()

    (root / "artifact_stores" / "s3_artifacts.yaml").write_text(
        "name: s3_artifacts\npath: s3://moved\nuuid: 62bc37d0-0c5e-41f1-bc45-25763f248f59\n"
    )
    stacks_file = root / "stacks.yaml"
    head, stacks = stacks_file.read_text().split("\nstacks:\n", 1)
    stacks = stacks.replace("aws_dev:\n    artifact_store: s3_artifacts\n    container_registry: ecr", "aws_dev:\n    artifact_store: s3_artifacts\n    container_registry: ghcr", 1)
    stacks_file.write_text(head + "\nstacks:\n" + stacks)

    store = rest_store(server, project)
    plan = migrate(store, read_profile_dir(root), MigrationOptions(project=project, overwrite=True))
    store.close()
    updates = {a.name: a for a in plan.actions if a.operation is Operation.UPDATE}
    assert sorted(updates) == ["aws_dev", "s3_artifacts"]
    assert updates["s3_artifacts"].configuration["path"] == "s3://moved"
    assert store.write_request_count == 2

    stored = read_store_over_rest(server)
    component = next(c for c in stored["components"] if c["project"] == project and c["name"] == "s3_artifacts")
    assert component["configuration"] == updates["s3_artifacts"].configuration
    stack = next(s for s in stored["stacks"] if s["project"] == project and s["name"] == "aws_dev")
    assert stack["components"]["container_registry"] == "ghcr"


def test_flavor_change_of_component_is_rejected(server: ServerHandle, legacy_copy) -> None:
    project = "flavor-change"
    root = legacy_copy("multi-stack") / "profiles" / "production"
    store = rest_store(server, project)
    migrate(store, read_profile_dir(root), MigrationOptions(project=project))
    store.close()
    (root / "artifact_stores" / "s3_artifacts.yaml").write_text(
        "name: s3_artifacts\npath: s3://moved\nuuid: 62bc37d0-0c5e-41f1-bc45-25763f248f59\n"
    )
    store = rest_store(server, project)
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(root), MigrationOptions(project=project, overwrite=True), snapshot)
    actions = tuple(a.model_copy(update={"flavor": "gcp"}) if a.operation is Operation.UPDATE else a for a in plan.actions)
    plan = plan.model_copy(update={"actions": actions})
    with pytest.raises(ApplyError, match="Cannot change the flavor of stack component 's3_artifacts'"):
        store.apply(plan, snapshot)
    store.close()
    assert store.write_request_count == 0


def test_flavor_update_is_rejected(server: ServerHandle, legacy_copy) -> None:
    project = "flavor-update"
    root = legacy_copy("custom-flavor") / "profiles" / "custom"
    store = rest_store(server, project)
    migrate(store, read_profile_dir(root), MigrationOptions(project=project))
    store.close()
    stacks_file = root / "stacks.yaml"
    stacks_file.write_text(stacks_file.read_text().replace("my_pkg.flavors.MyOrchestratorFlavor", "my_pkg.v2.MyOrchestratorFlavor"))
    store = rest_store(server, project)
    snapshot = store.snapshot()
    plan = plan_migration(read_profile_dir(root), MigrationOptions(project=project, overwrite=True), snapshot)
    assert [a.name for a in plan.actions if a.operation is Operation.UPDATE] == ["my_orchestrator"]
    with pytest.raises(ApplyError, match="Cannot update flavor 'my_orchestrator'"):
        store.apply(plan, snapshot)
    store.close()
    assert store.write_request_count == 0


def test_plan_with_errors_is_not_applied(server: ServerHandle) -> None:
    project = "with-errors"
    profile = next(p for p in read_profiles(FIXTURES / "odd-names").profiles if p.name == "default")
    store = rest_store(server, project)
    snapshot = store.snapshot()
    plan = plan_migration(profile, MigrationOptions(project=project), snapshot)
    assert plan.has_errors
    outcome = store.apply(plan, snapshot)
    store.close()
    assert not outcome.applied
    assert store.write_request_count == 0


def test_url_with_credentials_is_rejected() -> None:
    with pytest.raises(UsageError, match="contains a username or password") as raised:
        RestStore("http://default:hunter2@127.0.0.1:8237", username="default", password="")
    assert "hunter2" not in str(raised.value)
