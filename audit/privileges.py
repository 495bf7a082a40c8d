"""What the serving database role may do (docs/operations.md "Database roles").

The application connects as a *serving* role (DATABASE_URL) that is not a superuser and owns
nothing. The *owner* role (DATABASE_OWNER_URL) owns the schema and runs ``migrate``, which
ends by setting the serving role's privileges to exactly these, whatever it held before:

- every table: SELECT, INSERT, UPDATE and DELETE (never TRUNCATE, REFERENCES or TRIGGER);
- the append-only tables (the audit log, its seals and blocks, django-auditlog's change
  history): SELECT and INSERT only;
- ``django_migrations``: SELECT only (readiness reads it);
- every sequence: USAGE and SELECT.

Not owning the tables, the serving role can neither switch the audit triggers off nor give
itself back what was taken; the triggers (audit/migrations/0004) refuse even the owner, who
would have to alter the tables first, which ``verify_audit`` then detects.
"""

import copy
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = (
    "audit_auditevent",
    "audit_auditseal",
    "audit_auditblock",
    "auditlog_logentry",
)
READ_ONLY_TABLES = ("django_migrations",)

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def serving_role_grant_statements(*, role: str, tables: set[str]) -> list[str]:
    """The SQL that gives ``role`` the serving privileges above, given the existing ``tables``.

    Run by the owner in one transaction, so the serving role never sees a moment with less.
    """
    grantee = quote_identifier(role)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {grantee}",
        f"GRANT USAGE ON SCHEMA public TO {grantee}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {grantee}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {grantee}",
    ]
    append_only = [quote_identifier(t) for t in APPEND_ONLY_TABLES if t in tables]
    if append_only:
        statements.append(f"REVOKE UPDATE, DELETE ON {', '.join(append_only)} FROM {grantee}")
        # Nor through PUBLIC (audit/migrations/0004 revoked it; a later GRANT would undo that).
        statements.append(
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(append_only)} FROM PUBLIC"
        )
    read_only = [quote_identifier(t) for t in READ_ONLY_TABLES if t in tables]
    if read_only:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(read_only)} FROM {grantee}")
    return statements


def serving_role_grant(*, connection: BaseDatabaseWrapper, role: str) -> bool:
    """Set ``role``'s privileges as the owner connected on ``connection``.

    Returns False (and changes nothing) when the connection already acts as ``role``: one role
    both owns and serves, as on a developer's own server without DATABASE_OWNER_URL.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return False
    tables = set(connection.introspection.table_names())
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in serving_role_grant_statements(role=role, tables=tables):
            cursor.execute(statement)
    return True


@contextmanager
def connected_as_owner(alias: str = DEFAULT_DB_ALIAS) -> Iterator[BaseDatabaseWrapper]:
    """The ``alias`` connection, reconnected as the owner (DATABASE_OWNER_URL) meanwhile.

    Only the credentials change: the owner works on the database the alias names (in tests,
    the test database). Without an owner role configured, the connection is left as it is.
    """
    connection = connections[alias]
    owner = settings.DATABASE_OWNER
    if owner is None:
        yield connection
        return
    saved = {key: connection.settings_dict[key] for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: copy.deepcopy(owner[key]) for key in CREDENTIALS})
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)
