"""SQLAlchemy tables.  The schema itself is created and changed by Alembic migrations.

Figures are stored one row per unit, report day and import, the indicator values in one
JSON column keyed by catalogue code: a new indicator needs no schema change, and a bulk
import inserts one row per unit instead of one per value (TECH-NOTES: ~2.3× faster).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = [
    "JsonType",
    "audit_log",
    "auth_failures",
    "auth_sessions",
    "blobs",
    "figures",
    "fill_entries",
    "fill_rounds",
    "fill_tasks",
    "imports",
    "leases",
    "metadata",
    "notices",
    "reminders",
    "settings",
    "units",
    "users",
    "week_changes",
]

metadata = MetaData()

JsonType = JSON().with_variant(JSONB(), "postgresql")

units = Table(
    "units",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_code", String(64), nullable=True, index=True),
    Column("category", String(40), nullable=False),
    Column("aliases", Text, nullable=False, default=""),
    Column("level", Integer, nullable=False),
    Column("sort_order", Integer, nullable=False, default=0),
    Column("retired", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    Column("contact_name", String(100), nullable=True),  # 联络人 (for 催报)
    Column("contact_phone", String(40), nullable=True),  # 联系电话
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JsonType, nullable=True),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, default="return"),  # return | registry
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False, index=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", String(100), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # imported | rejected | undone
    Column("report_date", Date, nullable=True),
    Column("accepted_rows", Integer, nullable=False, default=0),
    Column("problems", JsonType, nullable=True),  # the first PROBLEMS_KEPT, then by code
    Column("problem_total", Integer, nullable=False, default=0),  # all problems found
    Column("undone_at", DateTime(timezone=True), nullable=True),
)

figures = Table(
    "figures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", String(64), nullable=False),
    Column("report_date", Date, nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("figures", JsonType, nullable=False),
    Column("is_current", Boolean, nullable=False, default=True),
    Column("sheet", String(100), nullable=True),
    Column("row", Integer, nullable=True),
    Index("ix_figures_current_date", "is_current", "report_date"),
    Index("ix_figures_unit_date", "unit_code", "report_date"),
    # One current row per unit and report day, kept by the database itself: concurrent
    # imports of one week can never leave two.
    Index(
        "ux_figures_current",
        "unit_code",
        "report_date",
        unique=True,
        sqlite_where=text("is_current"),
        postgresql_where=text("is_current"),
    ),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=True),  # argon2id; None: signs in elsewhere
    Column("role", String(16), nullable=False),  # admin | office | liaison | viewer
    Column("scope_code", String(64), nullable=True),  # the subtree a liaison/viewer sees
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    Column("email", String(254), nullable=True),  # matches an OIDC sign-in (migration 0004)
    Column("oidc_subject", String(255), nullable=True),
    Column("entry_mode", String(16), nullable=False, default="subtree"),  # subtree | self
    Index("ux_users_oidc_subject", "oidc_subject", unique=True),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie's token, never the token
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("address", String(64), nullable=False, default=""),
)

auth_failures = Table(
    "auth_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(160), nullable=False, index=True),  # "user:NAME" or "addr:IP"
    Column("at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(  # append-only: database triggers refuse UPDATE and DELETE
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("user_name", String(64), nullable=False, default=""),
    Column("address", String(64), nullable=False, default=""),
    Column("action", String(32), nullable=False, index=True),
    Column("detail", JsonType, nullable=True),
)


# Online entry (填报): one task per report week, one entry per task and unit, every round kept.
fill_tasks = Table(
    "fill_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_date", Date, nullable=False, unique=True),
    Column("scope_code", String(64), nullable=True),  # None: every unit
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("allow_late", Boolean, nullable=False, default=True),
    Column("auto", Boolean, nullable=False, default=False),  # created from the report weekday
    Column("created_by", String(64), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

fill_entries = Table(
    "fill_entries",
    metadata,
    Column("task_id", Integer, ForeignKey("fill_tasks.id"), primary_key=True),
    Column("unit_code", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # draft | submitted | returned | …
    Column("figures", JsonType, nullable=False),  # indicator code → value
    Column("version", Integer, nullable=False, default=1),  # compare-and-set: no lost update
    Column("saved_by", String(64), nullable=False, default=""),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", String(64), nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("late", Boolean, nullable=False, default=False),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=True),
    Column("return_reason", Text, nullable=True),
    Column("cell_reasons", JsonType, nullable=True),  # indicator code → reason
    Index("ix_fill_entries_status", "task_id", "status"),
)

fill_rounds = Table(  # every save, submit, return and resubmit
    "fill_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("fill_tasks.id"), nullable=False),
    Column("unit_code", String(64), nullable=False),
    Column("action", String(24), nullable=False),
    Column("actor", String(64), nullable=False, default=""),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("figures", JsonType, nullable=True),
    Column("reason", Text, nullable=True),
    Column("cell_reasons", JsonType, nullable=True),
    Index("ix_fill_rounds_unit", "task_id", "unit_code"),
)

reminders = Table(  # 催报 log: every attempt, sent or failed
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("fill_tasks.id"), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(64), nullable=False, default=""),  # a user, or "scheduler"
    Column("channel", String(16), nullable=False),  # notice | wecom | dingtalk | email | copy
    Column("recipient", String(255), nullable=False, default=""),
    Column("unit_codes", JsonType, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),  # sent | failed
    Column("error", Text, nullable=True),
    Column("slot", String(64), nullable=True),  # the scheduler's slot: each sent once
    Index("ux_reminders_slot", "slot", "channel", "recipient", unique=True),
)

notices = Table(  # in-app notices shown on the recipient's next sign-in
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(64), nullable=True, index=True),
    Column("unit_code", String(64), nullable=True, index=True),
    Column("task_id", Integer, ForeignKey("fill_tasks.id"), nullable=True),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
)

leases = Table(  # one holder at a time across replicas (the reminder scheduler)
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

week_changes = Table(  # one counter per report week, bumped by triggers (migration 0005)
    "week_changes",
    metadata,
    Column("report_date", Date, primary_key=True),
    Column("changes", BigInteger, nullable=False),
)
