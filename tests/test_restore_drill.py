"""The backup and restore drill (bin/restore_drill.py, `make drill`) against the test server:
it passes on a faithful restore and notices a restore that lost rows, triggers or grants."""

import importlib.util
import os
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("restore_drill", ROOT / "bin" / "restore_drill.py")
drill = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(drill)

SERVER_URL = os.environ.get("DATABASE_URL") or drill.DEFAULT_DATABASE_URL


def drill_databases() -> list[str]:
    with psycopg.connect(drill.conninfo(SERVER_URL, "postgres")) as conn:
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
    report = drill.run_drill(SERVER_URL, children=50, out=lines.append)
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


def test_a_restore_that_lost_an_event_a_trigger_and_a_revoke_fails(no_leftovers):
    def damage(target: str, role: str | None) -> None:
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.execute(
                "DELETE FROM audit_auditevent WHERE id = (SELECT max(id) FROM audit_auditevent)"
            )
            conn.execute("SET session_replication_role = origin")
            conn.execute("DROP TRIGGER audit_auditblock_no_update_delete ON audit_auditblock")
            if role:
                conn.execute(
                    sql.SQL("GRANT UPDATE ON audit_auditseal TO {}").format(sql.Identifier(role))
                )

    report = drill.run_drill(SERVER_URL, children=50, out=lambda line: None, after_restore=damage)
    assert not report.ok
    failed = {name for ok, name, _ in report.lines if not ok}
    assert {
        "row counts equal in every table",
        "triggers identical",
        "UPDATE on audit_auditblock refused by the trigger",
        "DELETE on audit_auditblock refused by the trigger",
        "verify_audit --expect-head passes on the target",
    } <= failed
    if any("application role" in name for _, name, _ in report.lines):
        assert {
            "owners and grants identical on every table and sequence",
            "application role privileges on the audit tables as before",
        } <= failed
