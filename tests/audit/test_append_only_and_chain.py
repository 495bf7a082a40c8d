"""The audit tables refuse changes, and verify_audit finds any change their owner forces."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.chain import seal_pending, verify_chain
from audit.models import Action, AuditEvent, AuditSeal
from audit.services import audit_denial_record, audit_event_record
from tests.database import as_owner, forced
from tests.factories import make_child, make_user

pytestmark = pytest.mark.django_db

PROTECTED_TABLES = ["audit_auditevent", "audit_auditseal", "audit_auditblock", "auditlog_logentry"]


def events(count: int) -> list[AuditEvent]:
    user = make_user()
    made = [
        audit_event_record(action=Action.SEARCH, actor=user, details={"returned": [str(n)]})
        for n in range(count)
    ]
    # Seal as if the events were a few seconds old (the sealer leaves the newest alone).
    forced(
        "UPDATE audit_auditevent SET occurred_at = occurred_at - interval '1 minute'"
        " WHERE id = ANY(%s)",
        [[event.pk for event in made]],
    )
    return made


CHANGES = ["UPDATE {table} SET id = id", "DELETE FROM {table}", "TRUNCATE {table} CASCADE"]


@pytest.mark.parametrize("table", PROTECTED_TABLES)
@pytest.mark.parametrize("statement", CHANGES)
def test_the_application_cannot_change_or_remove_audit_rows(table, statement):
    events(2)
    seal_pending()
    make_child()  # a change-history entry in auditlog_logentry
    # The serving role lacks the privilege; a role that has it (one role for everything,
    # without DATABASE_OWNER_URL) meets the trigger.
    with (
        pytest.raises(DatabaseError, match="permission denied|append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement.format(table=table))


@pytest.mark.parametrize("table", PROTECTED_TABLES)
@pytest.mark.parametrize("statement", CHANGES)
def test_the_triggers_refuse_even_the_owner_holding_every_privilege(table, statement):
    events(2)
    seal_pending()
    make_child()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        as_owner(statement.format(table=table))


def test_the_orm_cannot_update_or_delete_an_event_either():
    event = events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()


def test_privileges_to_change_audit_rows_are_revoked_from_the_application_role():
    with connection.cursor() as cursor:
        for table in PROTECTED_TABLES:
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, 'UPDATE'),"
                " has_table_privilege(current_user, %s, 'DELETE'),"
                " has_table_privilege(current_user, %s, 'TRUNCATE'),"
                " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
                [table, table, table],
            )
            update, delete, truncate, superuser = cursor.fetchone()
            # A superuser bypasses privileges (the triggers still stop it); the serving role,
            # or a role that owns the tables, has lost these rights.
            assert superuser or not (update or delete or truncate)
            cursor.execute(
                "SELECT count(*) FROM information_schema.role_table_grants"
                " WHERE table_name = %s AND grantee = current_user"
                " AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')",
                [table],
            )
            assert cursor.fetchone()[0] == 0


def test_an_intact_chain_verifies_and_reports_its_head():
    events(5)
    assert seal_pending() == 5
    result = verify_chain()
    assert result.ok
    assert result.checked == 5
    assert result.head_position == 5
    assert result.head_hash == AuditSeal.objects.get(position=5).chain_hash


def test_new_events_are_chained_after_the_existing_head():
    events(3)
    seal_pending()
    events(2)
    assert seal_pending() == 2
    assert verify_chain().ok
    assert list(AuditSeal.objects.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_an_altered_event_is_reported_at_its_position():
    made = events(5)
    seal_pending()
    forced("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE id = %s", [made[2].pk])
    result = verify_chain()
    assert not result.ok
    assert (result.problems[0].kind, result.problems[0].position) == ("altered", 3)


def test_a_deleted_event_is_reported_at_its_position():
    made = events(5)
    seal_pending()
    forced("DELETE FROM audit_auditevent WHERE id = %s", [made[1].pk])
    problem = verify_chain().problems[0]
    assert (problem.kind, problem.position, problem.event_id) == ("removed", 2, made[1].pk)


def test_an_event_and_its_seal_deleted_together_break_the_chain_there():
    made = events(5)
    seal_pending()
    forced("DELETE FROM audit_auditseal WHERE event_id = %s", [made[3].pk])
    forced("DELETE FROM audit_auditevent WHERE id = %s", [made[3].pk])
    problem = verify_chain().problems[0]
    assert (problem.kind, problem.position) == ("removed", 4)


def test_an_event_inserted_behind_the_chain_is_reported():
    events(5)
    seal_pending()
    forced(
        "INSERT INTO audit_auditevent (occurred_at, action, outcome, actor_username,"
        " actor_organisation, actor_roles, request_id, reason, object_type, object_id, details)"
        " VALUES (%s, 'record.view', 'success', 'someone', '', '', '', '', 'child', 'x', '{}')",
        [datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)],
    )
    problem = verify_chain().problems[0]
    assert problem.kind == "inserted"


def test_swapping_two_events_content_is_reported():
    made = events(4)
    seal_pending()
    forced(
        "UPDATE audit_auditevent SET actor_username = CASE id WHEN %s THEN 'b' ELSE 'a' END"
        " WHERE id IN (%s, %s)",
        [made[0].pk, made[0].pk, made[1].pk],
    )
    kinds = {problem.kind for problem in verify_chain().problems}
    assert "altered" in kinds


def test_verify_audit_exits_zero_when_intact_and_non_zero_after_tampering(capsys):
    made = events(3)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit chain intact" in out
    head = out.split("Head: ")[1].split()[0]
    call_command("verify_audit", "--expect-head", head)
    forced("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [made[0].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "ALTERED at position 1" in capsys.readouterr().out


def test_verify_audit_fails_if_an_exported_head_is_no_longer_in_the_chain():
    events(2)
    call_command("verify_audit")
    with pytest.raises(CommandError):
        call_command("verify_audit", "--expect-head", "2:" + "f" * 64)


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_denied_requests_event_survives_the_rollback_of_that_request():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_event_record(action=Action.SEARCH)  # part of the request: rolled back
        audit_denial_record(request=None, reason="not allowed")
        raise RuntimeError("the request fails")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [Action.ACCESS_DENIED]
