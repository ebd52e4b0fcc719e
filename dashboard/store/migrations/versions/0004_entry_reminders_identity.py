"""online entry (填报 tasks, entries, rounds), reminders (催报), notices, scheduler lease;
users gain an e-mail, an OIDC subject and an entry mode

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.add_column(
            sa.Column("entry_mode", sa.String(16), nullable=False, server_default="subtree")
        )
    op.create_index("ux_users_oidc_subject", "users", ["oidc_subject"], unique=True)
    op.create_table(
        "fill_tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_date", sa.Date, nullable=False, unique=True),
        sa.Column("scope_code", sa.String(64), nullable=True),  # None: every unit
        sa.Column("opens_at", Stamp, nullable=False),
        sa.Column("deadline", Stamp, nullable=False),
        sa.Column("allow_late", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("auto", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("closed_at", Stamp, nullable=True),
    )
    op.create_table(
        "fill_entries",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("fill_tasks.id"), primary_key=True),
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),  # draft | submitted | returned | …
        sa.Column("figures", Json, nullable=False),  # indicator code → value (draft or sent)
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),  # no lost update
        sa.Column("saved_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("saved_at", Stamp, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("submitted_at", Stamp, nullable=True),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=True),
        sa.Column("return_reason", sa.Text, nullable=True),
        sa.Column("cell_reasons", Json, nullable=True),  # indicator code → reason
    )
    op.create_index("ix_fill_entries_status", "fill_entries", ["task_id", "status"])
    op.create_table(  # every save, submit, return and resubmit, kept
        "fill_rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("fill_tasks.id"), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("figures", Json, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("cell_reasons", Json, nullable=True),
    )
    op.create_index("ix_fill_rounds_unit", "fill_rounds", ["task_id", "unit_code"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("fill_tasks.id"), nullable=True),
        sa.Column("at", Stamp, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),  # or "scheduler"
        sa.Column("channel", sa.String(16), nullable=False),  # notice | wecom | dingtalk | email | copy
        sa.Column("recipient", sa.String(255), nullable=False, server_default=""),
        sa.Column("unit_codes", Json, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),  # sent | failed
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("slot", sa.String(64), nullable=True),  # scheduler's slot: sent once
    )
    op.create_index(
        "ux_reminders_slot", "reminders", ["slot", "channel", "recipient"], unique=True
    )
    op.create_table(  # in-app notices shown on the recipient's next sign-in
        "notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(64), nullable=True, index=True),
        sa.Column("unit_code", sa.String(64), nullable=True, index=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("fill_tasks.id"), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("read_at", Stamp, nullable=True),
    )
    op.create_table(  # one holder at a time across replicas (the reminder scheduler)
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("notices")
    op.drop_index("ux_reminders_slot", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_fill_rounds_unit", table_name="fill_rounds")
    op.drop_table("fill_rounds")
    op.drop_index("ix_fill_entries_status", table_name="fill_entries")
    op.drop_table("fill_entries")
    op.drop_table("fill_tasks")
    op.drop_index("ux_users_oidc_subject", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("entry_mode")
        batch.drop_column("oidc_subject")
        batch.drop_column("email")
