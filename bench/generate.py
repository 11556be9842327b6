"""Generate synthetic ZenML 0.13 config dirs for the benchmarks.

Every file has the shape that ZenML 0.13.2 writes, as in the genuine
fixture `fixtures/real-0.13.2/multi-stack`: `config.yaml`, and per profile
`stacks.yaml`, `pipeline_runs.yaml` and one YAML file per stack component,
all dumped with PyYAML's defaults (sorted keys, block style). Each stack
component file is a copy of a genuine component file of the multi-stack
profile `production` with a new `name` and `uuid`, so it has every field of
its flavor, including the null ones.

Only templates whose configuration is valid for ZenML 0.20.5 both after
zenml-migrate's conversion and as the real `zenml profile migrate` 0.20.5
reads it are used, so both tools migrate every stack and stack component.
Metadata stores are generated too, because every ZenML 0.13 stack has one.
Both tools drop them by design: ZenML 0.20 has no metadata stores.

The output depends only on the sizes and the seed:

    .venv/bin/python bench/generate.py OUT_DIR --components 500
    .venv/bin/python bench/generate.py OUT_DIR --fleet 100
"""

import argparse
import json
import random
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from migrator.convert import convert_configuration  # noqa: E402
from migrator.legacy.models import component_directory  # noqa: E402

TEMPLATE_CONFIG_DIR = ROOT / "fixtures" / "real-0.13.2" / "multi-stack"
TEMPLATE_PROFILE = "production"

COMPONENT_SIZES = (50, 500, 5_000, 10_000)
FLEET_SIZES = (10, 100, 1_000)
# Components of each profile of a fleet host (with a fifth as many stacks).
FLEET_PROFILE_COMPONENTS = 50
STACKS_PER_COMPONENT = 5
DEFAULT_SEED = 13

# Changing the output of the generator changes this, so that cached data is regenerated.
GENERATOR_VERSION = 1
MARKER_FILE = "bench-data.json"

# The global config dir of ZenML 0.13 written into paths and URLs, the same home as in the genuine fixtures.
LEGACY_CONFIG_ROOT = "/home/user/.config/zenml"
CREATION_DATE = "2022-08-01T12:00:00.000000"
REQUIRED_TYPES = ("orchestrator", "artifact_store", "metadata_store")
DEFAULT_FLAVORS = {"orchestrator": "local", "artifact_store": "local", "metadata_store": "sqlite"}
# Each stack has the required types and between these many stack components of other types.
MIN_EXTRA_COMPONENTS, MAX_EXTRA_COMPONENTS = 1, 3


@dataclass(frozen=True)
class Template:
    """A genuine stack component file: its type, flavor, file stem and parsed content."""

    type: str
    flavor: str
    stem: str
    content: dict[str, Any]


@dataclass(frozen=True)
class Templates:
    """The usable component templates per type, the genuine count of files per type, and the stack name stems."""

    by_type: dict[str, list[Template]]
    type_counts: dict[str, int]
    stack_stems: list[str]


def dump_yaml(data: Any) -> str:
    """Dump as ZenML 0.13 `write_yaml` does: PyYAML's pure-Python dumper with its defaults."""
    return yaml.dump(data, Dumper=yaml.SafeDumper, default_flow_style=False)


def _is_migrated_by_both(template: Template) -> bool:
    ours = convert_configuration(template.type, template.flavor, template.content)
    as_zenml_reads_it = convert_configuration(template.type, template.flavor, template.content, apply_rules=False)
    return ours.valid and as_zenml_reads_it.valid


@lru_cache(maxsize=None)
def load_templates(config_dir: Path = TEMPLATE_CONFIG_DIR, profile: str = TEMPLATE_PROFILE) -> Templates:
    """Read the genuine profile and keep the stack component files that both tools migrate.

    Metadata store files are kept as they are: both tools skip them.
    """
    profile_dir = config_dir / "profiles" / profile
    stacks_document = yaml.safe_load((profile_dir / "stacks.yaml").read_text(encoding="utf-8"))
    by_type: dict[str, list[Template]] = {}
    type_counts: dict[str, int] = {}
    for component_type, components in sorted(stacks_document["stack_components"].items()):
        type_counts[component_type] = len(components)
        for name, flavor in sorted(components.items()):
            path = profile_dir / component_directory(component_type) / f"{name}.yaml"
            template = Template(component_type, flavor, name, yaml.safe_load(path.read_text(encoding="utf-8")))
            if component_type == "metadata_store" or _is_migrated_by_both(template):
                by_type.setdefault(component_type, []).append(template)
    missing = [t for t in type_counts if t not in by_type]
    if missing:
        raise ValueError(f"{profile_dir}: no usable template for the stack component types {', '.join(missing)}")
    stack_stems = sorted(name for name in stacks_document["stacks"] if name != "default")
    return Templates(by_type, type_counts, stack_stems)


def allocate(total: int, weights: dict[str, int], minimum: dict[str, int]) -> dict[str, int]:
    """Split `total` over the keys in proportion to `weights` (largest remainder), with at least `minimum` each."""
    counts = dict(minimum)
    rest = total - sum(counts.values())
    if rest < 0:
        raise ValueError(f"{total} stack components are too few: the profile needs at least {sum(counts.values())}")
    weight_sum = sum(weights.values())
    shares = {key: rest * weight / weight_sum for key, weight in weights.items()}
    for key, share in shares.items():
        counts[key] += int(share)
    left = total - sum(counts.values())
    by_remainder = sorted(shares, key=lambda key: (-(shares[key] - int(shares[key])), key))
    for key in by_remainder[:left]:
        counts[key] += 1
    return counts


def _new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _component_content(template: Template, name: str, component_uuid: str) -> dict[str, Any]:
    """Copy a template's fields with a new name and uuid; paths that contained the old uuid get the new one."""
    old_uuid = template.content["uuid"]
    content: dict[str, Any] = {}
    for key, value in template.content.items():
        if isinstance(value, str):
            value = value.replace(old_uuid, component_uuid)
            if key == "path" and value.startswith(("s3://", "gs://")):
                value = f"{value.rstrip('/')}/{name}"
        content[key] = value
    content["name"] = name
    content["uuid"] = component_uuid
    return content


@dataclass
class ProfileSpec:
    """Size and contents of one generated profile, for the benchmark record."""

    name: str
    path: str
    components: int
    migrated_components: int
    stacks: int
    components_by_type: dict[str, int]


def write_profile(
    config_root: Path, profile: str, components: int, rng: random.Random, templates: Templates
) -> ProfileSpec:
    """Write profiles/<profile> with `components` stack components (three defaults included) and a fifth as many stacks besides `default`."""
    profile_dir = config_root / "profiles" / profile
    stack_count = components // STACKS_PER_COMPONENT
    if stack_count == 0:
        # A profile without stacks of its own, as ZenML 0.13 creates it: the three defaults.
        counts = {component_type: 1 for component_type in REQUIRED_TYPES}
    else:
        # Each type at least once, and the required types once more besides their default.
        minimum = {t: 2 if t in REQUIRED_TYPES else 1 for t in templates.type_counts}
        counts = allocate(components, templates.type_counts, minimum)

    stack_components: dict[str, dict[str, str]] = {}
    uuids: dict[tuple[str, str], str] = {}
    names_by_type: dict[str, list[str]] = {}
    for component_type, count in counts.items():
        directory = profile_dir / component_directory(component_type)
        directory.mkdir(parents=True, exist_ok=True)
        entries = stack_components.setdefault(component_type, {})
        first = 0
        if component_type in DEFAULT_FLAVORS:
            default_template = next(t for t in templates.by_type[component_type] if t.stem == "default")
            component_uuid = _new_uuid(rng)
            content = _component_content(default_template, "default", component_uuid)
            (directory / "default.yaml").write_text(dump_yaml(content), encoding="utf-8")
            entries["default"] = default_template.flavor
            uuids[(component_type, "default")] = component_uuid
            first = 1
        for index in range(first, count):
            template = rng.choice(templates.by_type[component_type])
            stem = "local" if template.stem == "default" else template.stem
            name = f"{stem}_{index:05d}"
            component_uuid = _new_uuid(rng)
            content = _component_content(template, name, component_uuid)
            (directory / f"{name}.yaml").write_text(dump_yaml(content), encoding="utf-8")
            entries[name] = template.flavor
            uuids[(component_type, name)] = component_uuid
            names_by_type.setdefault(component_type, []).append(name)

    stacks = {"default": {component_type: "default" for component_type in REQUIRED_TYPES}}
    associations = {(uuids[("artifact_store", "default")], uuids[("metadata_store", "default")])}
    required_cycles = {t: rng.sample(names_by_type[t], len(names_by_type[t])) for t in REQUIRED_TYPES if t in names_by_type}
    optional_types = sorted(t for t in names_by_type if t not in REQUIRED_TYPES)
    for index in range(stack_count):
        name = f"{templates.stack_stems[index % len(templates.stack_stems)]}_{index:05d}"
        members = {t: cycle[index % len(cycle)] for t, cycle in required_cycles.items()}
        extra = rng.randint(MIN_EXTRA_COMPONENTS, min(MAX_EXTRA_COMPONENTS, len(optional_types)))
        for component_type in rng.sample(optional_types, extra):
            members[component_type] = rng.choice(names_by_type[component_type])
        stacks[name] = members
        associations.add((uuids[("artifact_store", members["artifact_store"])], uuids[("metadata_store", members["metadata_store"])]))

    stacks_document = {
        "projects": [],
        "role_assignments": [],
        "roles": [],
        "stack_component_flavors": [],
        "stack_components": stack_components,
        "stacks": stacks,
        "store_associations": [
            {"artifact_store_uuid": artifact, "metadata_store_uuid": metadata} for artifact, metadata in sorted(associations)
        ],
        "team_assignments": {},
        "teams": [],
        "users": [{"creation_date": CREATION_DATE, "id": _new_uuid(rng), "name": "default"}],
    }
    profile_dir.mkdir(parents=True, exist_ok=True)
    (profile_dir / "stacks.yaml").write_text(dump_yaml(stacks_document), encoding="utf-8")
    (profile_dir / "pipeline_runs.yaml").write_text(dump_yaml({"pipeline_runs": {}}), encoding="utf-8")
    return ProfileSpec(
        name=profile,
        path=str(profile_dir),
        components=components,
        migrated_components=sum(count for t, count in counts.items() if t != "metadata_store") - 2,
        stacks=stack_count,
        components_by_type=counts,
    )


def write_config_dir(config_root: Path, components: int, seed: int, profile: str = "production") -> ProfileSpec:
    """Write a ZenML 0.13 global config dir: a `default` profile with the defaults only and `profile` with the stacks.

    `profile` is the activated profile, with its first stack active.
    """
    rng = random.Random(seed)
    templates = load_templates()
    write_profile(config_root, "default", 3, rng, templates)
    spec = write_profile(config_root, profile, components, rng, templates)
    first_stack = f"{templates.stack_stems[0]}_00000" if spec.stacks else "default"
    config = {
        "activated_profile": profile,
        "analytics_opt_in": False,
        "profiles": {
            name: {
                "active_stack": first_stack if name == profile else "default",
                "active_user": "default",
                "name": name,
                "store_type": "local",
                "store_url": f"file://{LEGACY_CONFIG_ROOT}/profiles/{name}",
            }
            for name in ("default", profile)
        },
        "user_id": _new_uuid(rng),
        "user_metadata": None,
        "version": "0.13.2",
    }
    (config_root / "config.yaml").write_text(dump_yaml(config), encoding="utf-8")
    return spec


def _read_marker(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((directory / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_marker(directory: Path, marker: dict[str, Any]) -> None:
    (directory / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _check_empty(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(
            f"{directory} is not empty and has no {MARKER_FILE} with the same parameters; remove it or choose another directory"
        )


def generate_profile(directory: Path, components: int, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Write a config dir with one profile of `components` stack components into `directory`, or reuse the one there.

    Returns the marker: the parameters and the profile spec.
    """
    parameters = {"generator_version": GENERATOR_VERSION, "kind": "profile", "components": components, "seed": seed}
    marker = _read_marker(directory)
    if marker is not None and marker.get("parameters") == parameters:
        return marker
    _check_empty(directory)
    directory.mkdir(parents=True, exist_ok=True)
    spec = write_config_dir(directory, components, seed)
    marker = {"parameters": parameters, "profile": spec.__dict__}
    _write_marker(directory, marker)
    return marker


def generate_fleet(directory: Path, hosts: int, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Write `hosts` collected config dirs and a fleet manifest `fleet.yaml` into `directory`, or reuse the ones there.

    Each host has a `default` profile with the defaults only, which the fleet
    skips, and a `production` profile with FLEET_PROFILE_COMPONENTS stack
    components. The manifest gives each host the prefix `{host}_` and
    targets `target.db` in `directory`, which the benchmark never creates.
    """
    parameters = {
        "generator_version": GENERATOR_VERSION,
        "kind": "fleet",
        "hosts": hosts,
        "components_per_host": FLEET_PROFILE_COMPONENTS,
        "seed": seed,
    }
    marker = _read_marker(directory)
    if marker is not None and marker.get("parameters") == parameters:
        return marker
    _check_empty(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sources = []
    totals: Counter[str] = Counter()
    for index in range(hosts):
        host = f"host-{index:04d}"
        spec = write_config_dir(directory / host, FLEET_PROFILE_COMPONENTS, seed * 1_000_003 + index)
        totals.update(components=spec.components, migrated_components=spec.migrated_components, stacks=spec.stacks)
        sources.append({"path": host})
    manifest = {
        "target": f"sqlite:///{(directory / 'target.db').resolve()}",
        "defaults": {"prefix": "{host}_"},
        "sources": sources,
    }
    (directory / "fleet.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    marker = {"parameters": parameters, "manifest": str(directory / "fleet.yaml"), "totals": dict(totals)}
    _write_marker(directory, marker)
    return marker


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate synthetic ZenML 0.13 config dirs for the benchmarks.")
    parser.add_argument("directory", type=Path, help="output directory; must be new or empty")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--components", type=int, help="stack components of the profile (a fifth as many stacks)")
    group.add_argument("--fleet", type=int, metavar="HOSTS", help=f"number of collected config dirs, {FLEET_PROFILE_COMPONENTS} components each")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    try:
        if args.components is not None:
            marker = generate_profile(args.directory, args.components, args.seed)
        else:
            marker = generate_fleet(args.directory, args.fleet, args.seed)
    except (FileExistsError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")
    print(json.dumps(marker, indent=2))


if __name__ == "__main__":
    main()
