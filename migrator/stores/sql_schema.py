"""The ZenML 0.20.5 tables that hold projects, users, flavors, stack components and stacks.

Column names, types, nullability and foreign keys match what ZenML 0.20.5
creates with `SQLModel.metadata.create_all`. On SQLite ids are CHAR(32),
strings VARCHAR, timestamps naive DATETIME, booleans BOOLEAN and
configurations BLOB (tests/data/zenml-0.20.5-sqlite-schema.sql). On MySQL
the same declarations give char(32), varchar(255), datetime without
fractional seconds, tinyint(1) and blob (schema/mysql/zenml-0.20.5.sql,
recorded on MariaDB 10.11). Tables are created with ENGINE=InnoDB on MySQL,
because the writer needs transactions.
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

# ZenML declares strings with SQLModel's AutoString, which renders as VARCHAR
# on SQLite and as VARCHAR(255) on MySQL, where SQLAlchemy needs a length.
STRING = VARCHAR().with_variant(VARCHAR(255), "mysql", "mariadb")

# Table options that only the MySQL dialect renders, so the SQLite DDL stays as ZenML's.
TABLE_OPTIONS = {"mysql_engine": "InnoDB"}


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
    Column("name", STRING, nullable=False),
    Column("description", STRING, nullable=False),
    *_timestamps(),
    **TABLE_OPTIONS,
)

users = Table(
    "userschema",
    metadata,
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    Column("full_name", STRING, nullable=False),
    Column("email", STRING, nullable=True),
    Column("active", BOOLEAN, nullable=False),
    Column("password", STRING, nullable=True),
    Column("activation_token", STRING, nullable=True),
    *_timestamps(),
    Column("email_opted_in", BOOLEAN, nullable=True),
    **TABLE_OPTIONS,
)

teams = Table(
    "teamschema",
    metadata,
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    *_timestamps(),
    **TABLE_OPTIONS,
)

roles = Table(
    "roleschema",
    metadata,
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    *_timestamps(),
    **TABLE_OPTIONS,
)

team_assignments = Table(
    "teamassignmentschema",
    metadata,
    _id("user_id", ForeignKey("userschema.id"), primary_key=True),
    _id("team_id", ForeignKey("teamschema.id"), primary_key=True),
    **TABLE_OPTIONS,
)

user_role_assignments = Table(
    "userroleassignmentschema",
    metadata,
    _id(primary_key=True),
    _id("role_id", ForeignKey("roleschema.id")),
    _id("user_id", ForeignKey("userschema.id")),
    _id("project_id", ForeignKey("projectschema.id"), nullable=True),
    *_timestamps(),
    **TABLE_OPTIONS,
)

team_role_assignments = Table(
    "teamroleassignmentschema",
    metadata,
    _id(primary_key=True),
    _id("role_id", ForeignKey("roleschema.id")),
    _id("team_id", ForeignKey("teamschema.id")),
    _id("project_id", ForeignKey("projectschema.id"), nullable=True),
    *_timestamps(),
    **TABLE_OPTIONS,
)

flavors = Table(
    "flavorschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    Column("type", STRING, nullable=False),
    Column("source", STRING, nullable=False),
    Column("name", STRING, nullable=False),
    Column("integration", STRING, nullable=True),
    Column("config_schema", STRING, nullable=False),
    *_timestamps(),
    **TABLE_OPTIONS,
)

stack_components = Table(
    "stackcomponentschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    Column("is_shared", BOOLEAN, nullable=False),
    Column("type", STRING, nullable=False),
    Column("flavor", STRING, nullable=False),
    Column("configuration", BLOB, nullable=False),
    *_timestamps(),
    **TABLE_OPTIONS,
)

stacks = Table(
    "stackschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    *_timestamps(),
    Column("name", STRING, nullable=False),
    Column("is_shared", BOOLEAN, nullable=False),
    **TABLE_OPTIONS,
)

stack_compositions = Table(
    "stackcompositionschema",
    metadata,
    _id("stack_id", ForeignKey("stackschema.id"), primary_key=True),
    _id("component_id", ForeignKey("stackcomponentschema.id"), primary_key=True),
    **TABLE_OPTIONS,
)

pipelines = Table(
    "pipelineschema",
    metadata,
    *_owned_columns(),
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    Column("docstring", VARCHAR(4096), nullable=True),
    Column("spec", VARCHAR(4096), nullable=False),
    *_timestamps(),
    **TABLE_OPTIONS,
)

pipeline_runs = Table(
    "pipelinerunschema",
    metadata,
    _id("project_id", ForeignKey("projectschema.id", ondelete="CASCADE"), nullable=True),
    _id("user_id", ForeignKey("userschema.id", ondelete="CASCADE"), nullable=True),
    _id("stack_id", ForeignKey("stackschema.id", ondelete="SET NULL"), nullable=True),
    _id("pipeline_id", ForeignKey("pipelineschema.id", ondelete="SET NULL"), nullable=True),
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    Column("pipeline_configuration", VARCHAR(4096), nullable=False),
    Column("num_steps", INTEGER, nullable=False),
    Column("zenml_version", STRING, nullable=False),
    Column("git_sha", STRING, nullable=True),
    *_timestamps(),
    Column("mlmd_id", INTEGER, nullable=True),
    **TABLE_OPTIONS,
)

step_runs = Table(
    "steprunschema",
    metadata,
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    _id("pipeline_run_id", ForeignKey("pipelinerunschema.id")),
    Column("entrypoint_name", STRING, nullable=False),
    Column("parameters", VARCHAR(4096), nullable=False),
    Column("step_configuration", VARCHAR(4096), nullable=False),
    Column("docstring", VARCHAR(4096), nullable=True),
    Column("mlmd_id", INTEGER, nullable=True),
    *_timestamps(),
    **TABLE_OPTIONS,
)

artifacts = Table(
    "artifactschema",
    metadata,
    _id(primary_key=True),
    Column("name", STRING, nullable=False),
    _id("parent_step_id", ForeignKey("steprunschema.id")),
    _id("producer_step_id", ForeignKey("steprunschema.id")),
    Column("type", STRING, nullable=False),
    Column("uri", STRING, nullable=False),
    Column("materializer", STRING, nullable=False),
    Column("data_type", STRING, nullable=False),
    Column("is_cached", BOOLEAN, nullable=False),
    Column("mlmd_id", INTEGER, nullable=True),
    Column("mlmd_parent_step_id", INTEGER, nullable=True),
    Column("mlmd_producer_step_id", INTEGER, nullable=True),
    *_timestamps(),
    **TABLE_OPTIONS,
)

step_input_artifacts = Table(
    "stepinputartifactschema",
    metadata,
    _id("step_id", ForeignKey("steprunschema.id"), primary_key=True),
    _id("artifact_id", ForeignKey("artifactschema.id"), primary_key=True),
    Column("name", STRING, nullable=False),
    **TABLE_OPTIONS,
)

step_run_order = Table(
    "steprunorderschema",
    metadata,
    _id("parent_id", ForeignKey("steprunschema.id"), primary_key=True),
    _id("child_id", ForeignKey("steprunschema.id"), primary_key=True),
    **TABLE_OPTIONS,
)

# The tables a migration reads and writes; the rest only need to exist.
MIGRATED_TABLES = (projects, users, flavors, stack_components, stacks, stack_compositions)
