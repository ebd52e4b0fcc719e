"""one current figure row per unit and report day; unit contacts; problem totals

Repairs duplicates first: where several rows of one unit and report day are current (left
by concurrent imports before this revision), the row of the latest import stays current
and the others become history. Each repaired unit-day is logged.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    _repair_duplicate_current_rows()
    op.create_index(
        "ux_figures_current",
        "figures",
        ["unit_code", "report_date"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("contact_name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(40), nullable=True))
    with op.batch_alter_table("imports") as batch:
        batch.add_column(
            sa.Column("problem_total", sa.Integer, nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE imports SET problem_total = "
        + ("json_array_length(problems)" if _is_sqlite() else "jsonb_array_length(problems)")
        + " WHERE problems IS NOT NULL"
    )


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _repair_duplicate_current_rows() -> None:
    conn = op.get_bind()
    duplicates = conn.execute(
        sa.text(
            "SELECT unit_code, report_date, MAX(import_id) AS keep_import, COUNT(*) AS n"
            " FROM figures WHERE is_current GROUP BY unit_code, report_date HAVING COUNT(*) > 1"
        )
    ).all()
    for unit_code, report_date, _keep_import, n in duplicates:
        keep = conn.execute(
            sa.text(
                "SELECT id FROM figures WHERE is_current AND unit_code = :u AND report_date = :d"
                " ORDER BY import_id DESC, id DESC LIMIT 1"
            ),
            {"u": unit_code, "d": report_date},
        ).scalar_one()
        conn.execute(
            sa.text(
                "UPDATE figures SET is_current = :f WHERE is_current AND unit_code = :u"
                " AND report_date = :d AND id <> :keep"
            ),
            {"f": False, "u": unit_code, "d": report_date, "keep": keep},
        )
        log.warning(
            "repaired %d current rows of unit %s on %s: row %d kept", n, unit_code, report_date, keep
        )


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("problem_total")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("contact_phone")
        batch.drop_column("contact_name")
    op.drop_index("ux_figures_current", table_name="figures")
