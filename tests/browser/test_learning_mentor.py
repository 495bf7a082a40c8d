"""The seed's learning-mentor case: she finds Carol, sees who is involved and that there is no
lead professional, records her own involvement, and the other practitioners are told."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from involvements.models import ServiceType
from notifications.models import Notification
from notifications.services import follow_set
from tests.browser.test_find_a_child import assert_no_axe_violations, current_code
from tests.factories import (
    PASSWORD,
    make_child,
    make_involvement,
    make_organisation,
    make_service,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_learning_mentor_records_her_involvement_and_others_are_told(live_server, page: Page):
    school = make_organisation("SCH-R", "Rivermead Primary School")
    mentor = make_user("mentor", organisation=school)
    mentor.first_name, mentor.last_name = "Lena", "Kowalski"
    mentor.job_title, mentor.phone = "Learning mentor", "07700 900777"
    mentor.save()
    mentoring = make_service(ServiceType.SCHOOL, name="Rivermead Learning Mentors")
    mentoring.organisation = school
    mentoring.save()
    born = datetime.date.today() - datetime.timedelta(days=3400)
    carol = make_child("Carol", "Whitfield", born)
    make_involvement(
        carol,
        make_service(ServiceType.SCHOOL, name="Rivermead Primary"),
        practitioner_name="Clare Teacher",
    )
    make_involvement(
        carol,
        make_service(ServiceType.GP, name="Catford Family Practice"),
        practitioner_name="Dr Rahman",
        role="GP",
    )
    make_involvement(
        carol,
        make_service(ServiceType.SOCIAL_CARE, name="Children's Social Care"),
        practitioner_name="Dee Social",
        role="Social worker",
    )
    social_worker = make_user("social")
    follow_set(user=social_worker, child=carol, following=True)

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("mentor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(mentor))
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Given name").fill("Carol")
    page.get_by_label("Family name").fill("Whitfeild")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name="Carol Whitfield").click()
    page.get_by_label("Coordinating support with other practitioners").check()
    page.get_by_role("button", name="Open the record").click()

    expect(page.get_by_test_id("universal-services")).to_contain_text("Rivermead Primary")
    expect(page.get_by_test_id("current-involvements")).to_contain_text("Dee Social")
    expect(page.get_by_test_id("lead")).to_have_text("None")
    expect(page.get_by_test_id("prompts")).to_contain_text("Team Around the Child")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="I am now working with this child").click()
    expect(page.get_by_label("Your role with this child")).to_have_value("Learning mentor")
    expect(page.get_by_label("Your work phone")).to_have_value("07700 900777")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Record my involvement").click()

    # A learning mentor works for the school, so she appears beside the school.
    expect(page.get_by_test_id("universal-services")).to_contain_text("Lena Kowalski")
    expect(page.get_by_test_id("universal-services")).to_contain_text("07700 900777")
    told = Notification.objects.get(recipient=social_worker)
    assert (
        "Lena Kowalski" in told.message and "started working with Carol Whitfield" in told.message
    )
