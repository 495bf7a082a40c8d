"""Audit events: who, from where, in which request; and no data without its event."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit.models import Action, AuditEvent
from audit.services import audit_event_record, client_ip
from tests.database import as_owner
from tests.factories import make_child, make_involvement, make_user, signed_in_client

pytestmark = pytest.mark.django_db


def test_an_event_records_the_actor_their_organisation_roles_ip_and_database_time():
    user = make_user("casey")
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    request.request_id = "req-123456789"
    event = audit_event_record(action=Action.SEARCH, request=request)
    event.refresh_from_db()
    assert event.actor_username == "casey"
    assert event.actor_organisation == user.organisation.code
    assert event.actor_roles == "practitioner"
    assert str(event.ip_address) == "203.0.113.9"
    assert event.request_id == "req-123456789"
    assert event.occurred_at is not None


def test_the_client_ip_comes_from_the_proxy_header_only_when_configured(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7"
    )
    assert client_ip(request) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_ip(request) == "198.51.100.7"


@pytest.mark.django_db(transaction=True)
def test_no_record_is_shown_if_its_view_cannot_be_audited(practitioner):
    child = make_child("Catherine", "Whitfield")
    make_involvement(child, practitioner_name="Dana Social", phone="07700 900456")
    client = signed_in_client(practitioner)
    url = reverse("records:child", args=[child.public_id])
    client.post(url, {"reason": "coordination"})
    as_owner(
        """
            CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;
            CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent
            FOR EACH ROW EXECUTE FUNCTION refuse_audit();
            """
    )
    client.raise_request_exception = False
    try:
        response = client.get(url)
    finally:
        as_owner("DROP TRIGGER refuse_audit ON audit_auditevent; DROP FUNCTION refuse_audit();")
    assert response.status_code == 500
    page = response.content.decode()
    assert "07700 900456" not in page and "Dana Social" not in page
    assert not AuditEvent.objects.filter(action=Action.RECORD_VIEW).exists()


@pytest.mark.django_db(transaction=True)
def test_no_search_result_is_shown_if_the_search_cannot_be_audited(practitioner):
    make_child("Catherine", "Whitfield")
    client = signed_in_client(practitioner)
    as_owner(
        """
            CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;
            CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent
            FOR EACH ROW EXECUTE FUNCTION refuse_audit();
            """
    )
    client.raise_request_exception = False
    try:
        response = client.post(reverse("records:search"), {"family_name": "Whitfield"})
    finally:
        as_owner("DROP TRIGGER refuse_audit ON audit_auditevent; DROP FUNCTION refuse_audit();")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "Whitfield" not in page and "Catherine" not in page
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()
