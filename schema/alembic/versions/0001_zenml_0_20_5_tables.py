"""Create the tables of a ZenML 0.20.5 store.

Revision ID: 0001_zenml_0_20_5
Revises:
Create Date: 2026-12-04

ZenML 0.20.5 creates these tables with SQLModel and records no schema
version in the database. The ML-Metadata tables that share a ZenML SQLite
file are not created: ZenML creates them itself on first use.
"""

from alembic import op
from sqlalchemy.schema import CreateTable, DropTable

from migrator.stores.sql_schema import metadata

revision = "0001_zenml_0_20_5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in metadata.sorted_tables:
        op.execute(CreateTable(table))


def downgrade() -> None:
    for table in reversed(metadata.sorted_tables):
        op.execute(DropTable(table))
