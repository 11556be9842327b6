"""The fleet manifest: a target store, defaults and a list of sources.

    target: sqlite:////srv/zenml/zenml.db
    defaults:
      prefix: "{host}_"
      project: "team-{host}"
    sources:
      - path: collected/host-a.tar.gz
      - path: collected/host-b
        prefix: ""
        profiles: [production]

Relative source paths are relative to the manifest's directory. Names may use
the templates `{host}` (the source's file or dir name without its archive
suffix) and `{profile}` (the profile's name). The JSON Schema is
`schema/fleet-manifest.schema.json`.
"""

import string
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from migrator.errors import UsageError
from migrator.legacy.yaml_files import YamlFileError, load_yaml_file
from migrator.plan.models import MigrationOptions

TEMPLATE_FIELDS = ("host", "profile")


class ManifestError(UsageError):
    """Raised for a manifest that cannot be read or is invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSettings(_Model):
    """Options that a source may override; None means 'use the default'."""

    prefix: str | None = None
    project: str | None = None
    user: str | None = None
    overwrite: bool | None = None
    ignore_errors: bool | None = None
    skip_validation: bool | None = None
    stacks: bool | None = None
    flavors: bool | None = None


class Source(SourceSettings):
    path: str = Field(description="A collected config dir, a profile dir, or a .tar.gz/.tgz/.tar/.zip of one.")
    host: str | None = Field(default=None, description="Value of {host}; default: the file or dir name without archive suffix.")
    profiles: list[str] | None = Field(default=None, description="Migrate only these profiles of the source.")


class Manifest(_Model):
    target: str | None = Field(default=None, description="Target store URL; default: the store of the ZenML config dir.")
    defaults: SourceSettings = SourceSettings()
    sources: list[Source] = Field(min_length=1)


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest; raises `ManifestError` naming the file, line or field."""
    try:
        document = load_yaml_file(path)
    except YamlFileError as error:
        raise ManifestError(f"Cannot read the manifest: {error.message}. {error.hint}") from None
    if not isinstance(document.data, dict):
        raise ManifestError(f"{path}: a manifest is a mapping with 'target', 'defaults' and 'sources'.")
    try:
        manifest = Manifest.model_validate(document.data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"])
            line = document.line_of(*item["loc"][:2]) if item["loc"] else None
            where = f"{path}:{line}" if line else str(path)
            problems.append(f"{where}: {location}: {item['msg']}")
        raise ManifestError("Invalid manifest:\n  " + "\n  ".join(problems)) from None
    for index, source in enumerate(manifest.sources):
        for value in (source.prefix, source.project, source.user, manifest.defaults.prefix, manifest.defaults.project, manifest.defaults.user):
            if value is not None:
                check_template(value, f"{path}: sources[{index}]")
    return manifest


def check_template(text: str, where: str) -> None:
    """Raise `ManifestError` when `text` uses a placeholder other than {host} and {profile}."""
    try:
        parts = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise ManifestError(f"{where}: invalid template '{text}': {error}. Write literal braces as '{{{{' and '}}}}'.") from None
    for name, spec, conversion in parts:
        if spec or conversion:
            # A format spec such as {host:>300000000} would pad names to any size.
            raise ManifestError(
                f"{where}: placeholder '{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}' in '{text}' "
                "has a conversion or format spec; write {host} or {profile} alone."
            )
    fields = [name for name, _, _ in parts]
    unknown = [name for name in fields if name not in TEMPLATE_FIELDS]
    if unknown:
        raise ManifestError(f"{where}: unknown placeholder '{{{unknown[0]}}}' in '{text}'; use {{host}} or {{profile}}.")


def render(text: str | None, values: dict[str, str]) -> str | None:
    if text is None:
        return None
    return text.format_map(values)


def source_options(manifest: Manifest, source: Source, host: str, profile: str) -> MigrationOptions:
    """Merge defaults and the source's overrides, and fill in the templates."""
    merged: dict[str, Any] = {}
    for key in SourceSettings.model_fields:
        value = getattr(source, key)
        merged[key] = value if value is not None else getattr(manifest.defaults, key)
    values = {"host": host, "profile": profile}
    for key in ("prefix", "project", "user"):
        merged[key] = render(merged[key], values)
    return MigrationOptions(
        prefix=merged["prefix"] or "",
        project=merged["project"] or None,
        user=merged["user"] or None,
        overwrite=bool(merged["overwrite"]),
        ignore_errors=bool(merged["ignore_errors"]),
        skip_validation=bool(merged["skip_validation"]),
        stacks=merged["stacks"] if merged["stacks"] is not None else True,
        flavors=merged["flavors"] if merged["flavors"] is not None else True,
    )
