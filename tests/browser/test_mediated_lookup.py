"""The seed's adult mental-health case, on the demo borough: Susan, with the mother's
consent, asks the index team about a one-year-old; they find the health visitor, the
nursery and social care, and record exactly what they told her."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from lookups.models import Disclosure
from records.models import Child
from tests.browser.journey import check_page, open_record, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_index_team_answers_susan_and_records_exactly_what_was_shared(
    live_server, page: Page, demo_borough, shots
):
    alfie = Child.objects.get(given_name="Alfie", family_name="Brennan")
    assert (datetime.date.today() - alfie.date_of_birth).days // 365 == 1

    sign_in(page, live_server.url, "indexteam")
    page.get_by_role("link", name="Lookups").click()
    expect(page.get_by_text("No lookups are waiting")).to_be_visible()
    check_page(page)
    shots.take(page, "an empty queue")
    page.get_by_role("link", name="Open a lookup for a caller").click()
    check_page(page)
    page.get_by_role("button", name="Open lookup and search").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page)
    shots.take(page, "open a lookup, with errors")

    page.get_by_label("Caller's name").fill("Susan Reid")
    page.get_by_label("Caller's role").fill("Adult mental health worker")
    page.get_by_label("Caller's organisation").fill("Borough Adult Mental Health Team")
    page.get_by_label("Caller's phone").fill("020 7946 0999")
    page.get_by_label("Called back on a known switchboard number").check()
    page.get_by_label("Why does the caller need to know?").fill(
        "Her client has a one-year-old; she wants the child's needs in the support plan"
    )
    page.get_by_label("Which child are they asking about?").fill("Alfie Brennan, about one")
    page.get_by_label("Consent obtained from the child or family").check()
    page.get_by_label("Consent: who gave it and when").fill("The mother, to Susan, today")
    page.get_by_label("Routine").check()
    shots.take(page, "open a lookup")
    page.get_by_role("button", name="Open lookup and search").click()

    expect(page.get_by_test_id("acting-for")).to_contain_text("Susan Reid")
    page.get_by_label("Family name").fill("Brennan")
    page.get_by_label("Year").fill(str(alfie.date_of_birth.year))
    page.get_by_role("button", name="Search").click()
    check_page(page)
    open_record(page, "Alfie Brennan", "Coordinating support with other practitioners")
    expect(page.get_by_test_id("universal-services")).to_contain_text("Little Acorns Day Nursery")
    expect(page.get_by_test_id("universal-services")).to_contain_text("Nursery assistant")
    others = page.get_by_test_id("current-involvements")
    expect(others).to_contain_text("Health visitor")
    expect(others).to_contain_text("Children's Social Care Assessment Team")
    check_page(page)
    shots.take(page, "Alfie's record")

    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_role("link", name="Alfie Brennan").click()
    page.get_by_label("Contacts disclosed to the caller").check()
    page.get_by_label("Health Visiting Team:").check()
    page.get_by_label("Little Acorns Day Nursery:").check()
    page.get_by_label("Children's Social Care Assessment Team:").check()
    check_page(page)
    page.get_by_role("button", name="Close the lookup").click()

    expect(page.get_by_role("heading", name="Mediated lookup summary")).to_be_visible()
    disclosed = page.get_by_test_id("disclosures")
    expect(disclosed).to_contain_text("Health visitor")
    expect(disclosed).to_contain_text("Nursery assistant")
    expect(disclosed.locator("a[href^='tel:']")).to_have_count(3)
    check_page(page)
    shots.take(page, "the lookup summary")
    assert Disclosure.objects.count() == 3
