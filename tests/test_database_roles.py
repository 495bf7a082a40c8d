"""The application serves as a least-privilege database role (docs/operations.md "Database roles").

The private cluster (bin/devdb) holds an owner role that runs migrations and a serving role
that the application, the tests and CI connect as. The serving role is not a superuser, owns
nothing, may only read and add to the append-only audit tables, and cannot switch their
triggers off. With one DATABASE_URL for everything (a developer's own server), the checks
that need two roles are skipped.
"""

import os
import subprocess  # nosec B404  # runs our own bin/devdb
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit.privileges import APPEND_ONLY_TABLES, READ_ONLY_TABLES, serving_role_grant_statements
from tests.database import as_owner, roles_are_split

pytestmark = pytest.mark.django_db
two_roles = pytest.mark.skipif(
    not roles_are_split(), reason="one role owns and serves: DATABASE_OWNER_URL is not set"
)

ROOT = Path(__file__).resolve().parent.parent
PRIVATE_CLUSTER_SOCKET = str(ROOT / "var" / "run")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def one(sql: str, params: list | None = None) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def all_rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def privileges_held(table: str) -> set[str]:
    return {
        privilege
        for privilege in TABLE_PRIVILEGES
        if one("SELECT has_table_privilege(current_user, %s, %s)", [table, privilege])[0]
    }


def refused(statement: str) -> str:
    """The error the serving role meets running ``statement`` (which must fail)."""
    with (
        pytest.raises(DatabaseError) as error,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    return str(error.value)


def test_the_application_connects_as_the_serving_role():
    assert one("SELECT current_user") == (settings.DATABASE_SERVING_ROLE,)
    # make's default: the private cluster, its serving role and its owner (bin/devdb).
    on_private_cluster = connection.settings_dict["OPTIONS"].get("host") == PRIVATE_CLUSTER_SOCKET
    if on_private_cluster and roles_are_split():
        assert settings.DATABASE_SERVING_ROLE == "childindex_app"
        assert settings.DATABASE_OWNER["USER"] == "childindex_owner"


def test_the_private_clusters_url_names_the_serving_role_and_owner_url_the_owner():
    def devdb(command: str) -> str:
        return subprocess.run(  # noqa: S603  # nosec B603  # our own script, fixed arguments
            [str(ROOT / "bin" / "devdb"), command],
            env={**os.environ, "DEVDB_PORT": "54329"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    socket = f"host={PRIVATE_CLUSTER_SOCKET}&port=54329"
    assert devdb("url") == f"postgresql://childindex_app@/childindex?{socket}"
    assert devdb("owner-url") == f"postgresql://childindex_owner@/childindex?{socket}"


@two_roles
def test_the_serving_role_is_no_superuser_and_cannot_create_roles_or_databases():
    attributes = one(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
        " FROM pg_roles WHERE rolname = current_user"
    )
    assert attributes == (False, False, False, False, False)


@two_roles
def test_the_serving_role_owns_nothing_in_the_database_and_belongs_to_no_owner():
    owned = all_rows(
        "SELECT relname FROM pg_class WHERE relowner = current_user::regrole"
        " UNION ALL SELECT proname FROM pg_proc WHERE proowner = current_user::regrole"
        " UNION ALL SELECT nspname FROM pg_namespace WHERE nspowner = current_user::regrole"
        " UNION ALL SELECT datname FROM pg_database WHERE datdba = current_user::regrole"
    )
    assert owned == []
    # Membership of the owning role would carry its rights.
    for table in APPEND_ONLY_TABLES:
        assert one(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class"
            " WHERE oid = %s::regclass",
            [table],
        ) == (False,)


@two_roles
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE {table} DISABLE TRIGGER ALL",
        "ALTER TABLE {table} DISABLE TRIGGER USER",
        "DROP TRIGGER {table}_no_update_delete ON {table}",
        "ALTER TABLE {table} OWNER TO CURRENT_USER",
    ],
)
def test_the_serving_role_cannot_switch_off_or_drop_the_audit_triggers(table, statement):
    assert "must be owner" in refused(statement.format(table=table))
    assert one(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass"
        " AND NOT tgisinternal AND tgenabled = 'O'",
        [table],
    ) == (2,)


@two_roles
def test_the_serving_role_cannot_bypass_the_triggers_by_replication_role():
    assert "permission denied" in refused("SET session_replication_role = replica")


@two_roles
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET id = id", "DELETE FROM {table}", "TRUNCATE {table}"],
)
def test_the_serving_role_has_no_privilege_to_change_audit_rows(table, statement):
    assert f"permission denied for table {table}" in refused(statement.format(table=table))


@two_roles
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_serving_role_may_only_read_and_add_to_the_audit_tables(table):
    assert privileges_held(table) == {"SELECT", "INSERT"}


@two_roles
def test_the_serving_role_has_what_the_application_needs_on_every_other_table():
    tables = [
        name
        for (name,) in all_rows(
            "SELECT relname FROM pg_class"
            " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
        )
    ]
    assert len(tables) > 40
    wrong = {}
    for table in tables:
        if table in APPEND_ONLY_TABLES:
            continue
        expected = (
            {"SELECT"} if table in READ_ONLY_TABLES else {"SELECT", "INSERT", "UPDATE", "DELETE"}
        )
        if privileges_held(table) != expected:
            wrong[table] = privileges_held(table)
    assert wrong == {}
    sequences = all_rows(
        "SELECT relname, has_sequence_privilege(current_user, oid, 'USAGE'),"
        " has_sequence_privilege(current_user, oid, 'UPDATE') FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind = 'S'"
    )
    assert sequences and all(usage and not update for _, usage, update in sequences)


def test_every_table_the_audit_trigger_guards_is_append_only_for_the_serving_role():
    guarded = {
        name
        for (name,) in all_rows(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger"
            " WHERE tgfoid = 'audit_refuse_change'::regproc"
        )
    }
    assert guarded == set(APPEND_ONLY_TABLES)


@two_roles
def test_migrates_grants_take_back_a_stray_privilege_and_restore_a_lost_one():
    role = settings.DATABASE_SERVING_ROLE
    as_owner(f'GRANT UPDATE, TRUNCATE ON audit_auditevent TO "{role}"')
    as_owner(f'REVOKE ALL ON records_child FROM "{role}"')
    as_owner("GRANT DELETE ON auditlog_logentry TO PUBLIC")
    assert "UPDATE" in privileges_held("audit_auditevent")
    assert "DELETE" in privileges_held("auditlog_logentry")
    assert privileges_held("records_child") == set()
    tables = {name for (name,) in all_rows("SELECT tablename FROM pg_tables")}
    for statement in serving_role_grant_statements(role=role, tables=tables):
        as_owner(statement)
    assert privileges_held("audit_auditevent") == {"SELECT", "INSERT"}
    assert privileges_held("auditlog_logentry") == {"SELECT", "INSERT"}
    assert privileges_held("records_child") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
