"""The backup and restore drill (bin/restore_drill.py, `make drill`) against the test server:
it passes on a faithful restore and notices a restore that lost rows, triggers or grants."""

import importlib.util
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from tests.database import roles_are_split
from tests.servers import database_url

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("restore_drill", ROOT / "bin" / "restore_drill.py")
drill = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(drill)

# The roles the tests run as (tests/conftest.py): the serving role, and the owner if any.
SERVING_URL = database_url(settings.DATABASES["default"], "postgres")
OWNER_URL = database_url(settings.DATABASE_OWNER or settings.DATABASES["default"], "postgres")


def drill_databases() -> list[str]:
    with psycopg.connect(drill.conninfo(OWNER_URL, "postgres")) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'childindex\\_drill\\_%'"
        ).fetchall()
    return [name for (name,) in rows]


@pytest.fixture
def no_leftovers():
    before = set(drill_databases())
    yield
    assert set(drill_databases()) <= before, "the drill left its databases behind"


def test_a_faithful_restore_passes_every_check(no_leftovers):
    lines: list[str] = []
    report = drill.run_drill(SERVING_URL, OWNER_URL, children=50, out=lines.append)
    assert report.ok, report.failures
    passed = {name for ok, name, _ in report.lines if ok}
    assert {
        "source audit chain verifies",
        "row counts equal in every table",
        "triggers identical",
        "owners and grants identical on every table and sequence",
        "information_schema.role_table_grants identical on the audit tables",
        "UPDATE on audit_auditevent refused by the trigger",
        "DELETE on audit_auditseal refused by the trigger",
        "TRUNCATE on auditlog_logentry refused by the trigger",
        "verify_audit --expect-head passes on the target",
        "verify_audit refuses a restore behind the audit witness",
        "verify_audit --restored-from-backup accepts it and counts what the restore lost",
    } <= passed
    assert any(line.startswith("Dropped the throw-away databases") for line in lines)
    if roles_are_split():
        assert {
            "serving role privileges on the audit tables as before",
            "serving role is no superuser and owns no table",
            "UPDATE on audit_auditevent refused for the serving role",
            "TRUNCATE on auditlog_logentry refused for the serving role",
            "the serving role cannot switch off the triggers on audit_auditevent",
        } <= passed


def test_a_restore_that_lost_an_event_a_trigger_and_a_revoke_fails(no_leftovers):
    def damage(target: str, role: str | None) -> None:
        # What the owner can do (no superuser needed): switch a trigger off, take back a
        # privilege, delete; drop a trigger; grant the serving role more.
        with psycopg.connect(target, autocommit=True) as conn:
            with conn.transaction():
                conn.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
                conn.execute("GRANT DELETE ON audit_auditevent TO CURRENT_USER")
                conn.execute(
                    "DELETE FROM audit_auditevent WHERE id = (SELECT max(id) FROM audit_auditevent)"
                )
                conn.execute("REVOKE DELETE ON audit_auditevent FROM CURRENT_USER")
                conn.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            conn.execute("DROP TRIGGER audit_auditblock_no_update_delete ON audit_auditblock")
            if role:
                conn.execute(
                    sql.SQL("GRANT UPDATE ON audit_auditseal TO {}").format(sql.Identifier(role))
                )

    report = drill.run_drill(
        SERVING_URL, OWNER_URL, children=50, out=lambda line: None, after_restore=damage
    )
    assert not report.ok
    failed = {name for ok, name, _ in report.lines if not ok}
    assert {
        "row counts equal in every table",
        "triggers identical",
        "UPDATE on audit_auditblock refused by the trigger",
        "DELETE on audit_auditblock refused by the trigger",
        "verify_audit --expect-head passes on the target",
    } <= failed
    if any("serving role" in name for _, name, _ in report.lines):
        assert {
            "owners and grants identical on every table and sequence",
            "serving role privileges on the audit tables as before",
        } <= failed
