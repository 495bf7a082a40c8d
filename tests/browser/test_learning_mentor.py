"""The seed's learning-mentor case, on the demo borough: she finds Carol herself, sees that
education and social care are involved and that there is no lead professional, records her
own involvement, and the practitioners following Carol are told."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from notifications.models import Notification
from notifications.services import follow_set
from records.models import Child
from tests.browser.journey import check_page, open_record, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_learning_mentor_records_her_involvement_and_others_are_told(
    live_server, page: Page, demo_borough, shots
):
    carol = Child.objects.get(given_name="Carol", family_name="Whitfield")
    social_worker = User.objects.get(username="override")
    follow_set(user=social_worker, child=carol, following=True)

    sign_in(page, live_server.url, "mentor")
    page.get_by_label("Given name").fill("Carol")
    page.get_by_label("Family name").fill("Whitfeild")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title("Search results – Child Index")
    expect(page.get_by_label("Family name")).to_have_value("Whitfeild")
    check_page(page)
    shots.take(page, "search results")
    open_record(page, "Carol Whitfield", "Coordinating support with other practitioners")

    expect(page.get_by_test_id("universal-services")).to_contain_text("Rivermead Primary School")
    others = page.get_by_test_id("current-involvements")
    expect(others).to_contain_text("Children's Social Care Assessment Team")
    expect(others).to_contain_text("Social worker")
    expect(others.get_by_test_id("last-updated").first).to_contain_text("Last updated")
    expect(others.locator("a[href^='tel:+44']").first).to_be_visible()
    expect(others.locator("a[href^='mailto:']").first).to_be_visible()
    expect(page.get_by_test_id("lead")).to_have_text("None")
    expect(page.get_by_test_id("prompts")).to_contain_text("Team Around the Child")
    check_page(page)
    shots.take(page, "Carol's record")

    page.get_by_role("link", name="I am now working with this child").click()
    expect(page.get_by_label("Your role with this child")).to_have_value("Learning mentor")
    check_page(page)
    page.get_by_label("Your role with this child").fill("")
    page.get_by_role("button", name="Record my involvement").click()
    expect(page).to_have_title("Error: I am now working with this child – Child Index")
    check_page(page)
    shots.take(page, "recording her involvement, with errors")
    page.get_by_label("Your role with this child").fill("Learning mentor")
    page.get_by_label("Your work phone").fill("020 7946 0777")
    page.get_by_role("button", name="Record my involvement").click()

    # A learning mentor works for the school, so she appears beside the school.
    school = page.get_by_test_id("universal-services")
    expect(school).to_contain_text("Lena Kowalski")
    expect(school.locator("a[href='tel:+442079460777']")).to_have_text("020 7946 0777")
    check_page(page)
    shots.take(page, "Carol's record with her involvement")
    told = Notification.objects.get(recipient=social_worker)
    assert (
        "Lena Kowalski" in told.message and "started working with Carol Whitfield" in told.message
    )
