"""Generated legacy trees, valid and broken: every command ends with exit status 0, 1 or 2 and a message, never a traceback.

The strategies and the property are in legacy_strategies.py. CI runs a fixed
set of examples (derandomized, no example database on disk); the long
campaign is `python bench/fuzz_campaign.py` (see docs/reliability.md).
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from fixtures_builders import repository_fixtures_unchanged  # noqa: F401 - autouse: fixtures/ stays unchanged
from legacy_strategies import check_tree, legacy_trees

CI_EXAMPLES = 60


@settings(
    max_examples=CI_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tree=legacy_trees())
def test_generated_trees_keep_the_property(tree) -> None:
    check_tree(tree)


def test_all_profiles_not_applied_summary(run_cli, tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / "legacy" / "profiles" / name / "stacks.yaml").mkdir(parents=True)
    result = run_cli("profile", "migrate", str(tmp_path / "legacy"), "--all", "--store", f"sqlite:///{tmp_path / 'zenml.db'}")
    assert result.exit_code == 1, result.output
    assert "Internal error" not in result.output
