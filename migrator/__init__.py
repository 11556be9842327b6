"""Move legacy ZenML 0.13 profiles into a ZenML 0.20 store.

    >>> from migrator.legacy import read_profiles
    >>> from migrator.plan import MigrationOptions, plan_migration
    >>> from migrator.stores import open_store
    >>> profile = read_profiles("~/.config/zenml").profiles[0]
    >>> with open_store("sqlite:////tmp/zenml.db") as store:
    ...     plan = plan_migration(profile, MigrationOptions(), store.snapshot())
    ...     outcome = store.apply(plan)

Reading, planning and writing are separate steps: the readers in
`migrator.legacy` parse legacy directories, the planner in `migrator.plan`
decides without I/O, the writers in `migrator.stores` apply a plan, and
`migrator.report` renders it.
"""

__version__ = "0.1.0"
