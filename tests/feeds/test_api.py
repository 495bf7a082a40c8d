"""The API for case management systems: auth, the fixed search contract, idempotent writes,
the same visibility policy and audit as the web, and clear 4xx errors."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from audit.models import Action, AuditEvent
from feeds.models import IntegrationClient
from involvements.models import Involvement
from tests.factories import make_child, make_organisation

pytestmark = pytest.mark.django_db

DOB = datetime.date(2015, 3, 7)


@pytest.fixture
def token():
    make_organisation("EDU-SYS", "Education system")
    out = io.StringIO()
    call_command("create_integration_client", "schoolsys", "--organisation", "EDU-SYS", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def api(token, method, path, body=None):
    client = Client()
    payload = body if isinstance(body, str) else json.dumps(body or {})
    return getattr(client, method)(
        path, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_token_is_printed_once_and_stored_hashed(token):
    client = IntegrationClient.objects.get()
    assert token.startswith("ci_") and token not in client.token_hash
    with pytest.raises(CommandError, match="exists"):
        call_command("create_integration_client", "schoolsys", "--organisation", "EDU-SYS")


def test_search_answers_the_fixed_contract_with_the_web_ranking(token):
    child = make_child("Catherine", "Whitfield", DOB, postcode="SE6 4RU")
    make_child("Catherine", "Whitmore", datetime.date(2012, 1, 1))
    response = api(
        token,
        "post",
        "/api/v1/children/search",
        {"given_name": "Kathryn", "family_name": "Whitfeild", "date_of_birth": DOB.isoformat()},
    )
    assert response.status_code == 200
    first = response.json()[0]
    assert set(first) == {
        "id",
        "given_name",
        "family_name",
        "date_of_birth",
        "gender",
        "postcode_district",
        "score",
    }
    assert (first["id"], first["postcode_district"]) == (str(child.public_id), "SE6")
    event = AuditEvent.objects.get(action=Action.SEARCH)
    assert event.actor_username == "api:schoolsys" and event.details["returned"][0] == str(
        child.public_id
    )


def test_the_api_never_finds_a_shielded_child_by_postcode(token):
    make_child("Leah", "Harrington", DOB, postcode="SE4 1NX", shielded=True)
    response = api(
        token, "post", "/api/v1/children/search", {"given_name": "Leah", "postcode": "SE4 1NX"}
    )
    assert response.json() == []
    found = api(
        token,
        "post",
        "/api/v1/children/search",
        {"family_name": "Harrington", "date_of_birth": DOB.isoformat()},
    ).json()
    assert found[0]["postcode_district"] == ""


@pytest.mark.parametrize(
    "body",
    [
        {"given_name": "Sam"},
        {"family_name": "Jones", "date_of_birth": "27/03/2015"},
        {"family_name": "Jones", "postcode": "NOTAPOSTCODE"},
        {"family_name": "Jones", "date_of_birth": "2999-01-01"},
        "not json at all",
    ],
)
def test_bad_input_gets_a_clear_400_never_a_500(token, body):
    response = api(token, "post", "/api/v1/children/search", body)
    assert response.status_code == 400
    assert response.json()


def test_requests_without_a_valid_token_are_refused(token):
    assert (
        api("ci_wrong", "post", "/api/v1/children/search", {"family_name": "Jones"}).status_code
        == 401
    )
    assert (
        Client().post("/api/v1/children/search", "{}", content_type="application/json").status_code
        == 401
    )
    client = IntegrationClient.objects.get()
    call_command(
        "create_integration_client",
        "schoolsys",
        "--organisation",
        "EDU-SYS",
        "--rotate",
        stdout=io.StringIO(),
    )
    assert (
        api(token, "post", "/api/v1/children/search", {"family_name": "Jones"}).status_code == 401
    )
    assert client.pk


def test_a_revoked_token_is_refused_until_the_client_is_given_a_new_one(token):
    search = {"family_name": "Jones"}
    assert api(token, "post", "/api/v1/children/search", search).status_code == 200
    call_command(
        "create_integration_client",
        "schoolsys",
        "--organisation",
        "EDU-SYS",
        "--revoke",
        stdout=io.StringIO(),
    )
    assert IntegrationClient.objects.get().revoked_at is not None
    assert api(token, "post", "/api/v1/children/search", search).status_code == 401
    out = io.StringIO()
    call_command(
        "create_integration_client",
        "schoolsys",
        "--organisation",
        "EDU-SYS",
        "--rotate",
        stdout=out,
    )
    new_token = out.getvalue().strip().splitlines()[-1]
    assert api(new_token, "post", "/api/v1/children/search", search).status_code == 200
    assert api(token, "post", "/api/v1/children/search", search).status_code == 401


def test_putting_an_involvement_twice_changes_nothing_the_second_time(token):
    child = make_child("Catherine", "Whitfield", DOB)
    body = {
        "child_id": str(child.public_id),
        "service_code": "SCH9",
        "service_name": "Hillside",
        "service_type": "school",
        "practitioner_name": "Clare",
        "practitioner_role": "Teacher",
        "start_date": "2024-09-01",
    }
    first = api(token, "put", "/api/v1/involvements/ENR-1", body)
    second = api(token, "put", "/api/v1/involvements/ENR-1", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert Involvement.objects.count() == 1
    ended = api(token, "put", "/api/v1/involvements/ENR-1", {**body, "end_date": "2025-07-20"})
    assert ended.status_code == 200
    assert Involvement.objects.get().end_date == datetime.date(2025, 7, 20)


def test_an_involvement_for_an_unknown_child_or_bad_dates_is_refused(token):
    child = make_child()
    body = {
        "child_id": "00000000-0000-4000-8000-000000000000",
        "service_code": "S",
        "service_name": "S",
        "service_type": "school",
        "practitioner_role": "T",
        "start_date": "2024-09-01",
    }
    assert api(token, "put", "/api/v1/involvements/X", body).status_code == 404
    bad = api(
        token,
        "put",
        "/api/v1/involvements/X",
        {**body, "child_id": str(child.public_id), "end_date": "2020-01-01"},
    )
    assert bad.status_code == 400 and "end_date" in bad.json()
    sensitive = api(
        token,
        "put",
        "/api/v1/involvements/X",
        {**body, "child_id": str(child.public_id), "service_type": "sexual_health"},
    )
    assert sensitive.status_code == 400


def test_the_openapi_schema_describes_the_search(token):
    response = Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert b"/api/v1/children/search" in response.content


def test_a_system_reports_caf_status_as_new_versions_and_repeats_change_nothing(token):
    from caf.models import CafVersion

    child = make_child("Catherine", "Whitfield", DOB)
    enrol = {
        "child_id": str(child.public_id),
        "service_code": "SCH9",
        "service_name": "Hillside",
        "service_type": "school",
        "practitioner_role": "SENCO",
        "start_date": "2024-09-01",
    }
    api(token, "put", "/api/v1/involvements/ENR-7", enrol)
    body = {"status": "in_progress", "started_on": "2025-01-10", "holder_involvement_id": "ENR-7"}
    first = api(token, "put", f"/api/v1/children/{child.public_id}/caf", body)
    again = api(token, "put", f"/api/v1/children/{child.public_id}/caf", body)
    done = api(
        token,
        "put",
        f"/api/v1/children/{child.public_id}/caf",
        {**body, "status": "completed", "completed_on": "2025-02-01"},
    )
    assert (first.json()["version"], again.json()["version"], done.json()["version"]) == (1, 1, 2)
    assert CafVersion.objects.count() == 2
    bad = api(
        token,
        "put",
        f"/api/v1/children/{child.public_id}/caf",
        {**body, "holder_involvement_id": "NOPE"},
    )
    assert bad.status_code == 400 and "holder_involvement_id" in bad.json()


def test_the_api_docs_page_lists_the_endpoints_and_fields():
    from django.urls import reverse

    from tests.factories import make_user, signed_in_client

    page = signed_in_client(make_user()).get(reverse("feeds:api_docs")).content.decode()
    assert "POST /api/v1/children/search" in page
    assert "postcode_district" in page and "family_name" in page


def test_a_system_cannot_write_about_another_organisations_service(token):
    from tests.factories import make_service

    other = make_service(name="Someone else's school")
    child = make_child()
    body = {
        "child_id": str(child.public_id),
        "service_code": other.code,
        "service_name": "x",
        "service_type": "school",
        "practitioner_role": "T",
        "start_date": "2024-09-01",
    }
    response = api(token, "put", "/api/v1/involvements/HIJACK", body)
    assert response.status_code == 403
    assert not Involvement.objects.exists()
