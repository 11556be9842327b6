"""Helpers that run the real ZenML 0.20.5 for tests; see harness.py."""
