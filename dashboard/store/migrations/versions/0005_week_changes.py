"""a change counter per report week, kept by the database itself

Every write of a week's figures (import, online submission, undo, reinstate, reset) and of
its 填报 task, entries and rounds adds one to that week's counter, by triggers, so no write
path can forget it. A page of week W depends only on data dated up to W (and the registry
and settings): its caches are keyed by the counters up to W, and stay warm while later weeks
are written (``repo.week_version``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DATED = ("figures", "fill_tasks")  # rows that carry their report_date
TASKED = ("fill_entries", "fill_rounds")  # rows that carry their task's id
EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "week_changes",
        sa.Column("report_date", sa.Date, primary_key=True),
        sa.Column("changes", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_bump(day: str) -> str:
    return (
        f"INSERT INTO week_changes (report_date, changes) {day} "
        "ON CONFLICT (report_date) DO UPDATE SET changes = changes + 1;"
    )


def _sqlite_triggers() -> None:
    """Row triggers (SQLite has no statement triggers); an UPDATE bumps the old and the new
    week (the same one unless a date itself changed)."""
    for table in (*DATED, *TASKED):
        for event in EVENTS:
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            if table in DATED:
                body = "".join(_sqlite_bump(f"VALUES ({row}.report_date, 1)") for row in rows)
            else:
                body = "".join(
                    _sqlite_bump(f"SELECT report_date, 1 FROM fill_tasks WHERE id = {row}.task_id")
                    for row in rows
                )
            op.execute(
                f"CREATE TRIGGER week_changes_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {body} END"
            )


_PG_FUNCTIONS = {
    # one upsert per statement: a 50,000-row import bumps each of its weeks once, in date
    # order (writers of several weeks take the app's week locks first, so no two wait on
    # each other's weeks in a cycle)
    "week_changes_dated": "SELECT DISTINCT report_date FROM changed_rows",
    "week_changes_tasked": (
        "SELECT DISTINCT t.report_date FROM changed_rows c JOIN fill_tasks t ON t.id = c.task_id"
    ),
}


def _postgresql_triggers() -> None:
    """Statement triggers over transition tables; an UPDATE has one trigger for the old rows
    and one for the new."""
    for name, days in _PG_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO week_changes (report_date, changes) "
            f"SELECT d.report_date, 1 FROM ({days}) d WHERE d.report_date IS NOT NULL "
            "ORDER BY d.report_date "
            "ON CONFLICT (report_date) DO UPDATE SET changes = week_changes.changes + 1; "
            "RETURN NULL; END $$"
        )
    for table in (*DATED, *TASKED):
        function = "week_changes_dated" if table in DATED else "week_changes_tasked"
        for event, side in (
            ("INSERT", "NEW"),
            ("UPDATE", "NEW"),
            ("UPDATE", "OLD"),
            ("DELETE", "OLD"),
        ):
            op.execute(
                f"CREATE TRIGGER week_changes_{table}_{event.lower()}_{side.lower()} "
                f"AFTER {event} ON {table} REFERENCING {side} TABLE AS changed_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in (*DATED, *TASKED):
        if postgresql:
            for suffix in ("insert_new", "update_new", "update_old", "delete_old"):
                op.execute(f"DROP TRIGGER IF EXISTS week_changes_{table}_{suffix} ON {table}")
        else:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS week_changes_{table}_{event.lower()}")
    if postgresql:
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("week_changes")
