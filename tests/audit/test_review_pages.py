"""Auditor pages: find events, who accessed a child, CSV export, misuse report; all audited."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.alerts import findings
from audit.models import Action, AuditEvent
from audit.services import audit_event_record
from audit.views import neutralise
from tests.database import forced
from tests.factories import make_child, make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def looked_up(practitioner):
    """A child that a practitioner searched for and opened."""
    child = make_child("Catherine", "Whitfield")
    other = make_child("Oliver", "Brown")
    client = signed_in_client(practitioner)
    client.post(reverse("records:search"), {"family_name": "Whitfield"})
    client.post(reverse("records:child", args=[child.public_id]), {"reason": "safeguarding"})
    client.get(reverse("records:child", args=[child.public_id]))
    client.post(reverse("records:search"), {"family_name": "Brown"})
    return child, other


def test_only_auditors_may_use_the_audit_pages(practitioner, admin_of_a, auditor):
    for user in (practitioner, admin_of_a):
        client = signed_in_client(user)
        for name in ("audit:events", "audit:alerts", "audit:export", "records:audit_lookup"):
            assert client.get(reverse(name)).status_code == 403
    assert signed_in_client(auditor).get(reverse("audit:events")).status_code == 200


def test_who_has_accessed_a_child_lists_every_view_with_its_reason_and_every_search(
    looked_up, auditor, practitioner
):
    child, other = looked_up
    page = signed_in_client(auditor).get(reverse("audit:child", args=[child.public_id]))
    text = page.content.decode()
    assert "Record views (1)" in text
    assert "Safeguarding concern" in text
    assert "Searches that returned this child (1)" in text
    assert practitioner.username in text
    review = AuditEvent.objects.get(action=Action.AUDIT_REVIEW)
    assert review.object_id == str(child.public_id)
    assert review.actor_id == auditor.id


def test_events_can_be_found_by_user_action_organisation_and_date(looked_up, auditor, practitioner):
    client = signed_in_client(auditor)
    today = datetime.date.today()

    def parts(name, day):
        return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}

    def count(**params):
        page = client.get(reverse("audit:events"), params).content.decode()
        return page.count('<tr class="govuk-table__row">') - 1

    assert count(username=practitioner.username, action="search") == 2
    assert count(username=practitioner.username, action="record.view") == 1
    on_today = {**parts("date_from", today), **parts("date_to", today)}
    assert count(organisation="ORG-A", action="record.view", **on_today) == 1
    long_ago = parts("date_to", datetime.date(2000, 1, 1))
    assert count(action="record.view", **long_ago) == -1  # "No events match"


def test_bad_filters_get_a_clear_message(auditor):
    page = signed_in_client(auditor).get(
        reverse("audit:events"), {"date_from_0": "next", "date_from_1": "tuesday"}
    )
    html = page.content.decode()
    assert "From must include a day, month and year" in html
    assert 'href="#id_date_from_0"' in html  # the error summary links to the day box


def test_the_csv_export_neutralises_formulas_and_is_audited(auditor):
    audit_event_record(action=Action.SEARCH, reason='=HYPERLINK("http://evil")', actor_username="x")
    response = signed_in_client(auditor).get(reverse("audit:export"), {"action": "search"})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "id"
    reasons = [row[9] for row in rows[1:]]
    assert reasons == ['\'=HYPERLINK("http://evil")']
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor_id=auditor.id).exists()


@pytest.mark.parametrize("value", ["=1+1", "+44", "-2", "@SUM(A1)", "\tx"])
def test_cells_that_a_spreadsheet_would_run_are_prefixed(value):
    assert neutralise(value).startswith("'")


LEAH_BORN = {"dob_day": "27", "dob_month": "3", "dob_year": "2015"}


def test_an_auditor_can_find_a_child_to_review_without_seeing_where_they_live(auditor):
    child = make_child("Leah", "Harrington", datetime.date(2015, 3, 27), postcode="SE4 1NX")
    page = signed_in_client(auditor).post(
        reverse("records:audit_lookup"), {"family_name": "harington", **LEAH_BORN}
    )
    text = page.content.decode()
    assert str(child.public_id) in text
    assert "SE4" not in text
    assert "postcode" not in text.lower()  # the form offers no way to search by place
    event = AuditEvent.objects.get(action=Action.SEARCH)
    assert event.reason == "to review access (audit)"
    assert event.details["criteria"]["date_of_birth"] == "2015-03-27"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"postcode": "SE4 1NX"}, "Enter the child&#x27;s family name"),
        ({"given_name": "Leah", "postcode": "SE4 1NX", "dob_year": "2015"}, "family name"),
        ({"family_name": "Harrington"}, "full date of birth: day, month and year"),
        ({"family_name": "Harrington", "dob_year": "2015"}, "full date of birth"),
        ({"family_name": "Harrington", "age_from": "5", "age_to": "12"}, "full date of birth"),
        ({"family_name": "  ***  ", **LEAH_BORN}, "in letters"),
        ({"family_name": "Harrington", **LEAH_BORN, "dob_day": "31", "dob_month": "2"}, "real"),
        ({**LEAH_BORN, "family_name": "Harrington", "dob_year": "1066"}, "must be between"),
    ],
)
def test_the_finder_needs_a_family_name_and_a_full_date_of_birth(auditor, data, message):
    child = make_child("Leah", "Harrington", datetime.date(2015, 3, 27), postcode="SE4 1NX")
    response = signed_in_client(auditor).post(reverse("records:audit_lookup"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert str(child.public_id) not in page
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_the_finder_is_rate_limited_like_search(auditor, settings):
    settings.SEARCH_RATE_LIMIT = "2/h"
    make_child("Leah", "Harrington", datetime.date(2015, 3, 27))
    client = signed_in_client(auditor)
    finder = reverse("records:audit_lookup")
    for _ in range(2):
        assert (
            "Leah Harrington"
            in client.post(finder, {"family_name": "Harrington", **LEAH_BORN}).content.decode()
        )

    refused = client.post(finder, {"family_name": "Harrington", **LEAH_BORN})

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "Too many searches" in page and "2 searches an hour" in page
    assert "Leah Harrington" not in page
    assert f'href="{finder}"' in page
    assert AuditEvent.objects.filter(action=Action.SEARCH).count() == 2
    denial = AuditEvent.objects.using("audit").get(
        action=Action.SEARCH_RATE_LIMITED, actor_id=auditor.pk
    )
    assert denial.details["path"] == finder


def _views(user, children, when=None):
    for child in children:
        event = audit_event_record(
            action=Action.RECORD_VIEW,
            actor=user,
            object_type="child",
            object_id=str(child.public_id),
        )
        if when is not None:
            AuditEvent.objects.filter(pk=event.pk)  # occurred_at comes from the database
    return children


def test_the_misuse_report_finds_planted_cases_and_not_a_normal_user(settings):
    normal = make_user("normal", roles=(Role.PRACTITIONER,))
    heavy = make_user("heavy", roles=(Role.PRACTITIONER,))
    relative = make_user("relative", roles=(Role.PRACTITIONER,))
    relative.last_name = "Harrington"
    relative.save()
    browser = make_user("browser", roles=(Role.PRACTITIONER,))
    kids = [make_child(f"Kid{n}", "Jones", postcode=None) for n in range(25)]
    _views(normal, kids[:3])
    _views(heavy, kids)
    _views(relative, [make_child("Leah", "Harrington", postcode=None)])
    for _ in range(16):
        audit_event_record(action=Action.SEARCH, actor=browser)
    # All of it in working hours, so only the planted rules fire.
    noon = timezone.now().astimezone(datetime.UTC).replace(hour=12)
    while noon.weekday() >= 5:
        noon -= datetime.timedelta(days=1)
    forced("UPDATE audit_auditevent SET occurred_at = %s", [noon])

    found = {(f.username, f.rule) for f in findings(days=2, now=noon + datetime.timedelta(hours=1))}

    assert ("heavy", "many_views") in found
    assert ("relative", "shares_surname") in found
    assert ("browser", "browsing") in found
    assert not any(username == "normal" for username, _ in found)


def test_out_of_hours_activity_is_reported():
    user = make_user("nightowl")
    audit_event_record(action=Action.SEARCH, actor=user)
    night = datetime.datetime(2026, 11, 24, 2, 30, tzinfo=datetime.UTC)
    forced("UPDATE audit_auditevent SET occurred_at = %s", [night])
    found = findings(days=1, now=night + datetime.timedelta(hours=1))
    assert [(f.username, f.rule) for f in found] == [("nightowl", "out_of_hours")]


def test_the_misuse_report_page_explains_the_rules(auditor):
    page = signed_in_client(auditor).get(reverse("audit:alerts")).content.decode()
    assert "shares_surname" in page and "browsing" in page and "many_views" in page


def test_views_of_children_outside_the_organisations_area_are_reported(organisation_a):
    organisation_a.area_districts = "SE6 SE13"
    organisation_a.save()
    local = make_user("local", organisation=organisation_a)
    _views(local, [make_child("Amy", "Near", postcode="SE6 4RU")])
    roamer = make_user("roamer", organisation=organisation_a)
    _views(roamer, [make_child("Ben", "Far", postcode="N1 9GU")])
    rules = {(f.username, f.rule) for f in findings(days=1) if f.rule == "other_area"}
    assert rules == {("roamer", "other_area")}
