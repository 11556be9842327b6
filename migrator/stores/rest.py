"""Write plans into a ZenML 0.20 server over its REST API.

`RestStore.snapshot()` logs in and reads what a plan depends on with one list
request per entity type, scoped to the store's project and, for stack
components and stacks, to the logged-in user. `RestStore.apply()` re-reads
that snapshot, refuses to write if the server changed since planning, and then
creates and updates entities one request at a time, in dependency order:
project, flavors, stack components, stacks.

A server cannot apply a plan atomically: there is no transaction across
requests. An apply that stops halfway (lost connection, server error,
interrupt) leaves the entities it already wrote on the server. Running the
same migration again completes it without duplicates, because the planner
finds those entities and marks them `unchanged`.

The facts about the server used here were checked against ZenML 0.20.5.
Ids are dashed UUIDs, converted here to the 32-hex-digit ids that `SqlStore`
uses. Stack component configurations are plain JSON objects. The server makes
the logged-in user the owner of everything it creates. Errors come as
`{"detail": [ExceptionName, message]}` or as a FastAPI validation list.
"""

import logging
import ssl
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from migrator.errors import ApplyError, StoreSchemaError, StoreUnavailable, UsageError
from migrator.plan.models import (
    Action,
    EntityKind,
    EntityRef,
    Operation,
    Plan,
    TargetComponent,
    TargetFlavor,
    TargetProject,
    TargetSnapshot,
    TargetStack,
    TargetUser,
)
from migrator.stores.kill_switch import KillSwitch
from migrator.stores.sql import ApplyOutcome, PlanScope

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
LOGIN_PATH = f"{API_PREFIX}/login"
# ZenML 0.20.5 clients wait 5 s (`http_timeout`). Writes of large stacks on a
# busy server can take longer, so the default here is more generous.
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
SUPPORTED_VERSION_PREFIX = "0.20."
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def to_hex_id(value: str) -> str:
    """Return a REST id (dashed UUID) as the 32-hex-digit id that snapshots use."""
    return uuid.UUID(str(value)).hex


def to_rest_id(value: str) -> str:
    """Return a snapshot id (32 hex digits) as the dashed UUID that the REST API expects."""
    return str(uuid.UUID(value))


class _ServerError(Exception):
    """Raised for a 5xx response, so that the retry policy can retry it."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class RestStore:
    """A ZenML 0.20 server, reached over HTTP(S) with a username and password.

    `url` is the server's root URL, such as `https://zenml.example.com`.
    The snapshot covers every project: its flavors, and the stack components
    and stacks of the logged-in user, with one list request each. So plans
    for several projects (a fleet with per-host projects) apply to one store.
    `active_project` is the project that plans target by default.

    The server makes the logged-in user the owner of everything it creates,
    so `active_user`, when given, must name that user; `None` means the
    logged-in user. TLS certificates are verified unless `verify_ssl` is
    false. Requests that time out, fail to connect or get a 5xx response are
    sent again up to `max_attempts` times in all, with exponential backoff
    starting at `backoff_seconds`. `transport` replaces httpx's network
    transport (tests use it to inject failures).

    The password and the bearer token never appear in logs or exception
    messages, and the login request is never logged with its body.
    """

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        active_project: str = "default",
        active_user: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"Invalid ZenML server URL '{_without_userinfo(url)}'. Use http(s)://HOST[:PORT].")
        if parts.username is not None or parts.password is not None:
            raise UsageError(
                f"The ZenML server URL '{_without_userinfo(url)}' contains a username or password. "
                "Remove them from the URL and pass them as the username and password instead."
            )
        if max_attempts < 1:
            raise UsageError(f"max_attempts must be at least 1, not {max_attempts}.")

        self.url = url.rstrip("/")
        self.username = username
        self._password = password
        self.verify_ssl = verify_ssl
        self.timeout = timeout
        self.active_project = active_project
        self.active_user = active_user
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.request_count = 0
        self.write_request_count = 0

        self._client = httpx.Client(
            base_url=self.url,
            verify=verify_ssl,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            event_hooks={"request": [self._count_request]},
        )
        self._token: str | None = None
        self._user: TargetUser | None = None
        self._case_insensitive: bool | None = None

    def __repr__(self) -> str:
        return f"RestStore({self.display_url!r}, username={self.username!r})"

    def __enter__(self) -> "RestStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def display_url(self) -> str:
        """The server URL without user info, query or fragment, for messages and reports."""
        return _without_userinfo(self.url)

    def close(self) -> None:
        self._client.close()

    def _count_request(self, request: httpx.Request) -> None:
        self.request_count += 1
        if request.method in _WRITE_METHODS and request.url.path != LOGIN_PATH:
            self.write_request_count += 1

    # -- sending requests ------------------------------------------------

    def _retrying(self) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=MAX_BACKOFF_SECONDS),
            retry=retry_if_exception(_is_transient),
            before_sleep=self._log_retry,
            reraise=True,
        )

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        method, path = state.args[:2] if len(state.args) >= 2 else ("?", "?")
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning(
            "%s %s to %s failed (%s); retrying in %.1f s (attempt %d of %d)",
            method,
            path,
            self.display_url,
            _describe_failure(error),
            wait,
            state.attempt_number + 1,
            self.max_attempts,
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, bool]:
        """Send one request with retries; also return whether an earlier attempt may have reached the server."""
        reached_server = False

        def attempt(method: str, path: str) -> httpx.Response:
            nonlocal reached_server
            try:
                response = self._client.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
                raise
            except httpx.TransportError:
                reached_server = True
                raise
            if response.status_code >= 500:
                reached_server = True
                raise _ServerError(response)
            log.debug("%s %s -> %d", method, path, response.status_code)
            return response

        try:
            response = self._retrying()(attempt, method, path)
        except httpx.TransportError as error:
            raise StoreUnavailable(self._transport_message(method, path, error)) from None
        except _ServerError as error:
            raise StoreUnavailable(
                f"The ZenML server at {self.display_url} returned HTTP {error.response.status_code} for "
                f"{method} {path} {self.max_attempts} times: {_detail(error.response)}. "
                "Check the server's log, then run the command again."
            ) from None
        return response, reached_server

    def _transport_message(self, method: str, path: str, error: httpx.TransportError) -> str:
        if _is_tls_failure(error):
            return (
                f"TLS verification of the ZenML server at {self.display_url} failed: {error}. "
                "Install the server's CA certificate, or turn off verification only for a server you trust."
            )
        if isinstance(error, httpx.ConnectError):
            return (
                f"Cannot connect to the ZenML server at {self.display_url} ({error}) after {self.max_attempts} attempts. "
                "Check the URL and that the server is running."
            )
        if isinstance(error, httpx.TimeoutException):
            return (
                f"The ZenML server at {self.display_url} did not answer {method} {path} within {self.timeout:g} s, "
                f"{self.max_attempts} attempts in a row."
            )
        return f"{method} {path} to the ZenML server at {self.display_url} failed {self.max_attempts} times: {_describe_failure(error)}."

    def _request(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, bool]:
        """Send an authenticated request; log in first, and once more if the token is rejected."""
        self._log_in_once()
        response, reached_server = self._send(method, path, headers=self._auth_headers(), **kwargs)
        if response.status_code == 401:
            log.info("The ZenML server at %s rejected the session token; logging in again", self.display_url)
            self._token = None
            self._log_in_once()
            response, again = self._send(method, path, headers=self._auth_headers(), **kwargs)
            reached_server = reached_server or again
            if response.status_code == 401:
                raise StoreUnavailable(
                    f"The ZenML server at {self.display_url} rejected the credentials of user '{self.username}' "
                    f"for {method} {path}: {_detail(response)}."
                )
        return response, reached_server

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _log_in_once(self) -> None:
        if self._token is not None:
            return
        response, _ = self._send("POST", LOGIN_PATH, data={"username": self.username, "password": self._password})
        if response.status_code == 401:
            raise StoreUnavailable(
                f"Logging in to the ZenML server at {self.display_url} failed: the credentials were rejected "
                f"for user '{self.username}' ({_detail(response)}). Check the username and password."
            )
        if response.status_code == 404:
            raise StoreSchemaError(
                f"{self.display_url} does not serve the ZenML REST API ({LOGIN_PATH} was not found). "
                "Check the URL of the ZenML 0.20 server."
            )
        token = _json_or_none(response)
        if response.status_code != 200 or not isinstance(token, dict) or not token.get("access_token"):
            raise StoreUnavailable(
                f"Logging in to the ZenML server at {self.display_url} failed with HTTP {response.status_code}: "
                f"{_detail(response)}."
            )
        self._token = str(token["access_token"])
        log.info("Logged in to the ZenML server at %s as %s", self.display_url, self.username)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response, _ = self._request("GET", path, params=params)
        if response.status_code != 200:
            raise StoreUnavailable(
                f"The ZenML server at {self.display_url} returned HTTP {response.status_code} for GET {path}: "
                f"{_detail(response)}."
            )
        body = _json_or_none(response)
        if body is None:
            raise StoreSchemaError(f"The ZenML server at {self.display_url} returned a body that is not JSON for GET {path}.")
        return body

    # -- reading ---------------------------------------------------------

    def _read_server(self) -> None:
        """Read the server version, database type and logged-in user, once per store."""
        if self._user is not None:
            return
        info = self._get(f"{API_PREFIX}/info")
        version = str(info.get("version", "")) if isinstance(info, dict) else ""
        if not version.startswith(SUPPORTED_VERSION_PREFIX):
            raise StoreSchemaError(
                f"The ZenML server at {self.display_url} runs ZenML {version or 'of an unknown version'}; "
                "zenml-migrate writes only to ZenML 0.20 servers."
            )
        self._case_insensitive = info.get("database_type") == "mysql"
        current = self._get(f"{API_PREFIX}/current-user")
        user = TargetUser(id=to_hex_id(current["id"]), name=current["name"])
        if self.active_user is not None and self._fold(self.active_user) != self._fold(user.name):
            raise UsageError(
                f"Logged in to {self.display_url} as '{user.name}', but the migration should be owned by "
                f"'{self.active_user}'. The server makes the logged-in user the owner of everything it creates: "
                f"log in as '{self.active_user}', or leave out the user."
            )
        self._user = user

    def _fold(self, name: str) -> str:
        return name.casefold() if self._case_insensitive else name

    def snapshot(self) -> TargetSnapshot:
        """Read the projects, the logged-in user, the flavors, and the user's stack components and stacks."""
        self._read_server()
        assert self._user is not None
        projects = tuple(
            TargetProject(id=to_hex_id(item["id"]), name=item["name"], description=item.get("description") or "")
            for item in self._get(f"{API_PREFIX}/projects")
        )
        flavors: tuple[TargetFlavor, ...] = ()
        components: tuple[TargetComponent, ...] = ()
        stacks: tuple[TargetStack, ...] = ()
        if projects:
            owned = {"user_name_or_id": to_rest_id(self._user.id), "hydrated": False}
            flavors = tuple(_flavor(item) for item in self._get(f"{API_PREFIX}/flavors", {"hydrated": False}))
            components = tuple(_component(item) for item in self._get(f"{API_PREFIX}/components", owned))
            stacks = tuple(_stack(item) for item in self._get(f"{API_PREFIX}/stacks", owned))
        return _sorted(
            TargetSnapshot(
                initialized=True,
                active_project=self.active_project,
                active_user=self._user.name,
                names_case_insensitive=bool(self._case_insensitive),
                projects=projects,
                users=(self._user,),
                flavors=flavors,
                components=components,
                stacks=stacks,
            )
        )

    # -- writing ---------------------------------------------------------

    def apply(self, plan: Plan, expected: TargetSnapshot) -> ApplyOutcome:
        """Create and update the entities of `plan` on the server, one request each.

        `expected` is the snapshot the plan was made from. Nothing is written
        when the server no longer matches it (`ApplyError`), when the plan
        creates a user, targets another project or requests an update that the
        server cannot make. A plan with errors is applied only with
        --ignore-errors, and then its error actions are left out.

        Raises `ApplyError` when the server rejects a write and
        `StoreUnavailable` when it cannot be reached. Entities written before
        the failure stay on the server; running the migration again completes
        it, because the new plan marks them `unchanged`.
        """
        if plan.has_errors and not plan.options.ignore_errors:
            return ApplyOutcome(applied=False, message="not applied: the plan has errors")
        if not plan.writes:
            return ApplyOutcome(applied=True, message="nothing to write")
        self._check_plan(plan, expected)
        current = self.snapshot()
        scope = PlanScope.of(plan, expected)
        if scope.filter(current) != scope.filter(expected):
            raise ApplyError(
                f"The ZenML server at {self.display_url} changed after the plan was made; nothing was written. "
                "Run the command again to plan against its new state."
            )
        writer = _PlanWriter(self, plan)
        writer.write()
        log.info("Applied profile %s to %s: %d write requests", plan.profile, self.display_url, writer.writes)
        return ApplyOutcome(applied=True, ids=writer.ids, rows_written=writer.writes, message="applied")

    def _check_plan(self, plan: Plan, expected: TargetSnapshot) -> None:
        """Reject, before any write, a plan that this server cannot apply as planned."""
        self._read_server()
        assert self._user is not None
        stored_components = {component.id: component for component in expected.components}
        for action in plan.actions:
            if not action.writes:
                continue
            if action.kind is EntityKind.USER:
                raise ApplyError(
                    f"The plan creates user '{action.name}', but users are never created on a ZenML server: it "
                    "already has them. Nothing was written. Plan against a snapshot of this server."
                )
            if action.user is not None and action.user.id != self._user.id:
                raise ApplyError(
                    f"The plan makes another user than '{self._user.name}' the owner of {_describe(action)}, "
                    f"but the server makes the logged-in user the owner. Nothing was written."
                )
            if action.operation is Operation.UPDATE and action.kind is EntityKind.FLAVOR:
                raise ApplyError(
                    f"Cannot update {_describe(action)} on the ZenML server at {self.display_url}: ZenML 0.20.5 servers "
                    "return HTTP 500 for PUT /api/v1/flavors/{id} and keep the flavor as it was. Nothing was written. "
                    "Delete the flavor with ZenML 0.20 and run again, or migrate under new names with --prefix."
                )
            stored = stored_components.get(action.target_id or "")
            if action.operation is Operation.UPDATE and stored is not None and stored.flavor != action.flavor:
                raise ApplyError(
                    f"Cannot change the flavor of {_describe(action)} from '{stored.flavor}' to '{action.flavor}' on "
                    f"the ZenML server at {self.display_url}: ZenML 0.20 servers ignore the flavor in "
                    "PUT /api/v1/components/{id}. Nothing was written. Migrate under new names with --prefix, "
                    "or delete the stack component with ZenML 0.20 and run again."
                )


class _PlanWriter:
    """Sends the creates and updates of a plan, and maps the ids the server assigns to plan keys."""

    def __init__(self, store: RestStore, plan: Plan) -> None:
        self.store = store
        self.plan = plan
        self.ids: dict[str, str] = {}
        self.writes = 0
        self.total = sum(1 for action in plan.actions if action.writes)
        self.kill_switch = KillSwitch.from_environment()

    def resolve(self, ref: EntityRef | None) -> str:
        if ref is None:
            raise ApplyError("The plan has an action without its project or stack component; it is invalid.")
        if ref.id is not None:
            return ref.id
        return self.ids[ref.key or ""]

    def write(self) -> None:
        creates: dict[EntityKind, list[Action]] = {kind: [] for kind in EntityKind}
        updates: list[Action] = []
        for action in self.plan.actions:
            if action.operation is Operation.CREATE:
                creates[action.kind].append(action)
            elif action.operation is Operation.UPDATE:
                updates.append(action)

        for action in creates[EntityKind.PROJECT]:
            self._create_project(action)
        # The default stack is written right after its components. The planner
        # plans it again while one of them is missing or no stack uses them, so
        # an apply cut off anywhere around them gets it on the next run.
        default_stacks = [action for action in creates[EntityKind.STACK] if action.legacy_name is None]
        default_keys = {ref.key for action in default_stacks for ref in (action.components or {}).values()}
        first = [action for action in creates[EntityKind.STACK_COMPONENT] if action.key in default_keys]
        for action in first:
            self._create_component(action)
        for action in default_stacks:
            self._create_stack(action)
        for action in creates[EntityKind.FLAVOR]:
            self._create_flavor(action)
        for action in creates[EntityKind.STACK_COMPONENT]:
            if action.key not in default_keys:
                self._create_component(action)
        for action in updates:
            if action.kind is EntityKind.STACK_COMPONENT:
                self._update_component(action)
        for action in creates[EntityKind.STACK]:
            if action.legacy_name is not None:
                self._create_stack(action)
        for action in updates:
            if action.kind is EntityKind.STACK:
                self._update_stack(action)

    # -- one method per request ------------------------------------------

    def _create_project(self, action: Action) -> None:
        body = {"name": action.name, "description": action.description or ""}
        self._create(action, f"{API_PREFIX}/projects", body, lambda: self._find_project(action.name))

    def _create_flavor(self, action: Action) -> None:
        project_id = to_rest_id(self.resolve(action.project))
        body = {
            "name": action.name,
            "type": action.component_type,
            "source": action.source,
            "integration": action.integration,
            "config_schema": action.config_schema,
            # The server replaces both with the URL's project and the logged-in user, but requires them.
            "user": to_rest_id(self.resolve(action.user)),
            "project": project_id,
        }
        params = {"project_name_or_id": project_id, "component_type": action.component_type, "name": action.name}
        self._create(
            action,
            f"{API_PREFIX}/projects/{project_id}/flavors",
            body,
            lambda: self._find_one(f"{API_PREFIX}/flavors", {**params, "user_name_or_id": self._user_id()}),
        )

    def _create_component(self, action: Action) -> None:
        project_id = to_rest_id(self.resolve(action.project))
        body = {
            "name": action.name,
            "type": action.component_type,
            "flavor": action.flavor,
            "configuration": action.configuration or {},
            "is_shared": False,
        }
        params = {
            "project_name_or_id": project_id,
            "user_name_or_id": self._user_id(),
            "type": action.component_type,
            "name": action.name,
            "is_shared": False,
        }
        self._create(
            action,
            f"{API_PREFIX}/projects/{project_id}/components",
            body,
            lambda: self._find_one(f"{API_PREFIX}/components", params),
        )

    def _create_stack(self, action: Action) -> None:
        project_id = to_rest_id(self.resolve(action.project))
        body = {"name": action.name, "description": "", "components": self._stack_components(action), "is_shared": False}
        params = {"project_name_or_id": project_id, "user_name_or_id": self._user_id(), "name": action.name, "is_shared": False}
        self._create(
            action,
            f"{API_PREFIX}/projects/{project_id}/stacks",
            body,
            lambda: self._find_one(f"{API_PREFIX}/stacks", params),
        )

    def _update_component(self, action: Action) -> None:
        body = {"name": action.name, "configuration": action.configuration or {}, "is_shared": False}
        stored = self._update(action, f"{API_PREFIX}/components/{to_rest_id(action.target_id or '')}", body)
        if stored.get("name") != action.name or stored.get("configuration") != body["configuration"]:
            raise ApplyError(
                f"The ZenML server at {self.display_url} did not store the update of {_describe(action)}: "
                f"it returned the old name or configuration. {self._progress()}"
            )

    def _update_stack(self, action: Action) -> None:
        body = {"name": action.name, "components": self._stack_components(action), "is_shared": False}
        self._update(action, f"{API_PREFIX}/stacks/{to_rest_id(action.target_id or '')}", body)

    def _stack_components(self, action: Action) -> dict[str, list[str]]:
        return {
            component_type: [to_rest_id(self.resolve(ref))]
            for component_type, ref in sorted((action.components or {}).items())
        }

    # -- shared steps ----------------------------------------------------

    @property
    def display_url(self) -> str:
        return self.store.display_url

    def _user_id(self) -> str:
        assert self.store._user is not None
        return to_rest_id(self.store._user.id)

    def _create(self, action: Action, path: str, body: dict[str, Any], find_existing: Callable[[], str | None]) -> None:
        """POST a new entity and record its id under the action's key.

        When an earlier attempt of the same POST may have reached the server
        (a timeout or a 5xx response) and the retry gets 409, that attempt
        created the entity. Its id is then looked up by name instead of failing.
        """
        response, reached_server = self._send_write(action, "POST", path, body)
        if response.status_code == 409 and reached_server:
            existing = self._wrap(action, find_existing)
            if existing is not None:
                log.info("%s was created by an earlier attempt of the same request", _describe(action))
                self._record(action, existing)
                return
        item = self._check(action, response)
        self._record(action, str(item["id"]))

    def _update(self, action: Action, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response, _ = self._send_write(action, "PUT", path, body)
        item = self._check(action, response)
        self.writes += 1
        return item

    def _record(self, action: Action, rest_id: str) -> None:
        self.ids[action.key] = to_hex_id(rest_id)
        self.writes += 1

    def _send_write(self, action: Action, method: str, path: str, body: dict[str, Any]) -> tuple[httpx.Response, bool]:
        if self.kill_switch is not None:
            self.kill_switch.count_write()
        answer = self._wrap(action, lambda: self.store._request(method, path, json=body))
        if self.kill_switch is not None:
            self.kill_switch.written()
        return answer

    def _wrap(self, action: Action, call: Callable[[], Any]) -> Any:
        """Run a request of this apply; add what was written so far to the message of a failure."""
        try:
            return call()
        except StoreUnavailable as error:
            raise StoreUnavailable(f"{error} Writing {_describe(action)} failed. {self._progress()}") from None
        except ApplyError:
            raise

    def _find_project(self, name: str) -> str | None:
        response, _ = self.store._request("GET", f"{API_PREFIX}/projects")
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, list):
            return None
        folded_name = self.store._fold(name)
        return next((str(item["id"]) for item in body if self.store._fold(item.get("name", "")) == folded_name), None)

    def _find_one(self, path: str, params: dict[str, Any]) -> str | None:
        response, _ = self.store._request("GET", path, params={**params, "hydrated": False})
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, list) or len(body) != 1:
            return None
        return str(body[0]["id"])

    def _check(self, action: Action, response: httpx.Response) -> dict[str, Any]:
        """Return the JSON entity of a successful write, or raise `ApplyError` naming the entity."""
        body = _json_or_none(response)
        if response.status_code == 200 and isinstance(body, dict) and "id" in body:
            return body
        detail = _detail(response)
        what = _describe(action)
        if response.status_code == 409:
            reason = f"{what} already exists there ({detail}); it was created after the plan was made"
        elif response.status_code == 422:
            reason = f"the server rejected {what} as invalid: {detail}"
        elif response.status_code == 404:
            reason = f"the server did not find what {what} refers to: {detail}"
        else:
            reason = f"the server returned HTTP {response.status_code} for {what}: {detail}"
        raise ApplyError(f"Writing to the ZenML server at {self.display_url} failed: {reason}. {self._progress()}")

    def _progress(self) -> str:
        if self.writes == 0:
            return "Nothing was written."
        return (
            f"{self.writes} of {self.total} writes were made before and stay on the server; "
            "run the command again to complete the migration."
        )


# -- mapping server models to snapshot models --------------------------------


def _optional_hex_id(value: Any) -> str | None:
    return to_hex_id(value) if value else None


def _flavor(item: dict[str, Any]) -> TargetFlavor:
    return TargetFlavor(
        id=to_hex_id(item["id"]),
        project_id=_optional_hex_id(item.get("project")),
        user_id=_optional_hex_id(item.get("user")),
        name=item["name"],
        type=item["type"],
        source=item["source"],
        # ZenML 0.20.5 servers store a null integration as "" (the column default).
        # NOTE: a legacy flavor with integration "" therefore reads back as None and plans as a conflict.
        integration=item.get("integration") or None,
        config_schema=item["config_schema"],
    )


def _component(item: dict[str, Any]) -> TargetComponent:
    configuration = item.get("configuration")
    return TargetComponent(
        id=to_hex_id(item["id"]),
        project_id=_optional_hex_id(item.get("project")),
        user_id=_optional_hex_id(item.get("user")),
        name=item["name"],
        type=item["type"],
        flavor=item["flavor"],
        configuration=configuration if isinstance(configuration, dict) else {"__undecodable__": True},
        is_shared=bool(item.get("is_shared")),
    )


def _stack(item: dict[str, Any]) -> TargetStack:
    component_ids = [to_hex_id(i) for ids in (item.get("components") or {}).values() for i in ids]
    return TargetStack(
        id=to_hex_id(item["id"]),
        project_id=_optional_hex_id(item.get("project")),
        user_id=_optional_hex_id(item.get("user")),
        name=item["name"],
        is_shared=bool(item.get("is_shared")),
        component_ids=tuple(sorted(component_ids)),
    )


def _sorted(snapshot: TargetSnapshot) -> TargetSnapshot:
    """Return the snapshot with every entity list sorted by id, so that two reads compare equal."""

    def by_id(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(sorted(items, key=lambda item: item.id))

    return snapshot.model_copy(
        update={
            "projects": by_id(snapshot.projects),
            "users": by_id(snapshot.users),
            "flavors": by_id(snapshot.flavors),
            "components": by_id(snapshot.components),
            "stacks": by_id(snapshot.stacks),
        }
    )


# -- helpers ------------------------------------------------------------------


def _describe(action: Action) -> str:
    kind = action.kind.value.replace("_", " ")
    if action.component_type and action.kind is not EntityKind.STACK:
        return f"{kind} '{action.name}' ({action.component_type})"
    return f"{kind} '{action.name}'"


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    """Return the server's error message: ZenML's [ExceptionName, message] pair or FastAPI's validation list."""
    body = _json_or_none(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and len(detail) == 2 and all(isinstance(part, str) for part in detail):
        return f"{detail[0]}: {detail[1]}"
    if isinstance(detail, list) and all(isinstance(part, dict) for part in detail):
        return "; ".join(
            f"{'.'.join(str(step) for step in part.get('loc', ()))}: {part.get('msg', '')}" for part in detail
        )
    text = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
    return text or response.reason_phrase or f"HTTP {response.status_code}"


def _is_tls_failure(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _is_transient(error: BaseException) -> bool:
    """Return whether sending the request again may succeed: after timeouts, lost connections and 5xx responses."""
    if isinstance(error, _ServerError):
        return True
    return isinstance(error, httpx.TransportError) and not _is_tls_failure(error)


def _describe_failure(error: BaseException | None) -> str:
    if error is None:
        return "unknown error"
    if isinstance(error, _ServerError):
        return f"HTTP {error.response.status_code}"
    # httpx messages name the failure (such as "[Errno 111] Connection refused") but never a header.
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
