"""Renderers: plans, outcomes and profile listings as rich text and as stable JSON."""

from migrator.report.json_report import MigrationRecord, build_report, profile_listing_json
from migrator.report.text import print_plan, print_profile_listing, print_summary

__all__ = ["MigrationRecord", "build_report", "print_plan", "print_profile_listing", "print_summary", "profile_listing_json"]
