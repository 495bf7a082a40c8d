"""The search page and the record page: what they show, what they hide and what they record."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from involvements.models import ServiceType
from tests.factories import (
    make_child,
    make_involvement,
    make_service,
    make_user,
    signed_in_client,
)

pytestmark = pytest.mark.django_db

DOB = datetime.date(2015, 3, 27)
SEARCH = {
    "given_name": "Catherine",
    "family_name": "Whitfeild",
    "dob_day": "27",
    "dob_month": "3",
    "dob_year": "2015",
}


def open_record(client: Client, child, reason: str = "coordination", other: str = ""):
    url = reverse("records:child", args=[child.public_id])
    client.post(url, {"reason": reason, "other_reason": other})
    return client.get(url)


def test_a_search_shows_matches_without_contact_details_and_is_audited_with_the_ids(practitioner):
    child = make_child("Catherine", "Whitfield", DOB, postcode="SE6 4RU")
    make_involvement(child, practitioner_name="Dana Social", phone="07700 900456")
    client = signed_in_client(practitioner)

    response = client.post(reverse("records:search"), SEARCH)

    page = response.content.decode()
    assert "Catherine Whitfield" in page
    assert "SE6" in page and "SE6 4RU" not in page
    assert "07700 900456" not in page and "Dana Social" not in page
    event = AuditEvent.objects.get(action=Action.SEARCH)
    assert event.actor_username == practitioner.username
    assert event.actor_organisation == "ORG-A"
    assert event.details["returned"] == [str(child.public_id)]
    assert event.details["criteria"]["family_name"] == "Whitfeild"
    assert event.details["criteria"]["date_of_birth"] == "2015-03-27"
    assert event.request_id == response.headers["X-Request-ID"]


def test_an_over_broad_search_asks_for_more_detail_and_searches_nothing(practitioner):
    client = signed_in_client(practitioner)
    response = client.post(reverse("records:search"), {"given_name": "Sam"})
    assert "Enter more details to search" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"family_name": "Jones", "dob_day": "31", "dob_month": "2", "dob_year": "2015"},
            "real date",
        ),
        ({"family_name": "Jones", "dob_month": "2"}, "must include a year"),
        ({"family_name": "Jones", "dob_year": "1900"}, "Year of birth must be between"),
        ({"family_name": "Jones", "postcode": "XYZ 123"}, "Enter a full postcode"),
        ({"family_name": "Jones", "postcode": "not a postcode at all"}, "Enter a full postcode"),
        ({"family_name": "Jones", "age_from": "9", "age_to": "3"}, "same as or more than"),
    ],
)
def test_bad_search_input_gets_a_clear_message(practitioner, data, message):
    response = signed_in_client(practitioner).post(reverse("records:search"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_a_date_of_birth_in_the_future_is_refused(practitioner):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    data = {
        "family_name": "Jones",
        "dob_day": tomorrow.day,
        "dob_month": tomorrow.month,
        "dob_year": tomorrow.year,
    }
    response = signed_in_client(practitioner).post(reverse("records:search"), data)
    assert "today or in the past" in response.content.decode()


def test_opening_a_record_asks_for_a_reason_first_and_shows_no_contacts(practitioner):
    child = make_child("Catherine", "Whitfield", DOB)
    make_involvement(child, practitioner_name="Dana Social", phone="07700 900456")
    client = signed_in_client(practitioner)

    response = client.get(reverse("records:child", args=[child.public_id]))

    page = response.content.decode()
    assert "Why do you need to see this record?" in page
    assert "07700 900456" not in page
    assert not AuditEvent.objects.filter(action=Action.RECORD_VIEW).exists()


def test_a_missing_reason_is_refused_with_an_error(practitioner):
    child = make_child()
    client = signed_in_client(practitioner)
    url = reverse("records:child", args=[child.public_id])
    response = client.post(url, {"reason": "other", "other_reason": "  "})
    assert "Give the reason you need to see this record" in response.content.decode()
    response = client.post(url, {})
    assert "Select why you need to see this record" in response.content.decode()
    assert client.get(url).content.decode().count("Why do you need to see this record?") >= 1


def test_the_record_shows_who_is_involved_and_how_to_reach_them_and_is_audited(practitioner):
    child = make_child("Catherine", "Whitfield", DOB, former=[("Catherine", "Moss")])
    school = make_service(ServiceType.SCHOOL, name="Rivermead Primary")
    gp = make_service(ServiceType.GP, name="Catford Family Practice")
    make_involvement(child, school, practitioner_name="Lena Teacher", phone="07700 900111")
    make_involvement(child, gp, practitioner_name="Dr Hill", phone="07700 900222", role="GP")
    make_involvement(
        child, practitioner_name="Dana Social", phone="07700 900456", role="Social worker"
    )
    make_involvement(
        child,
        practitioner_name="Old Worker",
        start=datetime.date.today() - datetime.timedelta(days=200),
        end=datetime.date.today() - datetime.timedelta(days=30),
    )
    make_involvement(
        child,
        practitioner_name="Long Gone",
        start=datetime.date(2015, 1, 1),
        end=datetime.date.today() - datetime.timedelta(days=400),
    )
    client = signed_in_client(practitioner)

    response = open_record(client, child, "other", "Asked by the school nurse")

    page = response.content.decode()
    for expected in [
        "Catherine Moss",
        "Rivermead Primary",
        "07700 900111",
        "Catford Family Practice",
        "07700 900222",
        "Dana Social",
        "07700 900456",
        "Old Worker",
        "1 High Street",
    ]:
        assert expected in page, expected
    assert "Long Gone" not in page
    event = AuditEvent.objects.get(action=Action.RECORD_VIEW)
    assert event.object_id == str(child.public_id)
    assert event.reason == "Other: Asked by the school nurse"
    assert event.actor_id == practitioner.id


def test_a_sensitive_service_shows_only_that_a_restricted_service_is_involved(
    practitioner, sensitive_practitioner
):
    child = make_child()
    camhs = make_service(
        ServiceType.MENTAL_HEALTH, name="CAMHS Community Team", phone="020 7946 0601"
    )
    make_involvement(child, camhs, practitioner_name="Tom Therapist", phone="07700 900999")

    ordinary = open_record(signed_in_client(practitioner), child).content.decode()
    assert "A restricted service is involved" in ordinary
    assert (
        "CAMHS" not in ordinary
        and "Tom Therapist" not in ordinary
        and "07700 900999" not in ordinary
    )

    entitled = open_record(signed_in_client(sensitive_practitioner), child).content.decode()
    assert "CAMHS Community Team" in entitled and "07700 900999" in entitled


def test_a_shielded_child_shows_only_names_gender_date_of_birth_and_carer_name(
    practitioner, index_officer
):
    from records.services import CarerInput

    child = make_child(
        "Leah",
        "Harrington",
        shielded=True,
        postcode="SE4 1NX",
        carers=[CarerInput(name="Maria Harrington", relationship="Mother", phone="07700 900777")],
    )
    make_involvement(
        child, make_service(ServiceType.SCHOOL, name="Orchard Lane"), phone="07700 900333"
    )

    page = open_record(signed_in_client(practitioner), child).content.decode()
    assert "Leah Harrington" in page and "Maria Harrington" in page
    for hidden in ["SE4", "1 High Street", "Orchard Lane", "07700 900333", "07700 900777"]:
        assert hidden not in page, hidden
    assert "contact the index team" in page.lower()

    full = open_record(signed_in_client(index_officer), child).content.decode()
    assert "SE4 1NX" in full and "Orchard Lane" in full


def test_a_record_the_user_may_not_see_looks_like_one_that_does_not_exist(auditor):
    child = make_child()
    client = signed_in_client(auditor)
    hidden = client.get(reverse("records:child", args=[child.public_id]))
    missing = client.get(reverse("records:child", args=["00000000-0000-4000-8000-000000000000"]))
    assert hidden.status_code == missing.status_code == 404
    assert "Leah" not in hidden.content.decode()


def test_users_without_a_searching_role_are_told_they_cannot_search(admin_of_a):
    response = signed_in_client(admin_of_a).get(reverse("records:search"))
    assert response.status_code == 403
    assert "You cannot search the index" in response.content.decode()


def test_wrong_methods_are_refused(practitioner):
    client = signed_in_client(practitioner)
    child = make_child()
    assert client.put(reverse("records:search")).status_code == 405
    assert client.delete(reverse("records:child", args=[child.public_id])).status_code == 405


def test_suspended_users_cannot_use_a_session_they_still_hold():
    user = make_user(roles=(Role.PRACTITIONER,))
    client = signed_in_client(user)
    user.is_active = False
    user.save()
    response = client.get(reverse("records:search"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))


def test_the_record_page_runs_a_bounded_number_of_queries(
    practitioner, django_assert_max_num_queries
):
    child = make_child()
    for number in range(15):
        make_involvement(child, practitioner_name=f"Worker {number}")
    client = signed_in_client(practitioner)
    client.post(reverse("records:child", args=[child.public_id]), {"reason": "coordination"})
    with django_assert_max_num_queries(30):
        response = client.get(reverse("records:child", args=[child.public_id]))
    assert "Worker 14" in response.content.decode()


def test_the_search_runs_a_bounded_number_of_queries(practitioner, django_assert_max_num_queries):
    for day in range(1, 25):
        make_child("Sam", "Taylor", datetime.date(2014, 1, day))
    client = signed_in_client(practitioner)
    with django_assert_max_num_queries(22):
        response = client.post(reverse("records:search"), {"family_name": "Taylor"})
    assert "More than 20 children match" in response.content.decode()


def test_the_record_page_query_count_does_not_grow_with_involvements(practitioner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for involvements in (2, 40):
        child = make_child("Robin", f"Count{involvements}")
        for number in range(involvements):
            make_involvement(child, practitioner_name=f"Worker {number}")
        client = signed_in_client(practitioner)
        url = reverse("records:child", args=[child.public_id])
        client.post(url, {"reason": "coordination"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert f"Worker {involvements - 1}" in response.content.decode()
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] and counts[0] > 5, counts


def test_an_over_broad_search_asks_for_more_detail_instead_of_showing_an_arbitrary_few(
    practitioner, monkeypatch
):
    for day in range(1, 8):
        make_child("Sam", "Taylor", datetime.date(2014, 1, day))
    monkeypatch.setattr("records.search.CANDIDATE_LIMIT", 5)  # 2,000 in the service
    response = signed_in_client(practitioner).post(
        reverse("records:search"), {"family_name": "Taylor"}
    )
    page = response.content.decode()
    assert "Too many children match your search" in page
    assert "Add the date of birth" in page
    assert "Sam Taylor" not in page
    assert "No children match" not in page
