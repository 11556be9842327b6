"""The ZenML 0.20.5 tables that hold projects, users, flavors, stack components and stacks.

Column names, types, nullability and foreign keys match what ZenML 0.20.5
creates with `SQLModel.metadata.create_all` (observed on SQLite: ids are
CHAR(32), strings VARCHAR, timestamps naive DATETIME, configurations BLOB).
ZenML enforces name uniqueness in code, so there are no UNIQUE constraints.
The other ZenML tables (pipelines, runs, teams, roles) are created empty so
that a new database has the full ZenML schema; the ML-Metadata tables are
never created here, because ZenML creates them itself on first use.
"""

from sqlalchemy import (
    BLOB,
    BOOLEAN,
    CHAR,
    DATETIME,
    INTEGER,
    VARCHAR,
    Column,
    ForeignKey,
    MetaData,
    Table,
)

metadata = MetaData()


def _id(name: str = "id", *foreign: ForeignKey, nullable: bool = False, primary_key: bool = False) -> Column:
    return Column(name, CHAR(32), *foreign, nullable=nullable, primary_key=primary_key)


def _owned_columns() -> list[Column]:
    return [
        _id("project_id", ForeignKey("projectschema.id", ondelete="CASCADE"), nullable=True),
        _id("user_id", ForeignKey("userschema.id", ondelete="SET NULL"), nullable=True),
    ]


def _timestamps() -> list[Column]:
    return [Column("created", DATETIME, nullable=False), Column("updated", DATETIME, nullable=False)]


projects = Table(
    "projectschema",
    metadata,
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    Column("description", VARCHAR, nullable=False),
    *_timestamps(),
)

users = Table(
    "userschema",
    metadata,
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    Column("full_name", VARCHAR, nullable=False),
    Column("email", VARCHAR, nullable=True),
    Column("active", BOOLEAN, nullable=False),
    Column("password", VARCHAR, nullable=True),
    Column("activation_token", VARCHAR, nullable=True),
    *_timestamps(),
    Column("email_opted_in", BOOLEAN, nullable=True),
)

teams = Table("teamschema", metadata, _id(primary_key=True), Column("name", VARCHAR, nullable=False), *_timestamps())

roles = Table("roleschema", metadata, _id(primary_key=True), Column("name", VARCHAR, nullable=False), *_timestamps())

team_assignments = Table(
    "teamassignmentschema",
    metadata,
    _id("user_id", ForeignKey("userschema.id"), primary_key=True),
    _id("team_id", ForeignKey("teamschema.id"), primary_key=True),
)

user_role_assignments = Table(
    "userroleassignmentschema",
    metadata,
    _id(primary_key=True),
    _id("role_id", ForeignKey("roleschema.id")),
    _id("user_id", ForeignKey("userschema.id")),
    _id("project_id", ForeignKey("projectschema.id"), nullable=True),
    *_timestamps(),
)

team_role_assignments = Table(
    "teamroleassignmentschema",
    metadata,
    _id(primary_key=True),
    _id("role_id", ForeignKey("roleschema.id")),
    _id("team_id", ForeignKey("teamschema.id")),
    _id("project_id", ForeignKey("projectschema.id"), nullable=True),
    *_timestamps(),
)

flavors = Table(
    "flavorschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    Column("type", VARCHAR, nullable=False),
    Column("source", VARCHAR, nullable=False),
    Column("name", VARCHAR, nullable=False),
    Column("integration", VARCHAR, nullable=True),
    Column("config_schema", VARCHAR, nullable=False),
    *_timestamps(),
)

stack_components = Table(
    "stackcomponentschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    Column("is_shared", BOOLEAN, nullable=False),
    Column("type", VARCHAR, nullable=False),
    Column("flavor", VARCHAR, nullable=False),
    Column("configuration", BLOB, nullable=False),
    *_timestamps(),
)

stacks = Table(
    "stackschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    *_timestamps(),
    Column("name", VARCHAR, nullable=False),
    Column("is_shared", BOOLEAN, nullable=False),
)

stack_compositions = Table(
    "stackcompositionschema",
    metadata,
    _id("stack_id", ForeignKey("stackschema.id"), primary_key=True),
    _id("component_id", ForeignKey("stackcomponentschema.id"), primary_key=True),
)

pipelines = Table(
    "pipelineschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    Column("docstring", VARCHAR(4096), nullable=True),
    Column("spec", VARCHAR(4096), nullable=False),
    *_timestamps(),
)

pipeline_runs = Table(
    "pipelinerunschema",
    metadata,
    _id("project_id", ForeignKey("projectschema.id", ondelete="CASCADE"), nullable=True),
    _id("user_id", ForeignKey("userschema.id", ondelete="CASCADE"), nullable=True),
    _id("stack_id", ForeignKey("stackschema.id", ondelete="SET NULL"), nullable=True),
    _id("pipeline_id", ForeignKey("pipelineschema.id", ondelete="SET NULL"), nullable=True),
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    Column("pipeline_configuration", VARCHAR(4096), nullable=False),
    Column("num_steps", INTEGER, nullable=False),
    Column("zenml_version", VARCHAR, nullable=False),
    Column("git_sha", VARCHAR, nullable=True),
    *_timestamps(),
    Column("mlmd_id", INTEGER, nullable=True),
)

step_runs = Table(
    "steprunschema",
    metadata,
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    _id("pipeline_run_id", ForeignKey("pipelinerunschema.id")),
    Column("entrypoint_name", VARCHAR, nullable=False),
    Column("parameters", VARCHAR(4096), nullable=False),
    Column("step_configuration", VARCHAR(4096), nullable=False),
    Column("docstring", VARCHAR(4096), nullable=True),
    Column("mlmd_id", INTEGER, nullable=True),
    *_timestamps(),
)

artifacts = Table(
    "artifactschema",
    metadata,
    _id(primary_key=True),
    Column("name", VARCHAR, nullable=False),
    _id("parent_step_id", ForeignKey("steprunschema.id")),
    _id("producer_step_id", ForeignKey("steprunschema.id")),
    Column("type", VARCHAR, nullable=False),
    Column("uri", VARCHAR, nullable=False),
    Column("materializer", VARCHAR, nullable=False),
    Column("data_type", VARCHAR, nullable=False),
    Column("is_cached", BOOLEAN, nullable=False),
    Column("mlmd_id", INTEGER, nullable=True),
    Column("mlmd_parent_step_id", INTEGER, nullable=True),
    Column("mlmd_producer_step_id", INTEGER, nullable=True),
    *_timestamps(),
)

step_input_artifacts = Table(
    "stepinputartifactschema",
    metadata,
    _id("step_id", ForeignKey("steprunschema.id"), primary_key=True),
    _id("artifact_id", ForeignKey("artifactschema.id"), primary_key=True),
    Column("name", VARCHAR, nullable=False),
)

step_run_order = Table(
    "steprunorderschema",
    metadata,
    _id("parent_id", ForeignKey("steprunschema.id"), primary_key=True),
    _id("child_id", ForeignKey("steprunschema.id"), primary_key=True),
)

# The tables a migration reads and writes; the rest only need to exist.
MIGRATED_TABLES = (projects, users, flavors, stack_components, stacks, stack_compositions)
