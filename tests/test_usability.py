"""What users expect of the pages: contacts as links, when each involvement last changed,
a printable record, a search that keeps its criteria, and dates entered the GOV.UK way."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feeds.importing import involvement_upsert
from involvements.models import Involvement, ServiceType
from involvements.services import involvement_contacts_update, involvement_end
from lookups.services import disclosable
from tests.factories import (
    make_child,
    make_involvement,
    make_service,
    make_user,
    signed_in_client,
)
from tests.records.test_views import SEARCH, open_record

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.make_aware(datetime.datetime(2024, 9, 1, 10, 0))


def test_the_record_page_links_phones_and_emails_and_says_when_each_involvement_changed(
    practitioner,
):
    child = make_child("Carol", "Whitfield", datetime.date(2016, 4, 12))
    social = make_involvement(
        child,
        make_service(ServiceType.SOCIAL_CARE, name="Children's Social Care"),
        practitioner_name="Dee Social",
        phone="07700 900456",
    )
    Involvement.objects.filter(pk=social.pk).update(updated_at=LONG_AGO)

    page = open_record(signed_in_client(practitioner), child).content.decode()

    assert (
        '<a class="govuk-link" href="tel:+447700900456" data-testid="phone">07700 900456</a>'
        in (page)
    )
    assert '<a class="govuk-link" href="mailto:pat@example.org">pat@example.org</a>' in page
    assert "Last updated 1 Sep 2024" in page


def test_ending_an_involvement_or_changing_its_contacts_updates_it_and_a_repeated_feed_row_does_not(
    practitioner,
):
    child = make_child()
    row = make_involvement(child, start=datetime.date(2024, 9, 1))
    Involvement.objects.filter(pk=row.pk).update(updated_at=LONG_AGO)
    row.refresh_from_db()

    involvement_contacts_update(
        request=None, user=practitioner, involvement=row, phone="020 7946 0555", email=""
    )
    row.refresh_from_db()
    assert row.updated_at > LONG_AGO

    Involvement.objects.filter(pk=row.pk).update(updated_at=LONG_AGO)
    involvement_end(
        request=None, user=practitioner, involvement=row, end_date=datetime.date.today()
    )
    row.refresh_from_db()
    assert row.updated_at > LONG_AGO

    data = {
        "service_code": "SVC-FEED",
        "service_name": "Feed School",
        "service_type": ServiceType.SCHOOL,
        "practitioner_name": "",
        "practitioner_role": "Class teacher",
        "practitioner_phone": "",
        "practitioner_email": "",
        "start": "2024-09-01",
        "end": "",
    }
    involvement_upsert(child, data, "school-mis", "S1", external_ref="E1")
    fed = Involvement.objects.get(external_ref="E1")
    Involvement.objects.filter(pk=fed.pk).update(updated_at=LONG_AGO)
    involvement_upsert(child, data, "school-mis", "S1", external_ref="E1")
    assert Involvement.objects.get(pk=fed.pk).updated_at == LONG_AGO
    involvement_upsert(child, {**data, "end": "2025-07-20"}, "school-mis", "S1", external_ref="E1")
    assert Involvement.objects.get(pk=fed.pk).updated_at > LONG_AGO


def test_the_service_directory_links_phones_and_emails(practitioner):
    service = make_service(ServiceType.HEALTH_VISITING, name="Health Visiting Team")
    entry = signed_in_client(practitioner).get(
        reverse("involvements:directory_entry", args=[service.public_id])
    )
    html = entry.content.decode()
    assert 'href="tel:+442079460000"' in html and f'href="mailto:{service.email}"' in html


def test_phone_numbers_become_international_tel_links():
    template = Template("{% load contact_links %}{{ phone|tel_href }}|{% phone_link phone %}")
    assert template.render(Context({"phone": "020 7946 0101"})).startswith(
        'tel:+442079460101|<a class="govuk-link" href="tel:+442079460101">020 7946 0101</a>'
    )
    assert Template("{% load contact_links %}{{ p|tel_href }}").render(
        Context({"p": "+44 (0)7700 900123"})
    ) == ("tel:+447700900123")
    assert Template("{% load contact_links %}[{% phone_link p %}]").render(Context({"p": ""})) == (
        "[]"
    )


def test_every_page_links_a_print_stylesheet_that_hides_the_navigation(practitioner):
    page = signed_in_client(practitioner).get(reverse("records:search")).content.decode()
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/print\.css" media="print">', page)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    assert "@media print" in css
    hidden = css.split("display: none")[0]
    for chrome in (
        ".govuk-template__header",
        ".govuk-footer",
        ".govuk-button",
        ".childindex-no-print",
    ):
        assert chrome in hidden


def test_coming_back_from_a_record_keeps_the_search_but_a_new_search_starts_empty(practitioner):
    child = make_child("Catherine", "Whitfield", datetime.date(2015, 3, 27))
    client = signed_in_client(practitioner)
    client.post(reverse("records:search"), SEARCH)
    record = open_record(client, child).content.decode()
    assert "?refine=1" in record

    again = client.get(reverse("records:search"), {"refine": "1"}).content.decode()
    assert (
        'value="Whitfeild"' in again
        and 'name="dob_year" type="text" inputmode="numeric" value="2015"' in again
    )
    fresh = client.get(reverse("records:search")).content.decode()
    assert "Whitfeild" not in fresh


def test_no_results_says_what_to_try_next(practitioner):
    page = signed_in_client(practitioner).post(
        reverse("records:search"), {"given_name": "Zebedee", "family_name": "Quartermaine"}
    )
    html = page.content.decode()
    assert "No children match your search" in html
    for advice in (
        "check the spelling",
        "try fewer details",
        "date of birth",
        "ask the index team",
    ):
        assert advice in html
    assert reverse("lookups:ask") in html
    assert 'value="Quartermaine"' in html


def test_a_lookup_may_disclose_a_recently_ended_involvement_but_not_an_old_or_sensitive_one():
    child = make_child("Kieran", "Doyle", datetime.date(2017, 5, 1))
    today = datetime.date.today()
    previous_school = make_involvement(
        child, start=datetime.date(2021, 9, 1), end=today - datetime.timedelta(days=40)
    )
    make_involvement(
        child,
        start=datetime.date(2018, 9, 1),
        end=today - datetime.timedelta(days=settings.ENDED_INVOLVEMENT_DAYS + 5),
    )
    make_involvement(
        child,
        make_service(ServiceType.MENTAL_HEALTH),
        start=datetime.date(2023, 1, 1),
        end=today - datetime.timedelta(days=10),
    )
    current = make_involvement(child, start=today - datetime.timedelta(days=20))

    assert [row.pk for row in disclosable(child)] == [current.pk, previous_school.pk]


def test_filters_take_dates_as_day_month_and_year(auditor, index_officer):
    today = datetime.date.today()
    parts = {"date_from_0": today.day, "date_from_1": today.month, "date_from_2": today.year}
    for user, name in ((auditor, "audit:events"), (index_officer, "lookups:queue")):
        html = signed_in_client(user).get(reverse(name), parts).content.decode()
        assert 'id="id_date_from_0" name="date_from_0"' in html
        assert f'name="date_from_2" type="text" inputmode="numeric" value="{today.year}"' in html
    admin = make_user("figures", roles=(Role.ORG_ADMIN,))
    bad = signed_in_client(admin).get(
        reverse("reports:dashboard"), {"date_to_0": "31", "date_to_1": "2", "date_to_2": "2026"}
    )
    html = bad.content.decode()
    assert "To must be a real date" in html and 'href="#id_date_to_0"' in html
    assert "<title>Error: Management information" in html
