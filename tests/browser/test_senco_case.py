"""The seed's SENCO case, on the demo borough: a new pupil behaves aggressively; the SENCO,
with his mother's consent, asks the index team, who find his previous school and the social
worker who knew the family, and record exactly what they told her."""

import pytest
from playwright.sync_api import Page, expect

from lookups.models import Disclosure, MediatedLookup, Status
from tests.browser.journey import check_page, open_record, sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_senco_asks_the_index_team_who_find_the_previous_school_and_social_work(
    live_server, page: Page, demo_borough, shots
):
    sign_in(page, live_server.url, "senco")
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()
    page.get_by_role("link", name="ask the index team").click()
    expect(page).to_have_title("Ask the index team – Child Index")
    check_page(page)

    # Sending the form empty: an error summary that takes focus and links to each field.
    page.get_by_role("button", name="Send to the index team").click()
    expect(page).to_have_title("Error: Ask the index team – Child Index")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page)
    shots.take(page, "ask the index team with errors")
    page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(page.get_by_label("Which child do you need to know about?")).to_be_focused()

    page.get_by_label("Which child do you need to know about?").fill(
        "Kieran Doyle, aged 9, joined Year 4 this term"
    )
    page.get_by_label("Why do you need to know?").fill(
        "New pupil with challenging and aggressive behaviour; I need his history to plan support"
    )
    page.get_by_label("Consent obtained from the child or family").check()
    page.get_by_label("Consent: who gave it and when").fill("His mother, at a meeting today")
    page.get_by_label("Routine").check()
    shots.take(page, "ask the index team")
    page.get_by_role("button", name="Send to the index team").click()
    expect(page.get_by_role("heading", name="Request sent to the index team")).to_be_visible()
    check_page(page)
    sign_out(page)

    sign_in(page, live_server.url, "indexteam")
    page.get_by_role("link", name="Lookups").click()
    check_page(page)
    shots.take(page, "the index team's queue")
    page.get_by_test_id("lookups").get_by_role("link", name="Sam Okafor").click()
    expect(page.get_by_test_id("lookup")).to_contain_text("His mother, at a meeting today")
    check_page(page)
    page.get_by_role("button", name="Take this request").click()
    expect(page.get_by_test_id("acting-for")).to_contain_text("Sam Okafor")

    page.get_by_label("Given name").fill("Kieran")
    page.get_by_label("Family name").fill("Doyle")
    page.get_by_role("button", name="Search").click()
    check_page(page)
    open_record(page, "Kieran Doyle", "Assessing needs (early help or CAF)")
    ended = page.get_by_test_id("ended-involvements")
    expect(ended).to_contain_text("St Mary's CE Primary School")
    expect(ended).to_contain_text("Children's Social Care Assessment Team")
    expect(page.get_by_test_id("universal-services")).to_contain_text("Hillside Primary School")
    check_page(page)
    shots.take(page, "the record: previous school and social work")

    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_role("link", name="Kieran Doyle").click()
    page.get_by_label("Contacts disclosed to the caller").check()
    page.get_by_label("St Mary's CE Primary School:").check()
    page.get_by_label("Children's Social Care Assessment Team:").check()
    check_page(page)
    shots.take(page, "record the outcome")
    page.get_by_role("button", name="Close the lookup").click()

    expect(page.get_by_role("heading", name="Mediated lookup summary")).to_be_visible()
    disclosed = page.get_by_test_id("disclosures")
    expect(disclosed).to_contain_text("St Mary's CE Primary School")
    expect(disclosed).to_contain_text("Children's Social Care Assessment Team")
    expect(disclosed.locator("a[href^='tel:']")).to_have_count(2)
    check_page(page)
    shots.take(page, "the lookup summary")

    lookup = MediatedLookup.objects.get()
    assert lookup.status == Status.CLOSED and lookup.created_by.username == "indexteam"
    assert sorted(Disclosure.objects.values_list("service_name", flat=True)) == [
        "Children's Social Care Assessment Team",
        "St Mary's CE Primary School",
    ]
