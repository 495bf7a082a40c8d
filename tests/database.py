"""The test database's roles: the application runs as the serving role, as it does in service.

tests/conftest.py creates the test database and migrates it as the owner (DATABASE_OWNER_URL,
or the private cluster's owner), so the serving role holds only what ``migrate`` grants it
(audit/privileges.py). What only the owner may do, the tests ask of a function that exists in
the test database alone: ``test_execute_as_owner``, owned by the owner, SECURITY DEFINER,
executable by the serving role. It runs inside the caller's transaction, so a test can tamper
with the audit as an owner could, and it resets the database after transactional tests
(a TRUNCATE of the append-only tables that no serving role may do).
"""

from django.conf import settings
from django.db import connection

from audit.privileges import APPEND_ONLY_TABLES, quote_identifier

EXECUTE_AS_OWNER = "test_execute_as_owner"


def execute_as_owner_function_sql(serving_role: str) -> list[str]:
    """Create the function, run by the owner on the test database only."""
    tables = ", ".join(f"'{table}'" for table in APPEND_ONLY_TABLES)
    grantee = quote_identifier(serving_role)
    return [
        f"""
        CREATE OR REPLACE FUNCTION {EXECUTE_AS_OWNER}(statement text, audit_triggers_off boolean)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        DECLARE
            item text;
        BEGIN
            -- ALTER TABLE waits for no deferred check: run the test's pending ones now (Django
            -- makes every foreign key DEFERRABLE INITIALLY DEFERRED, restored at the end).
            SET CONSTRAINTS ALL IMMEDIATE;
            -- What an owner may always do: take the privileges back, switch the triggers off.
            FOREACH item IN ARRAY ARRAY[{tables}] LOOP
                EXECUTE format('GRANT UPDATE, DELETE, TRUNCATE ON %I TO CURRENT_USER', item);
                IF audit_triggers_off THEN
                    EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', item);
                END IF;
            END LOOP;
            EXECUTE statement;
            FOREACH item IN ARRAY ARRAY[{tables}] LOOP
                EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM CURRENT_USER', item);
                IF audit_triggers_off THEN
                    EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', item);
                END IF;
            END LOOP;
            SET CONSTRAINTS ALL DEFERRED;
        END
        $$
        """,
        f"REVOKE ALL ON FUNCTION {EXECUTE_AS_OWNER}(text, boolean) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {EXECUTE_AS_OWNER}(text, boolean) TO {grantee}",
    ]


def _execute_as_owner(sql: str, params: list | None, *, audit_triggers_off: bool) -> None:
    statement = connection.ops.compose_sql(sql, params) if params else sql
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {EXECUTE_AS_OWNER}(%s, %s)",  # noqa: S608  # nosec B608  # a constant name
            [statement, audit_triggers_off],
        )


def as_owner(sql: str, params: list | None = None) -> None:
    """Run one statement as the database owner would, with the audit triggers still on."""
    _execute_as_owner(sql, params, audit_triggers_off=False)


def forced(sql: str, params: list | None = None) -> None:
    """What the database owner could do: switch the audit triggers off and change the rows.

    Inside the test's transaction, so it also backdates events for tests that need old ones.
    """
    _execute_as_owner(sql, params, audit_triggers_off=True)


def roles_are_split() -> bool:
    """Whether an owner role separate from the serving role is configured (bin/devdb does)."""
    return settings.DATABASE_OWNER is not None
