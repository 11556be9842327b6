"""Hypothesis strategies for legacy ZenML 0.13 config dirs, valid and broken, and the property every command must keep.

A generated tree is a mapping of relative path to an entry: file bytes, a
directory, a FIFO or a symbolic link. Trees start from a consistent model
(config.yaml, profiles/<name>/stacks.yaml, one file per stack component) and
are then damaged: random YAML, wrong types, dangling references, odd names,
truncated files, binary junk, special files and links out of the tree.

`check_tree` runs `profile list`, `profile migrate --dry-run` and a real
`profile migrate` into a new SQLite file in-process, and checks the property.
tests/test_fuzz.py runs it in CI, and bench/fuzz_campaign.py runs it at length.
"""

import io
import json
import os
import sqlite3
import tempfile
import uuid
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from fixtures_builders import FIXTURES, tree_fingerprint
from hypothesis import strategies as st

from migrator.legacy.models import COMPONENT_TYPES, component_directory

# A value that only a file outside the generated tree holds; no output may contain it.
OUTSIDE_MARKER = "outside-marker-never-read"
FORBIDDEN_OUTPUT = ("Traceback", "Internal error")
# Failures found by fuzzing in code outside migrator/legacy, by the output they cause. check_tree
# counts them and checks the rest of the property; each has an xfail test in tests/test_fuzz.py.
KNOWN_BUGS: dict[str, str] = {}


@dataclass(frozen=True)
class Directory:
    pass


@dataclass(frozen=True)
class Fifo:
    pass


@dataclass(frozen=True)
class Link:
    target: str  # relative to the link's directory, or "@outside" for the file outside the tree


Entry = bytes | Directory | Fifo | Link

ODD_NAMES = [
    "default", "prod", "s3", "team/a", "yes", "null", "~", "1", "true", "模型编排器", "local secrets 🔑",
    "a" * 140, "b" * 300, "..", "../escape", "/abs/path", "sub/../../x", "bell\x07", "esc\x1b[31m", "rtl\u202eltr",
    " ", "", "[red]markup[/red]", "[/]", "{host}", "%s", "renamed: stack", "- item", "#comment", "'quoted'",
]  # fmt: skip
UNKNOWN_TYPES = ["teleporter", "Orchestrator", ""]
FLAVORS = ["local", "s3", "gcp", "azure", "kubeflow", "mlflow", "wandb", "slack", "sqlite", "mysql", "aws", "default", "local_docker", "my_flavor"]

names = st.one_of(st.sampled_from(ODD_NAMES), st.text(st.characters(exclude_categories=("Cs",)), max_size=12))
file_names = names.filter(lambda name: name not in ("", ".", "..") and "/" not in name and "\x00" not in name and len(name.encode()) < 200)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=30), st.sampled_from(["yes", "no", "~", "1e3", "0x1F", "2024-01-01"])
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
junk = st.binary(min_size=1, max_size=200)


def dump(value: Any) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode("utf-8")


@st.composite
def damaged(draw: st.DrawFn, content: bytes) -> bytes:
    """Return `content`, or a damaged version of it: truncated, with junk inserted, replaced by random YAML or junk."""
    kind = draw(st.sampled_from(["keep", "keep", "keep", "truncate", "insert", "random-yaml", "junk", "drop-line", "duplicate-line", "empty"]))
    if kind == "keep":
        return content
    if kind == "truncate":
        return content[: draw(st.integers(0, max(len(content) - 1, 0)))]
    if kind == "insert":
        position = draw(st.integers(0, len(content)))
        return content[:position] + draw(junk) + content[position:]
    if kind == "random-yaml":
        return dump(draw(values))
    if kind == "junk":
        return draw(junk)
    lines = content.splitlines(keepends=True)
    if kind == "empty" or not lines:
        return b""
    index = draw(st.integers(0, len(lines) - 1))
    if kind == "drop-line":
        return b"".join(lines[:index] + lines[index + 1 :])
    return b"".join(lines[: index + 1] + [lines[index]] + lines[index + 1 :])


def _genuine_components() -> list[tuple[str, str, dict[str, Any]]]:
    """Return (type, flavor, configuration) of every stack component of the genuine fixtures with a built-in flavor."""
    from migrator.legacy import read_profiles

    found = []
    for case in ("multi-stack", "many-stacks", "multi-profile"):
        for profile in read_profiles(FIXTURES / case).profiles:
            found.extend((c.type, c.flavor, dict(c.configuration)) for c in profile.components if not c.flavor.startswith("my_"))
    return sorted(found, key=repr)


GENUINE_COMPONENTS = _genuine_components()
simple_names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)


@st.composite
def sound_profile_model(draw: st.DrawFn, prefix: str) -> dict[str, Any]:
    """Return a profile that migrates without errors: genuine configurations, simple names, complete stacks."""
    chosen = draw(st.lists(st.sampled_from(GENUINE_COMPONENTS), min_size=1, max_size=6))
    components: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for component_type, flavor, configuration in chosen:
        components[(component_type, f"{prefix}{draw(simple_names)}")] = (flavor, configuration)
    by_type: dict[str, list[str]] = {}
    for component_type, name in components:
        by_type.setdefault(component_type, []).append(name)
    stacks = {}
    for stack_name in draw(st.lists(simple_names, max_size=3, unique=True)):
        members = {component_type: draw(st.sampled_from(names_of_type)) for component_type, names_of_type in by_type.items()}
        if "orchestrator" in members and "artifact_store" in members:
            stacks[f"{prefix}{stack_name}"] = members
    return {"components": components, "stacks": stacks, "flavors": []}


@st.composite
def profile_model(draw: st.DrawFn) -> dict[str, Any]:
    """Return the entities of one YAML profile: components by (type, name), stacks and flavors."""
    component_types = st.one_of(st.sampled_from(COMPONENT_TYPES), st.sampled_from(UNKNOWN_TYPES))
    components = draw(
        st.dictionaries(st.tuples(component_types, names), st.tuples(st.sampled_from(FLAVORS), st.dictionaries(st.text(max_size=12), values, max_size=4)), max_size=6)
    )
    for required in ("orchestrator", "artifact_store"):
        if draw(st.booleans()):
            components[(required, "default")] = ("local", {})
    known = list(components)
    stacks: dict[str, dict[str, str]] = {}
    for stack_name in draw(st.lists(names, max_size=4, unique=True)):
        members: dict[str, str] = {}
        for component_type, component_name in draw(st.lists(st.sampled_from(known), max_size=4)) if known else []:
            members[component_type] = component_name
        if draw(st.integers(0, 5)) == 0:  # a dangling reference
            members[draw(st.sampled_from(COMPONENT_TYPES))] = draw(names)
        stacks[stack_name] = members
    flavors = draw(
        st.lists(
            st.fixed_dictionaries({"name": names, "type": component_types, "source": st.sampled_from(["a.B", "my_pkg.flavors.F", ""])}),
            max_size=2,
        )
    )
    return {"components": components, "stacks": stacks, "flavors": flavors}


def stacks_document(model: dict[str, Any]) -> dict[str, Any]:
    sections: dict[str, dict[str, str]] = {}
    for (component_type, name), (flavor, _configuration) in model["components"].items():
        sections.setdefault(component_type, {})[name] = flavor
    return {"stack_component_flavors": model["flavors"], "stack_components": sections, "stacks": model["stacks"], "users": []}


def add_component_files(draw: st.DrawFn, tree: dict[str, Entry], directory: str, model: dict[str, Any], sound: bool) -> None:
    """Add the file of each stack component of `model` to `tree`; in a damaged tree, some are missing, broken or special files."""
    for (component_type, name), (_flavor, configuration) in model["components"].items():
        if not isinstance(name, str) or not name or "\x00" in name or len(name.encode()) > 200:
            continue
        relative = f"{directory}/{component_directory(component_type)}/{name}.yaml"
        if ".." in Path(relative).parts or name.startswith("/"):
            continue
        document = {"uuid": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))), "name": name, **configuration}
        kinds = ["file"] if sound else ["file", "file", "file", "missing", "fifo", "link-out", "directory", "no-uuid"]
        choice = draw(st.sampled_from(kinds))
        if choice == "missing":
            continue
        parent = str(Path(relative).parent)
        for ancestor in reversed(Path(parent).parents):
            if str(ancestor) not in (".", "profiles"):
                tree.setdefault(str(ancestor), Directory())
        tree.setdefault(parent, Directory())
        if choice == "fifo":
            tree[relative] = Fifo()
        elif choice == "link-out":
            tree[relative] = Link("@outside")
        elif choice == "directory":
            tree[relative] = Directory()
        else:
            if choice == "no-uuid":
                document.pop("uuid")
            tree[relative] = dump(document) if sound else draw(damaged(dump(document)))


@st.composite
def legacy_trees(draw: st.DrawFn) -> dict[str, Entry]:
    """Return a legacy config dir: config.yaml and 1 to 3 profiles, each possibly damaged."""
    tree: dict[str, Entry] = {}
    profile_names = draw(st.lists(file_names, min_size=1, max_size=3, unique_by=lambda name: name.casefold()))
    entries = {}
    # A third of the trees are sound: they show that a valid tree passes and is written.
    sound = draw(st.integers(0, 2)) == 0
    for index, profile_name in enumerate(profile_names):
        directory = f"profiles/{profile_name}"
        tree[directory] = Directory()
        model = draw(sound_profile_model(f"p{index}_")) if sound else draw(profile_model())
        stacks_file = f"{directory}/stacks.yaml"
        content = dump(stacks_document(model))
        tree[stacks_file] = content if sound else draw(damaged(content))
        add_component_files(draw, tree, directory, model, sound)
        if not sound and draw(st.integers(0, 9)) == 0:
            tree[stacks_file] = draw(st.sampled_from([Directory(), Fifo(), Link("@outside"), Link("stacks.yaml")]))
        entry_name = profile_name if sound else draw(st.sampled_from([profile_name, profile_name, *ODD_NAMES]))
        entries[entry_name] = {
            "store_type": "local" if sound else draw(st.sampled_from(["local", "local", "sql", "rest", "other", None])),
            "store_url": None if sound else draw(st.sampled_from([None, f"file:///nowhere/{profile_name}", "sqlite:////nowhere/zenml.db", "http://127.0.0.1:1", "mysql://u:p@127.0.0.1:1/z"])),
            "active_stack": draw(names),
        }
    config = {"version": "0.13.2", "activated_profile": draw(st.sampled_from(profile_names)), "profiles": entries}
    config_choice = "file" if sound else draw(st.sampled_from(["file", "file", "file", "missing", "list", "directory"]))
    if config_choice == "file":
        tree["config.yaml"] = dump(config) if sound else draw(damaged(dump(config)))
    elif config_choice == "list":
        tree["config.yaml"] = dump(list(entries))
    elif config_choice == "directory":
        tree["config.yaml"] = Directory()
    if not sound and draw(st.integers(0, 9)) == 0:
        tree[f"profiles/{profile_names[0]}/orphans/stray.yaml"] = draw(junk)
        tree[f"profiles/{profile_names[0]}/orphans"] = Directory()
    return tree


def write_tree(tree: dict[str, Entry], root: Path, outside: Path) -> None:
    """Create `tree` under `root`; links marked "@outside" point at the file `outside`."""
    root.mkdir(parents=True, exist_ok=True)
    for relative in sorted(tree, key=lambda path: (path.count("/"), path)):
        entry = tree[relative]
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Directory):
            path.mkdir(exist_ok=True)
        elif isinstance(entry, Fifo):
            os.mkfifo(path)
        elif isinstance(entry, Link):
            path.symlink_to(outside if entry.target == "@outside" else entry.target)
        else:
            path.write_bytes(entry)


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_in_process(*args: str, config_dir: Path) -> RunResult:
    """Run `zenml-migrate` in this process with ZENML_CONFIG_PATH=`config_dir`; return its exit code and output."""
    from migrator.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    previous = {key: os.environ.get(key) for key in ("ZENML_CONFIG_PATH", "COLUMNS")}
    os.environ.update({"ZENML_CONFIG_PATH": str(config_dir), "COLUMNS": "200"})
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            try:
                main(list(args))
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 2
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return RunResult(code, stdout.getvalue(), stderr.getvalue())


class PropertyViolation(AssertionError):
    pass




def expect(condition: bool, message: str, result: RunResult | None = None) -> None:
    if not condition:
        detail = f"\n--- output ---\n{result.output[-3000:]}" if result is not None else ""
        raise PropertyViolation(message + detail)


@dataclass
class TreeOutcome:
    """The exit status of each command, and the KNOWN_BUGS that the tree hit."""

    codes: dict[str, int]
    known_bugs: list[str]


def check_tree(tree: dict[str, Entry]) -> TreeOutcome:
    """Write `tree`, run every command on it, and raise PropertyViolation where the property fails."""
    with tempfile.TemporaryDirectory(prefix="zenml-migrate-fuzz-") as scratch:
        base = Path(scratch)
        outside = base / "outside.yaml"
        outside.write_text(f"uuid: 00000000-0000-4000-8000-000000000000\nname: x\nnote: {OUTSIDE_MARKER}\npassword: {OUTSIDE_MARKER}\n")
        root = base / "legacy"
        write_tree(tree, root, outside)
        before = tree_fingerprint(root)
        config_dir = base / "zenml-config"
        db = base / "target.db"
        report = base / "report.json"
        runs = {
            "list-json": ("profile", "list", "--path", str(root), "--json"),
            "list": ("profile", "list", "--path", str(root)),
            "dry-run": ("profile", "migrate", str(root), "--all", "--dry-run", "--json", "--store", f"sqlite:///{db}"),
            "migrate": ("profile", "migrate", str(root), "--all", "--store", f"sqlite:///{db}", "--report", str(report)),
        }
        codes: dict[str, int] = {}
        known_bugs: list[str] = []
        for label, args in runs.items():
            result = run_in_process(*args, config_dir=config_dir)
            codes[label] = result.exit_code
            expect(result.exit_code in (0, 1, 2), f"{label}: exit status {result.exit_code}", result)
            expect(result.output.strip() != "", f"{label}: no output at all", result)
            output = result.output
            for signature, description in KNOWN_BUGS.items():
                if signature in output:
                    known_bugs.append(f"{label}: {description}")
                    output = output.replace(signature, "")
            for text in FORBIDDEN_OUTPUT:
                expect(text not in output, f"{label}: output contains {text!r}", result)
            expect(OUTSIDE_MARKER not in result.output, f"{label}: a file outside the tree was read", result)
            if label == "list-json" and result.exit_code == 0:
                json.loads(result.stdout)
            if label == "dry-run":
                expect(not db.exists(), "dry-run: the store file was created", result)
                if result.exit_code != 2:
                    json.loads(result.stdout)
            if label == "migrate" and not known_bugs:  # the known bug stops the command before its report
                check_store(db, report, result)
        expect(tree_fingerprint(root) == before, "a command changed the legacy tree")
        return TreeOutcome(codes, known_bugs)


def check_store(db: Path, report: Path, result: RunResult) -> None:
    """A profile whose plan has errors writes nothing: every stored name comes from an applied profile or the defaults."""
    if not report.exists():
        expect(result.exit_code == 2 or not db.exists(), "migrate: no report, but a store was written", result)
        return
    document = json.loads(report.read_text())
    applied = [p for p in document["profiles"] if p["status"] == "applied"]
    for profile in document["profiles"]:
        has_errors = profile["summary"]["errors"] > 0 or any(d["severity"] == "error" for d in profile["diagnostics"])
        expect(not (has_errors and profile["status"] == "applied"), f"profile {profile['profile']!r} with errors was applied", result)
    if not applied:
        expect(not db.exists() or stored_names(db) <= {("project", "default"), ("user", "default")} | DEFAULT_NAMES, "nothing applied, but names were stored", result)
        return
    allowed = set(DEFAULT_NAMES) | {("project", "default"), ("user", "default")}
    for profile in applied:
        allowed |= {(action["kind"], action["name"]) for action in profile["actions"] if action["operation"] != "error"}
        allowed.add(("project", profile["project"]))
        allowed.add(("user", profile["user"]))
    extra = stored_names(db) - allowed
    expect(not extra, f"the store holds names that no applied profile planned: {sorted(extra)[:5]}", result)


DEFAULT_NAMES = {("stack", "default"), ("stack_component", "default")}
_TABLES = {"projectschema": "project", "userschema": "user", "flavorschema": "flavor", "stackcomponentschema": "stack_component", "stackschema": "stack"}


def stored_names(db: Path) -> set[tuple[str, str]]:
    connection = sqlite3.connect(db)
    try:
        present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {(kind, row[0]) for table, kind in _TABLES.items() if table in present for row in connection.execute(f"SELECT name FROM {table}")}
    finally:
        connection.close()
