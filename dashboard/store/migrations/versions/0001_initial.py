"""initial schema: units, settings, blobs, imports, figures

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True, index=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("aliases", sa.Text, nullable=False, server_default=""),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", Json, nullable=True),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False, server_default="return"),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False, index=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("report_date", sa.Date, nullable=True),
        sa.Column("accepted_rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("problems", Json, nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("report_date", sa.Date, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False, index=True),
        sa.Column("figures", Json, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("sheet", sa.String(100), nullable=True),
        sa.Column("row", sa.Integer, nullable=True),
    )
    op.create_index("ix_figures_current_date", "figures", ["is_current", "report_date"])
    op.create_index("ix_figures_unit_date", "figures", ["unit_code", "report_date"])


def downgrade() -> None:
    op.drop_table("figures")
    op.drop_table("imports")
    op.drop_table("blobs")
    op.drop_table("settings")
    op.drop_table("units")
