"""Make the audit tables append-only in the database itself.

UPDATE, DELETE and TRUNCATE fail for every session, by plain triggers (which
django-pgtrigger's per-session ``ignore`` cannot switch off), and the table
privileges are revoked from PUBLIC and from the role that runs the migration
(normally also the application's role). Only a superuser who deliberately sets
``session_replication_role = replica`` can bypass the triggers; verify_audit
detects what such a session changes.
"""

from django.db import migrations

TABLES = ["audit_auditevent", "audit_auditseal", "audit_auditblock", "auditlog_logentry"]

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit table %% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def _protect(table: str) -> str:
    return f"""
    CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
    REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC;
    REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM CURRENT_USER;
    """


def _unprotect(table: str) -> str:
    return f"""
    DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
    DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
    GRANT UPDATE, DELETE, TRUNCATE ON {table} TO CURRENT_USER;
    """


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_seals_and_blocks"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunSQL(
            FUNCTION.replace("%%", "%") + "".join(_protect(t) for t in TABLES),
            reverse_sql="".join(_unprotect(t) for t in TABLES)
            + "DROP FUNCTION IF EXISTS audit_refuse_change();",
        ),
    ]
