"""A practitioner signs in with a TOTP code, finds a child by a misspelt name, sees whom to call."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from audit.models import Action, AuditEvent
from involvements.models import ServiceType
from tests.browser.journey import check_page, current_code
from tests.factories import PASSWORD, make_child, make_involvement, make_service, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_practitioner_finds_a_child_by_a_misspelt_name_and_sees_the_practitioners_phone(
    live_server, page: Page
):
    failed_requests: list[str] = []
    page.on("requestfailed", lambda request: failed_requests.append(request.url))
    page.on(
        "response",
        lambda response: failed_requests.append(response.url) if response.status >= 400 else None,
    )
    user = make_user("senco")
    child = make_child("Catherine", "Whitfield", datetime.date(2016, 4, 12))
    make_child("Catherine", "Whitmore", datetime.date(2012, 1, 5))
    make_involvement(
        child,
        make_service(ServiceType.SOCIAL_CARE, name="Children's Social Care"),
        practitioner_name="Dana Social",
        phone="07700 900456",
        role="Social worker",
    )

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/"))
    check_page(page)
    page.get_by_label("Username").fill("senco")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    check_page(page)
    page.get_by_label("Code from your authenticator app").fill(current_code(user))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()
    check_page(page)
    page.get_by_label("Given name").fill("Kathryn")
    page.get_by_label("Family name").fill("Whitfeild")
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2016")
    page.get_by_role("button", name="Search").click()

    results = page.get_by_test_id("results")
    expect(results.get_by_role("link").first).to_have_text("Catherine Whitfield")
    check_page(page)
    results.get_by_role("link", name="Catherine Whitfield").click()

    expect(page.get_by_role("heading", name="Why do you need to see this record?")).to_be_visible()
    check_page(page)
    page.get_by_label("Coordinating support with other practitioners").check()
    page.get_by_role("button", name="Open the record").click()

    expect(page.get_by_role("heading", name="Catherine Whitfield")).to_be_visible()
    involvements = page.get_by_test_id("current-involvements")
    expect(involvements).to_contain_text("Dana Social")
    expect(involvements).to_contain_text("07700 900456")
    check_page(page)

    view = AuditEvent.objects.get(action=Action.RECORD_VIEW)
    assert view.object_id == str(child.public_id)
    assert view.reason == "Coordinating support with other practitioners"
    assert failed_requests == []
