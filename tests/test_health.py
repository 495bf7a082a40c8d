"""Liveness and readiness: public, JSON, and readiness checks what taking traffic needs."""

import pytest
from django.db import connection
from django.test import Client

from audit.chain import seal_pending
from audit.models import Action, AuditSeal
from audit.services import audit_event_record
from childindex import health
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def audit_witness(settings, tmp_path):
    """Each test's audit chain has its own witness (tests/audit/conftest.py says why)."""
    settings.AUDIT_WITNESS_PATH = str(tmp_path / "audit-witness.jsonl")


def forced(sql: str, params: list | None = None) -> None:
    """What a superuser could do with the audit triggers switched off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params or [])
        cursor.execute("SET session_replication_role = origin")


def sealed_events(count: int) -> None:
    user = make_user()
    made = [audit_event_record(action=Action.SEARCH, actor=user) for _ in range(count)]
    forced(
        "UPDATE audit_auditevent SET occurred_at = occurred_at - interval '1 minute'"
        " WHERE id = ANY(%s)",
        [[event.pk for event in made]],
    )
    assert seal_pending() == count


@pytest.mark.parametrize("path", ["/healthz", "/health/live"])
def test_liveness_answers_without_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/readyz", "/health/ready"])
def test_readiness_answers_without_sign_in_and_names_each_check(path):
    sealed_events(3)
    response = Client().get(path)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "audit_chain": "ok"},
    }


def test_readiness_holds_with_nothing_sealed_yet():
    assert Client().get("/readyz").status_code == 200


def test_readiness_fails_when_the_audit_head_no_longer_recomputes():
    sealed_events(3)
    head = AuditSeal.objects.order_by("-position").first()
    forced("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = %s", [head.event_id])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json()["checks"]["audit_chain"] == "inconsistent"


def test_readiness_fails_when_the_head_seal_is_removed():
    sealed_events(3)
    forced("DELETE FROM audit_auditseal WHERE position = 3")
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["audit_chain"] == "inconsistent"


def test_readiness_fails_while_a_migration_is_unapplied(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id ="
            " (SELECT max(id) FROM django_migrations WHERE app = 'records')"
        )
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "pending"
