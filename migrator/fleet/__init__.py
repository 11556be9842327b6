"""Fleet upgrades: many collected config dirs or archives, one target, one plan, one report."""

from migrator.fleet.manifest import Manifest, ManifestError, Source, load_manifest
from migrator.fleet.runner import SourceResult, apply_fleet, journal_path, plan_fleet

__all__ = ["Manifest", "ManifestError", "Source", "SourceResult", "apply_fleet", "journal_path", "load_manifest", "plan_fleet"]
