"""change feed: PostgreSQL tells every listening process which dossiers a commit changed

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 13:40:00

One statement-level trigger per table and operation sends, at commit, a notification on the
channel ``agency_changes`` whose payload is ``<table>:<project ids>`` (or ``<table>:*`` when the
ids do not fit in a notification or the table is not tied to one dossier). A server process keeps
what it read from these tables and forgets it when told (agency/db/changes.py). Triggers see every
writer — the API, the worker, a script — so nothing needs to remember to announce its change.
SQLite (the embedded default, one process) has no notifications and needs none.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lists are fixed here on purpose: a migration must not change when application code does.
# How a changed row (alias r) of a table tied to dossiers names its dossier.
TABLES: dict[str, str] = {
    "projects": "r.id",
    "approvals": "r.project_id",
    "project_milestones": "r.project_id",
    "escalations": "r.project_id",
    "approval_prerequisites": "(SELECT a.project_id FROM approvals AS a WHERE a.id = r.approval_id)",
    "clock_events": "(SELECT a.project_id FROM approvals AS a WHERE a.id = r.approval_id)",
}
# Tables a dossier shows a little of (a name), announced as "every dossier" when that changes:
# a login writes the user's row many times a day, a new display name is rare.
WHOLE: dict[str, str] = {
    "enterprises": "UPDATE OF name OR DELETE OR TRUNCATE",
    "users": "UPDATE OF display_name OR DELETE OR TRUNCATE",
    "calendar_revision": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
}

FUNCTION = """
CREATE FUNCTION agency_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text;
BEGIN
    IF TG_NARGS = 0 OR TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('agency_changes', TG_TABLE_NAME || ':*');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT string_agg(DISTINCT (%s)::text, '','') FROM old_rows AS r', TG_ARGV[0]) INTO ids;
    ELSE
        EXECUTE format('SELECT string_agg(DISTINCT (%s)::text, '','') FROM new_rows AS r', TG_ARGV[0]) INTO ids;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;  -- no row changed, or none still tied to a dossier
    END IF;
    IF length(ids) > 7000 THEN
        ids := '*';  -- a notification carries at most 8000 bytes
    END IF;
    PERFORM pg_notify('agency_changes', TG_TABLE_NAME || ':' || ids);
    RETURN NULL;
END
$$
"""


def _triggers(table: str, expression: str) -> list[str]:
    argument = expression.replace("'", "''")
    # Transition tables allow one event per trigger, hence three.
    return [
        f"CREATE TRIGGER agency_changes_{table}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION agency_notify_change('{argument}')",
        f"CREATE TRIGGER agency_changes_{table}_update AFTER UPDATE ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION agency_notify_change('{argument}')",
        f"CREATE TRIGGER agency_changes_{table}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION agency_notify_change('{argument}')",
        f"CREATE TRIGGER agency_changes_{table}_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION agency_notify_change()",
    ]


def _trigger_names(table: str) -> list[str]:
    return [f"agency_changes_{table}_{op}" for op in ("insert", "update", "delete", "truncate")]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table, expression in TABLES.items():
        for statement in _triggers(table, expression):
            op.execute(statement)
    for table, events in WHOLE.items():
        op.execute(f"CREATE TRIGGER agency_changes_{table} AFTER {events} ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION agency_notify_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for name in _trigger_names(table):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for table in WHOLE:
        op.execute(f"DROP TRIGGER IF EXISTS agency_changes_{table} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS agency_notify_change()")
